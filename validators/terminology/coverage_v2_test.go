package terminology_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
)

var _ = Describe("mapping coverage of HL7 v2 fields", func() {
	// feed writes generated ADT and ORU messages, some of whose OBX-3 carry a
	// laboratory's local code, and returns their records.
	feed := func(local int) ([]*model.Record, *hl7v2gen.Manifest) {
		g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 5, Messages: 200, ORUEvery: 2, Defects: map[string]int{"v2-obx-local-code": local}})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		man, err := g.Generate(&buf)
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "results.hl7")
		Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())
		t, err := hl7v2files.Open(target.Spec{Name: "results", Path: path})
		Expect(err).NotTo(HaveOccurred())
		var recs []*model.Record
		Expect(t.Records(context.Background(), func(r *model.Record) error { r.Load(); recs = append(recs, r); return nil })).To(Succeed())
		return recs, man
	}

	It("counts OBX-3 values, finds each local code at its message and ranks the unmapped", func() {
		recs, man := feed(6)
		c, err := compile("mapping-coverage", map[string]any{"elements": []any{"OBX-3"}, "threshold": "99%"})
		Expect(err).NotTo(HaveOccurred())
		st := c.NewState()
		var warned []int
		for _, r := range recs {
			if !c.Applies(r) {
				continue
			}
			for _, f := range st.Observe(r) {
				Expect(f.Path).To(Equal("OBX[1].3"))
				Expect(f.Message).To(ContainSubstring("99LAB|GLU"))
				warned = append(warned, int(r.Index))
			}
		}
		var seeded []int
		for _, d := range man.Defects {
			seeded = append(seeded, d.Index)
		}
		Expect(warned).To(ConsistOf(seeded))
		t := model.NewTally(0)
		st.Finish(t)
		m, ok := t.Lookup("mapped OBX-3")
		Expect(ok).To(BeTrue())
		Expect(m.Denominator).To(BeEquivalentTo(100), "one OBX in each of the 100 ORU messages")
		Expect(m.Numerator).To(BeEquivalentTo(94))
		outcome, msg := c.(interface {
			Grade(*model.Tally) (model.Outcome, string)
		}).Grade(t)
		Expect(outcome).To(Equal(model.Fail), msg)
		Expect(t.Findings[0].Message).To(HavePrefix("#1 unmapped in OBX-3: 99LAB|GLU in 6 record(s)"))
	})

	It("credits local codes a supplier's mapping table takes to LOINC", func() {
		recs, _ := feed(6)
		maps := filepath.Join(GinkgoT().TempDir(), "lab-map.csv")
		Expect(os.WriteFile(maps, []byte("source_system,source_code,target_system,target_code\n99LAB,GLU,http://loinc.org,2345-7\n"), 0o644)).To(Succeed())
		// A fresh run environment: a mapping table joins the run's engine.
		c, err := registry().Compile(check.Spec{Requirement: "REQ", Type: "mapping-coverage", Source: "spec",
			Params: map[string]any{"elements": []any{"OBX-3"}, "maps": []any{maps}}}, &check.Env{})
		Expect(err).NotTo(HaveOccurred())
		st := c.NewState()
		for _, r := range recs {
			if c.Applies(r) {
				Expect(st.Observe(r)).To(BeEmpty())
			}
		}
		t := model.NewTally(0)
		st.Finish(t)
		m, _ := t.Lookup("mapped OBX-3")
		Expect(m.Numerator).To(Equal(m.Denominator))
	})

	It("refuses a field name that is neither FHIR nor HL7 v2", func() {
		_, err := compile("mapping-coverage", map[string]any{"elements": []any{"OBX3"}})
		Expect(err).To(MatchError(ContainSubstring(`"OBX3" is not an element of FHIR R4 nor an HL7 v2 field such as OBX-3`)))
	})
})
