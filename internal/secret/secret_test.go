package secret_test

import (
	"encoding/base64"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/secret"
)

var _ = Describe("Set", func() {
	const tok = "tok-ABCDEFGHIJKLMNOP"

	It("scrubs a secret in the forms it travels in", func() {
		var s secret.Set
		s.Add(tok, "abc")
		s.AddURL("https://user:pa55w0rd-x@ehr.example/fhir?api_key=KEY-123456&_count=10")
		for _, in := range []string{
			"gender " + tok + " is not a code",
			base64.StdEncoding.EncodeToString([]byte(tok)),
			"Basic " + base64.StdEncoding.EncodeToString([]byte("user:pa55w0rd-x")),
			"key=KEY-123456",
		} {
			Expect(s.Scrub(in)).To(ContainSubstring(secret.Redacted), in)
		}
		Expect(s.Scrub("abc and _count=10")).To(Equal("abc and _count=10"), "short values and ordinary parameters stay")
	})

	It("scrubs the start of a secret that a clip left at the end or before an ellipsis", func() {
		var s secret.Set
		s.Add(tok)
		Expect(s.Scrub("diagnostics: Bearer " + tok[:12])).To(Equal("diagnostics: Bearer [REDACTED]"))
		Expect(s.Scrub("x " + tok[:10] + "… more")).To(Equal("x [REDACTED]… more"))
		Expect(s.Scrub("tok-ABCDEFGH then more")).To(Equal("tok-ABCDEFGH then more"))
	})

	It("scrubs every string of a value in place, map keys and values included", func() {
		var s secret.Set
		s.Add(tok)
		type inner struct {
			Msg  string
			Tags map[string]string
			Any  []any
		}
		v := struct {
			Items []inner
			Ptr   *inner
		}{Items: []inner{{Msg: "a " + tok, Tags: map[string]string{tok: tok}, Any: []any{tok, 3}}}, Ptr: &inner{Msg: tok}}
		s.ScrubValue(&v)
		Expect(v.Items[0].Msg).To(Equal("a [REDACTED]"))
		Expect(v.Items[0].Tags).To(Equal(map[string]string{"[REDACTED]": "[REDACTED]"}))
		Expect(v.Items[0].Any).To(Equal([]any{"[REDACTED]", 3}))
		Expect(v.Ptr.Msg).To(Equal("[REDACTED]"))
	})
})
