package livefhir_test

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-server target over TLS", func() {
	var url, caFile string
	BeforeEach(func() {
		s, err := fhirserver.New(fhirserver.Options{Feed: feedDir})
		Expect(err).NotTo(HaveOccurred())
		hs := httptest.NewTLSServer(s)
		DeferCleanup(hs.Close)
		url = hs.URL
		caFile = filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o644)).To(Succeed())
	})

	It("refuses a certificate it cannot verify, as a finding", func() {
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(HaveEach("api.tls"))
		Expect(tr.Errors).To(Equal(tr.Evaluated))
	})

	It("trusts the CA the plan names, or skips verification when told to", func() {
		for _, tlsOpt := range []map[string]any{{"ca_file": caFile}, {"insecure_skip_verify": true}} {
			rep := run([]map[string]any{apiTarget(url, map[string]any{"tls": tlsOpt})}, "fhir-rest-api")
			Expect(failing(rep)).To(BeEmpty())
			Expect(result(rep, "api", "API-13").Outcome).To(Equal(model.Pass))
		}
	})

	It("says in the report, under INPUT, that verification was off when insecure_skip_verify is set, and only then", func() {
		rep := run([]map[string]any{apiTarget(url, map[string]any{"tls": map[string]any{"insecure_skip_verify": true}})}, "fhir-rest-api")
		in := result(rep, "api", "INPUT")
		Expect(in.Outcome).To(Equal(model.Warn))
		Expect(codes(in)).To(Equal([]string{"fhir.tls-insecure"}))
		Expect(in.Findings[0].Message).To(ContainSubstring("TLS certificate verification is OFF"))
		rep = run([]map[string]any{apiTarget(url, map[string]any{"tls": map[string]any{"ca_file": caFile}})}, "fhir-rest-api")
		Expect(result(rep, "api", "INPUT").Warnings).To(BeZero())
	})

	It("names a CA file that holds no certificate", func() {
		bad := filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(os.WriteFile(bad, []byte("not a certificate"), 0o644)).To(Succeed())
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"tls": map[string]any{"ca_file": bad}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("tls.ca_file " + bad + ": no PEM certificate in it")))
	})
})
