package profile_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A #fragment found nowhere in a resource is looked for across its Bundle,
// in each entry left out of the Bundle's tree read again from its bytes.
// An entry whose bytes cannot be read leaves the question not decided
// (information), never a "points at nothing" error: the anchor may be
// there.
var _ = Describe("a #fragment looked for in an entry carecert cannot read", func() {
	const bundle = `{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"fullUrl":"urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9","resource":{"resourceType":"Patient","id":"p1",` +
		`"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"#nowhere\">more</a></div>"}}},` +
		`{"fullUrl":"urn:uuid:1a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9","resource":{"resourceType":"Basic","id":"b1","code":{"text":"x"}}}]}`

	narrative := func(damage bool) []model.Finding {
		path := filepath.Join(GinkgoT().TempDir(), "bundle.json")
		Expect(os.WriteFile(path, []byte(bundle), 0o644)).To(Succeed())
		recs := readWith(readApart, path)
		Expect(recs).To(HaveLen(3))
		owner := recs[0]
		Expect(fhir.EntriesApart(owner)).To(BeTrue())
		if damage {
			// the Basic entry's bytes, as a reader could not read them
			raw := append([]byte(nil), owner.Raw...)
			e := owner.Entries[1]
			raw[e.Start] = '!'
			owner.Raw = raw
		}
		var out []model.Finding
		for _, f := range newEngine().ValidateRecord(recs[1], "", nil) {
			if f.Code == profile.CodeNarrative {
				out = append(out, f)
			}
		}
		return out
	}

	It("is an error when every entry was read", func() {
		fs := narrative(false)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Error))
		Expect(fs[0].Message).To(ContainSubstring("points at nothing"))
	})

	It("is not decided when an entry could not be read", func() {
		fs := narrative(true)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Information))
		Expect(fs[0].Message).To(ContainSubstring("was not checked"))
	})
})
