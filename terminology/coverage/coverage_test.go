package coverage_test

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/coverage"
)

const local = "http://local.example/lab"

var _ = Describe("a mapper", func() {
	glu := []terminology.Mapping{{SourceSystem: local, SourceCode: "GLU", TargetSystem: terminology.LOINC, TargetCode: "2339-0"}}
	// The engine translates through the ConceptMaps it loaded (an IG's, or
	// the plan's); a requirement's own CSV table is the mapper's.
	e := terminology.New()
	Expect(e.AddJSON([]byte(`{"resourceType": "ConceptMap", "url": "http://local.example/cm", "status": "active",
		"group": [{"source": "`+local+`", "target": "`+terminology.LOINC+`",
			"element": [{"code": "GLU", "target": [{"code": "2339-0", "equivalence": "equivalent"}]},
				{"code": "NA", "target": [{"equivalence": "unmatched"}]}]}]}`), "cm.json")).To(Succeed())

	DescribeTable("takes national codings and local codes that map to national ones",
		func(m *coverage.Mapper) {
			Expect(m.Mapped([]terminology.Coding{{System: terminology.SNOMED, Code: "22298006"}})).To(BeTrue())
			Expect(m.Mapped([]terminology.Coding{{System: local, Code: "GLU"}})).To(BeTrue())
			Expect(m.Mapped([]terminology.Coding{{System: local, Code: "NA"}, {System: "http://other", Code: "x"}})).To(BeFalse())
			Expect(m.Mapped(nil)).To(BeFalse())
		},
		Entry("mapped by the engine's concept maps", coverage.NewMapper(e, nil, nil)),
		Entry("mapped by its own table", coverage.NewMapper(nil, glu, nil)),
	)

	It("uses the national systems it is given", func() {
		m := coverage.NewMapper(nil, nil, []string{"http://other"})
		Expect(m.Mapped([]terminology.Coding{{System: "http://other", Code: "x"}})).To(BeTrue())
		Expect(m.Mapped([]terminology.Coding{{System: terminology.SNOMED, Code: "22298006"}})).To(BeFalse())
		Expect(m.Mapped([]terminology.Coding{{System: local, Code: "GLU"}})).To(BeFalse())
	})
})

var _ = Describe("counts", func() {
	at := func(line int) model.Location {
		return model.Location{File: "feed.hl7", Line: line, Record: fmt.Sprintf("msg %d", line), Path: "OBX[1].3"}
	}
	add := func(c *coverage.Counts, line int, code string) {
		if code == "" {
			c.Add("OBX-3", true, nil, at(line), 2)
			return
		}
		c.Add("OBX-3", false, []terminology.Coding{{System: local, Code: code}}, at(line), 2)
	}
	feed := []string{"", "A", "", "B", "A", "", "A", "B", "C", ""}

	It("merge from JSON parts into what one pass gives", func() {
		whole := coverage.New()
		parts := []*coverage.Counts{coverage.New(), coverage.New(), coverage.New()}
		for i, code := range feed {
			add(whole, i+1, code)
			add(parts[(len(feed)-i)%3], i+1, code)
		}
		merged := coverage.New()
		for _, p := range parts {
			data, err := json.Marshal(p)
			Expect(err).NotTo(HaveOccurred())
			back := coverage.New()
			Expect(json.Unmarshal(data, back)).To(Succeed())
			merged.Merge(back, 2)
		}
		Expect(merged).To(Equal(whole))
		Expect(whole.Elements["OBX-3"].Unmapped["http://local.example/lab|A"].Examples).To(Equal([]model.Location{at(2), at(5)}))
	})

	It("finish into a measure and a ranked list, and grade against a threshold", func() {
		c := coverage.New()
		for i, code := range feed {
			add(c, i+1, code)
		}
		t := model.NewTally(0)
		c.Finish(t, "MAP-01", 2)
		m, ok := t.Lookup("mapped OBX-3")
		Expect(ok).To(BeTrue())
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{4, 10}))
		var msgs []string
		for _, f := range t.Sample() {
			Expect(f.Requirement).To(Equal("MAP-01"))
			msgs = append(msgs, f.Message)
		}
		Expect(msgs).To(ConsistOf(
			"#1 unmapped in OBX-3: http://local.example/lab|A in 3 record(s), e.g. msg 2, msg 5",
			"#2 unmapped in OBX-3: http://local.example/lab|B in 2 record(s), e.g. msg 4, msg 8",
		))
		out, msg := coverage.Grade(t, 0.5)
		Expect(out).To(Equal(model.Fail))
		Expect(msg).To(Equal("mapping coverage below 50.0%: OBX-3 40.0% (4 of 10)"))
		out, _ = coverage.Grade(t, 0.4)
		Expect(out).To(Equal(model.Pass))
	})
})
