package model_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// undecided is an information finding saying the record could not be judged.
func undecided(record string) model.Finding {
	return model.Finding{Severity: model.Information, Requirement: "R1", Code: "x.not-checked",
		Message: "code system S is not held: not checked", Location: model.Location{Record: record}, Undecided: true}
}

var _ = Describe("Tally of records not judged", func() {
	info := model.Finding{Severity: model.Information, Requirement: "R1", Code: "x.note", Message: "a note"}
	warnUndecided := undecided("r")
	warnUndecided.Severity = model.Warning
	errFinding := model.Finding{Severity: model.Error, Requirement: "R1", Code: "x.bad", Message: "bad"}

	// Each row is what a check returned for each record it evaluated.
	DescribeTable("grades by what was judged",
		func(records [][]model.Finding, feed []model.Finding, outcome model.Outcome, notChecked int64, msg string) {
			t := model.NewTally(0)
			for _, fs := range records {
				t.Observe(fs)
			}
			t.Add(feed...)
			Expect(t.NotChecked).To(Equal(notChecked))
			got, message := t.Grade()
			Expect(got).To(Equal(outcome))
			Expect(message).To(Equal(msg))
		},
		Entry("every record not judged: skip, never pass",
			[][]model.Finding{{undecided("a")}, {undecided("b"), undecided("b")}}, nil,
			model.Skip, int64(2), "not checked: 2 record(s), none judged (e.g. code system S is not held: not checked)"),
		Entry("some records not judged: pass, saying how many",
			[][]model.Finding{{undecided("a")}, nil, nil}, nil,
			model.Pass, int64(1), "2 record(s) checked, 1 not checked (e.g. code system S is not held: not checked)"),
		Entry("none not judged: pass as before",
			[][]model.Finding{nil, nil}, nil,
			model.Pass, int64(0), "2 record(s) checked"),
		Entry("a record with an undecided and a decided finding was judged",
			[][]model.Finding{{undecided("a"), info}}, nil,
			model.Pass, int64(0), "1 record(s) checked"),
		Entry("an information finding that is not undecided judges its record",
			[][]model.Finding{{info}}, nil,
			model.Pass, int64(0), "1 record(s) checked"),
		Entry("an undecided warning still warns, and says what was not checked",
			[][]model.Finding{{warnUndecided}, nil}, nil,
			model.Warn, int64(1), "1 warning(s) in 2 record(s); 1 record(s) not checked"),
		Entry("an error still fails, and says what was not checked",
			[][]model.Finding{{errFinding}, {undecided("b")}}, nil,
			model.Fail, int64(1), "1 error(s) in 1 of 2 record(s); 1 record(s) not checked"),
		Entry("no record and only a feed-level note: nothing was judged",
			nil, []model.Finding{info},
			model.Skip, int64(0), "no applicable records"),
		Entry("records not judged and a feed-level note: still skip",
			[][]model.Finding{{undecided("a")}}, []model.Finding{info},
			model.Skip, int64(1), "not checked: 1 record(s), none judged (e.g. code system S is not held: not checked)"),
	)

	It("grades a result whose every record went not judged skip even when a measure counted something", func() {
		t := model.NewTally(0)
		t.Observe([]model.Finding{undecided("a")})
		t.Measure("m.counted", 1, 1)
		outcome, msg := t.Grade()
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(HavePrefix("not checked: 1 record(s), none judged"))
	})

	It("counts records a check says once per result it could not judge", func() {
		t := model.NewTally(0)
		t.Observe(nil)
		t.Observe(nil)
		t.CountNotChecked(2)
		note := undecided("")
		note.Message = "2 record(s) hold only codes of SNOMED CT, which carecert does not hold"
		t.Add(note)
		outcome, msg := t.Grade()
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(Equal("not checked: 2 record(s), none judged (e.g. 2 record(s) hold only codes of SNOMED CT, which carecert does not hold)"))
		t.Observe(nil)
		outcome, msg = t.Grade()
		Expect(outcome).To(Equal(model.Pass))
		Expect(msg).To(HavePrefix("1 record(s) checked, 2 not checked"))
	})

	It("grades records with nothing to judge as neither judged nor not checked", func() {
		t := model.NewTally(0)
		t.Observe([]model.Finding{undecided("a")})
		t.Observe(nil) // a Bundle whose entries are records of their own
		t.CountNothingToJudge(1)
		outcome, msg := t.Grade()
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(HavePrefix("not checked: 1 record(s), none judged"))

		vacant := model.NewTally(0)
		vacant.Observe(nil)
		vacant.CountNothingToJudge(1)
		outcome, msg = vacant.Grade()
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(Equal("no applicable records"))

		t.Observe(nil)
		outcome, msg = t.Grade()
		Expect(outcome).To(Equal(model.Pass))
		Expect(msg).To(HavePrefix("2 record(s) checked, 1 not checked"))
	})

	It("merges the count of records not judged across workers and keeps it through JSON", func() {
		a, b := model.NewTally(0), model.NewTally(0)
		a.Observe([]model.Finding{undecided("a")})
		b.Observe([]model.Finding{undecided("b")})
		b.Observe(nil)
		b.Observe(nil)
		b.CountNothingToJudge(1)
		a.Merge(b)
		Expect(a.NotChecked).To(Equal(int64(2)))
		Expect(a.NothingToJudge).To(Equal(int64(1)))
		data, err := json.Marshal(a)
		Expect(err).NotTo(HaveOccurred())
		var back model.Tally
		Expect(json.Unmarshal(data, &back)).To(Succeed())
		Expect(back.NotChecked).To(Equal(int64(2)))
		Expect(back.NothingToJudge).To(Equal(int64(1)))
		Expect(back.Findings[0].Undecided).To(BeTrue())
		outcome, _ := back.Grade()
		Expect(outcome).To(Equal(model.Pass))
	})
})
