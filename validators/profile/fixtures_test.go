package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("seeded profile defects in a generated feed", func() {
	It("finds every seeded defect at its record and path, and nothing on clean records", func() {
		kinds := map[string]int{}
		for _, d := range fixtures.Catalogue() {
			if strings.HasPrefix(d.Kind, "profile-") {
				kinds[d.Kind] = 4
			}
		}
		Expect(kinds).To(HaveLen(6))
		g, err := fixtures.New(fixtures.Options{Seed: 7, Records: 600, Defects: kinds})
		Expect(err).NotTo(HaveOccurred())
		var lines [][]byte
		manifest, err := g.Generate(func(b []byte) error {
			lines = append(lines, append([]byte(nil), b...))
			return nil
		})
		Expect(err).NotTo(HaveOccurred())

		env := profile.UseEngine(&check.Env{}, newEngine())
		reg := check.NewRegistry()
		profile.Register(reg)
		c, err := reg.Compile(check.Spec{Requirement: "PROF-01", Type: "fhir-profile", Params: params.Params{}}, env)
		Expect(err).NotTo(HaveOccurred())
		state := c.NewState()

		found := map[int][]model.Finding{}
		for i, line := range lines {
			res, err := fhir.Decode(line)
			Expect(err).NotTo(HaveOccurred())
			rec := &model.Record{Kind: model.KindFHIR, Source: "feed.ndjson", Line: i + 1, Index: int64(i), Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res}
			Expect(c.Applies(rec)).To(BeTrue())
			for _, f := range state.Observe(rec) {
				if f.Severity > model.Information {
					found[i] = append(found[i], f)
				}
			}
		}
		seeded := map[int]fixtures.Seeded{}
		for _, d := range manifest.Defects {
			Expect(d.Detects).To(ContainElement("fhir-r4-profiles/PROF-01"))
			seeded[d.Index] = d
		}
		Expect(seeded).To(HaveLen(24))
		for idx, d := range seeded {
			Expect(found[idx]).NotTo(BeEmpty(), "%s at record %d (%s) was not found", d.Kind, idx, d.Record)
			paths := []string{}
			for _, f := range found[idx] {
				paths = append(paths, f.Path)
				Expect(f.Line).To(Equal(idx + 1))
			}
			Expect(paths).To(ContainElement(HavePrefix(d.Path)), "%s at record %d", d.Kind, idx)
		}
		for idx, fs := range found {
			_, ok := seeded[idx]
			Expect(ok).To(BeTrue(), "finding on clean record %d: %v", idx, fs)
		}
	})
})
