package secret_test

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/secret"
)

var _ = Describe("RedactURL", func() {
	DescribeTable("removes the password and secret query values, keeping search parameters readable",
		func(in, want string) { Expect(secret.RedactURL(in)).To(Equal(want)) },
		Entry("userinfo and a token", "https://user:s3cret@fhir.example/R4?_count=5&access_token=abc",
			"https://user@fhir.example/R4?_count=5&access_token=REDACTED"),
		Entry("an API key", "https://tx.example/fhir?api_key=k1", "https://tx.example/fhir?api_key=REDACTED"),
		Entry("a pre-signed download", "https://files.example/a.ndjson?sig=x&X-Amz-Signature=y",
			"https://files.example/a.ndjson?X-Amz-Signature=REDACTED&sig=REDACTED"),
		Entry("FHIR search parameters stay", "https://fhir.example/R4/DocumentReference?author=Practitioner/1&code=1234",
			"https://fhir.example/R4/DocumentReference?author=Practitioner/1&code=1234"),
		Entry("nothing to hide", "mllp://127.0.0.1:2575", "mllp://127.0.0.1:2575"),
		Entry("not a URL", "https://[::1", "(unparseable URL)"),
	)

	It("leaves a parsed URL as it was", func() {
		u, err := url.Parse("https://u:p@h/x?token=t")
		Expect(err).NotTo(HaveOccurred())
		Expect(secret.Redact(u)).To(Equal("https://u@h/x?token=REDACTED"))
		Expect(u.String()).To(Equal("https://u:p@h/x?token=t"))
	})
})
