package tables_test

import (
	"strings"

	"github.com/carecert/carecert/tabular"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

const people = `id,type,start,end,death,psr,nhs,born
1,Request,2025-05-01,2025-05-01,,,4010232137,1950-01-01
2,Service,2025-05-01,,,Mental Health Support,4010232138,1950-01
3,Assessment,2025-06-01,,,mental health support,NULL,1960-05-05
4,Service,2025-06-01,2025-05-01,2025-04-15,Fish,,01/02/1970
`

const schema = `
null_tokens: ["NULL"]
fields:
  - {name: id, type: integer, required: true, minimum: 1}
  - {name: type, required: true, values: [Request, Assessment, Service, Review]}
  - {name: start, type: date, required: true}
  - name: end
    type: date
    required: '!is(type, "Service") || !blank(death)'
  - {name: death, type: date}
  - name: psr
    required: '!is(type, "Request")'
    values: [Mental Health Support, Unknown]
  - {name: nhs, type: nhs-number, required: true, sensitive: true}
  - {name: born, type: date, sensitive: true}
  - {name: missing_column}
`

var _ = Describe("table-schema", func() {
	It("scores every field as the national checks do and reports each problem at its row and column", func() {
		c := mustCompile("table-schema", schema)
		t := run(c, rows("p.csv", people, false))
		Expect(codes(t)).To(ConsistOf(
			"tabular.required@4",       // row 3: Assessment with no end
			"tabular.label@4",          // row 3: psr in lower case
			"tabular.null-literal@4",   // row 3: NULL for the NHS number
			"nhs-number.check-digit@3", // row 2
			"tabular.partial-date@3",   // row 2: born 1950-01
			"tabular.code@5",           // row 4: psr Fish
			"tabular.required@5",       // row 4: NHS number blank
			"tabular.column@1",         // the header has no missing_column
		))
		Expect(measure(t, "score.end.valid")).To(Equal([2]int64{2, 4}))
		Expect(measure(t, "score.end.blank-allowed")).To(Equal([2]int64{1, 4}))
		Expect(measure(t, "score.end.blank-required")).To(Equal([2]int64{1, 4}))
		Expect(measure(t, "score.nhs.invalid")).To(Equal([2]int64{2, 4}))
		Expect(measure(t, "score.nhs.blank-required")).To(Equal([2]int64{1, 4}))
		Expect(measure(t, "score.psr.blank-allowed")).To(Equal([2]int64{1, 4}))
		Expect(measure(t, "validity.psr")).To(Equal([2]int64{3, 4}))
		Expect(measure(t, "validity.nhs")).To(Equal([2]int64{1, 4}))
		Expect(measure(t, "validity.missing_column")).To(Equal([2]int64{4, 4}))
		// A missing column is said once, at the header, not once per row.
		Expect(t.Errors).To(Equal(int64(7)))
	})

	It("says which condition made a blank field required, names the canonical label, and marks identifying evidence", func() {
		t := run(mustCompile("table-schema", schema), rows("p.csv", people, false))
		var msgs []string
		for _, f := range t.Findings {
			msgs = append(msgs, f.Message)
			if f.Path == "nhs" || f.Path == "born" {
				Expect(f.Sensitive).To(BeTrue(), f.Message)
			}
			Expect(f.Record).NotTo(BeEmpty())
			Expect(f.File).To(Equal("p.csv"))
		}
		Expect(msgs).To(ContainElement(ContainSubstring(`required when !is(type, "Service") || !blank(death)`)))
		Expect(msgs).To(ContainElement(ContainSubstring(`canonical label "Mental Health Support"`)))
	})

	It("reports a schema field the header lacks once per file, at the header", func() {
		c := mustCompile("table-schema", "fields: [{name: id}, {name: absent, required: true}]")
		t := run(c, rows("p.csv", "id\n1\n2\n", false))
		Expect(codes(t)).To(ConsistOf("tabular.column@1", "tabular.required@2", "tabular.required@3"))
	})

	It("treats a schema's missing values as blanks without a finding", func() {
		c := mustCompile("table-schema", `missing_values: ["NA"]
fields: [{name: v, type: integer}]`)
		t := run(c, rows("p.csv", "v\nNA\n3\n", false))
		Expect(t.Findings).To(BeEmpty())
		Expect(measure(t, "score.v.blank-allowed")).To(Equal([2]int64{1, 2}))
	})

	It("fails a field under min_validity from the tally alone, so a stored report can be re-graded", func() {
		c := mustCompile("table-schema", `min_validity: 80%
fields: [{name: v, type: integer}]`)
		t := run(c, rows("p.csv", "v\n1\nx\n3\n", false))
		outcome, msg := c.(check.Grader).Grade(t)
		Expect(outcome).To(Equal(model.Fail))
		Expect(msg).To(ContainSubstring("v 66.7%"))
		stored := &model.Tally{Measures: t.Measures}
		outcome, _ = c.(check.Grader).Grade(stored)
		Expect(outcome).To(Equal(model.Fail))
		outcome, _ = c.(check.Grader).Grade(run(c, rows("p.csv", "v\n1\n2\n3\n4\nx\n", false)))
		Expect(outcome).To(Equal(model.Fail), "an invalid value is still an error finding")
		outcome, _ = c.(check.Grader).Grade(run(c, rows("p.csv", "v\n1\n2\n", false)))
		Expect(outcome).To(Equal(model.Pass))
	})

	DescribeTable("refuses schemas it cannot use, naming the field and the problem",
		func(params, want string) {
			_, err := compile("table-schema", params)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no fields", "fields: []", `parameter "fields" is required, and is empty`),
		Entry("unknown type", "fields: [{name: a, type: datetime}]", `field a: type "datetime"`),
		Entry("misspelt key", "fields: [{name: a, requird: true}]", "requird"),
		Entry("bad pattern", "fields: [{name: a, pattern: '(['}]", "field a: pattern"),
		Entry("bad expression", "fields: [{name: a, required: 'is(b,'}]", "field a: required: expression"),
		Entry("clock in an expression", "fields: [{name: a, required: 'now() != nil'}]", "now"),
		Entry("an expression that is not a condition", "fields: [{name: a, required: 'len(b)'}]", "expected bool"),
		Entry("duplicate field", "fields: [{name: a}, {name: a}]", "listed twice"),
		Entry("ambiguous code list", "fields: [{name: a, values: [X-1, x1]}]", "differ only"),
		Entry("unknown parameter", "fields: [{name: a}]\nnulls: [x]", "nulls"),
	)
})

var _ = Describe("table-rules", func() {
	rules := `
null_tokens: ["NULL"]
rules:
  - {id: order, column: end, assert: '!before(end, start)', message: ends before it starts}
  - {id: death, column: end, assert: '!after(end, death)', sensitive: true}
  - {id: open, column: end, when: '!is(type, "Service")', assert: '!blank(end)', code: cld.open-event}
  - {id: adult, column: born, assert: 'age(born, start) == -1 || age(born, start) >= 18'}
`
	It("checks each rule on each row, with the columns it read as evidence", func() {
		t := run(mustCompile("table-rules", rules), rows("p.csv", people+"5,Review,2025-06-01,2025-06-01,,,x,2010-06-02\n", false))
		Expect(codes(t)).To(ConsistOf("cld.open-event@4", "tabular.rule.order@5", "tabular.rule.death@5", "tabular.rule.adult@6"))
		for _, f := range t.Findings {
			if f.Code == "tabular.rule.order" {
				Expect(f.Message).To(Equal("ends before it starts"))
				Expect(f.Evidence).To(Equal("end=2025-05-01; start=2025-06-01"))
			}
			if f.Code == "tabular.rule.death" {
				Expect(f.Sensitive).To(BeTrue())
			}
		}
	})

	It("computes ages in whole years, counting a birthday on the day", func() {
		adult := "rules: [{id: adult, column: born, assert: 'age(born, start) == -1 || age(born, start) >= 18'}]"
		t := run(mustCompile("table-rules", adult), rows("p.csv", "born,start\n2007-06-01,2025-06-01\n2007-06-02,2025-06-01\n2007-06-01,01/06/2025\n", false))
		Expect(codes(t)).To(ConsistOf("tabular.rule.adult@3"))
	})

	It("refuses a rule without an assertion or with a bad severity", func() {
		_, err := compile("table-rules", "rules: [{id: x}]")
		Expect(err).To(MatchError(ContainSubstring(`parameter "rules"[0]: parameter "assert" is required: the expression every row must satisfy`)))
		_, err = compile("table-rules", "rules: [{id: x, assert: 'true', severity: fatal-ish}]")
		Expect(err).To(MatchError(ContainSubstring("fatal-ish")))
	})
})

var _ = Describe("feed-level checks", func() {
	dupes := `person,type,start,service,psr
P1,Service,2025-05-01,Long Term,Unknown
P1,service,01/05/2025,long-term,Unknown
P2,Service,2025-05-01,Long Term,Mental Health Support
P1,Service,2025-05-01,Long Term,Mental Health Support
P2,Service,2025-05-02,Long Term,mental health support
P3,Request,2025-05-01,,
`
	It("table-unique finds every repeat of a key, folding case, punctuation and date format", func() {
		c := mustCompile("table-unique", "key: [person, type, start, service]\nfold: true\nsensitive: true")
		t := run(c, rows("d.csv", dupes, false))
		Expect(codes(t)).To(ConsistOf("tabular.duplicate@3", "tabular.duplicate@5"))
		Expect(t.Findings[0].Message).To(ContainSubstring("d.csv:2"))
		Expect(t.Findings[0].Sensitive).To(BeTrue())
		Expect(t.Findings[0].Record).To(Equal("row 2"))
		Expect(measure(t, "unique.rows")).To(Equal([2]int64{3, 5}))
	})

	It("table-unique folds accented values as Normalize does", func() {
		c := mustCompile("table-unique", "key: [name]\nfold: true")
		t := run(c, rows("d.csv", "name\nRenée O'Brien\nRENÉE OBRIEN\nRenee OBrien\n", false))
		Expect(codes(t)).To(ConsistOf("tabular.duplicate@3"))
	})

	It("table-unique compares exactly without fold, and only rows its when selects", func() {
		c := mustCompile("table-unique", "key: [person, type, start, service]\nwhen: 'is(psr, \"Unknown\")'")
		Expect(run(c, rows("d.csv", dupes, false)).Findings).To(BeEmpty())
	})

	It("table-consistent names the first conflicting value of a key once", func() {
		c := mustCompile("table-consistent", "key: [person]\nfield: psr\nseverity: warning")
		t := run(c, rows("d.csv", dupes, false))
		Expect(codes(t)).To(ConsistOf("tabular.conflict@5"))
		Expect(t.Findings[0].Message).To(ContainSubstring(`"Mental Health Support" disagrees with "Unknown" at line 2`))
		Expect(t.Findings[0].Severity).To(Equal(model.Warning))
		Expect(measure(t, "consistent.keys")).To(Equal([2]int64{1, 2}))
	})

	It("keeps identifying values out of feed-level findings of sensitive checks", func() {
		c := mustCompile("table-consistent", "key: [person]\nfield: psr\nsensitive: true")
		t := run(c, rows("d.csv", dupes, false))
		Expect(t.Findings).To(HaveLen(1))
		Expect(t.Findings[0].Evidence).To(BeEmpty())
		Expect(t.Findings[0].Message).NotTo(ContainSubstring("Mental"))
		c = mustCompile("table-reference", "field: person\nreferences: {field: psr}\nsensitive: true")
		t = run(c, rows("d.csv", dupes, false))
		Expect(t.Findings).NotTo(BeEmpty())
		for _, f := range t.Findings {
			Expect(f.Evidence).To(BeEmpty())
			Expect(f.Message).NotTo(ContainSubstring("P1"))
		}
	})

	It("table-date-formats reports the minority format of a file at its first use", func() {
		c := mustCompile("table-date-formats", "fields: [start]")
		t := run(c, rows("d.csv", dupes, false))
		Expect(codes(t)).To(ConsistOf("tabular.date-format-mixed@3"))
		Expect(measure(t, "date-format.DD/MM/YYYY")).To(Equal([2]int64{1, 6}))
	})

	It("table-reference resolves values against another table, in any order", func() {
		c := mustCompile("table-reference", "table: services\nfield: person\nreferences: {table: people, field: id}")
		recs := rowsOf("services", "person\nP1\nP9\n")
		recs = append(recs, rowsOf("people", "id\nP1\nP2\n")...)
		t := run(c, recs)
		Expect(codes(t)).To(ConsistOf("tabular.reference@3"))
		Expect(measure(t, "reference.resolved")).To(Equal([2]int64{1, 2}))
	})

	It("table-encoding reports a Windows-1252 file and rows that do not fit the file's encoding", func() {
		c := mustCompile("table-encoding", "expect: utf-8")
		t := run(c, rows("e.csv", "name\nplain\nCaf\xe9\n", false))
		Expect(codes(t)).To(ConsistOf("csv.encoding-detected@3"))
		Expect(t.Findings[0].Severity).To(Equal(model.Warning))
		t = run(c, rows("e.csv", "name\nJosé\nCaf\xe9\n", false))
		Expect(codes(t)).To(ConsistOf("csv.encoding@3"))
		Expect(measure(t, "encoding.mixed")).To(Equal([2]int64{1, 2}))
	})
})

var _ = Describe("merging", func() {
	// Every check must give the same result whether one worker saw every row
	// or several workers saw a share each and their states went through JSON.
	dupes := "person,type,start,service,psr,end\n"
	for i := 0; i < 40; i++ {
		p := []string{"P1", "P2", "P3", "P4", "P5"}[i%5]
		psr := []string{"Unknown", "Unknown", "Mental Health Support"}[i%3]
		start := []string{"2025-05-01", "01/05/2025", "2025-06-01", "2025-04-01"}[i%4]
		dupes += p + ",Service," + start + ",Long Term," + psr + ",\n"
	}
	DescribeTable("gives the single-pass result from shards",
		func(typ, params string) {
			c := mustCompile(typ, params)
			recs := rows("m.csv", dupes, false)
			recs = append(recs, rows("m0.csv", dupes, true)...)
			one := run(c, recs)
			for _, n := range []int{2, 3, 7} {
				sharded := runSharded(c, recs, n)
				Expect(sharded.Findings).To(Equal(one.Findings), "%d shards", n)
				Expect(sharded.Measures).To(Equal(one.Measures), "%d shards", n)
			}
		},
		Entry("table-schema", "table-schema", "fields: [{name: psr, values: [Unknown]}, {name: start, type: date}]"),
		Entry("table-rules", "table-rules", "rules: [{id: r, assert: 'is(psr, \"Unknown\")'}]"),
		Entry("table-unique", "table-unique", "key: [person, start]\nfold: true"),
		Entry("table-consistent", "table-consistent", "key: [person]\nfield: psr"),
		Entry("table-reference", "table-reference", "field: psr\nreferences: {field: person}"),
		Entry("table-date-formats", "table-date-formats", "fields: [start]"),
		Entry("table-encoding", "table-encoding", "{}"),
		Entry("cld-continuity", "cld-continuity", "person: person\nevent_type: type\nstart: start\nreference: psr\nservice: [service]"),
	)
})

var _ = Describe("cld-continuity", func() {
	current := `LA_Person_Unique_Identifier,Event_Type,Event_Reference,Event_Start_Date,Event_End_Date,Service_Type,Service_Component
P1,Service,R1,2025-05-01,,Long Term Support: Community,Direct Payment
P2,Service,R2x,2025-06-01,,Long Term Support: Community,Direct Payment
P3,Service,R3,2025-04-01,,Long Term Support: Community,Home Care
P5,Service,R5,2025-07-01,,Long Term Support: Community,Meals
`
	previous := `LA_Person_Unique_Identifier,Event_Type,Event_Reference,Event_Start_Date,Event_End_Date,Service_Type,Service_Component
P1,Service,R1,01/05/2025,,long term support - community,direct payment
P2,Service,R2,2025-06-01,,Long Term Support: Community,Direct Payment
P3,Service,R3old,2024-10-12,,Long Term Support: Community,Home Care
P4,Service,R4,2025-02-01,,Long Term Support: Community,Home Care
P5,Service,R5,2025-03-01,,Long Term Support: Community,Respite
P6,Service,R6,2025-02-01,2025-03-01,Long Term Support: Community,Home Care
`
	It("finds vanished services, changed references and start dates reset on 1 April", func() {
		c := mustCompile("cld-continuity", "{}")
		recs := append(rows("prev.csv", previous, true), rows("now.csv", current, false)...)
		t := run(c, recs)
		var got []string
		for _, f := range t.Findings {
			got = append(got, f.File+" "+f.Code+"@"+itoa(f.Line))
		}
		// P1 continues (same event, folded); P2 changed its reference; P3 restarted on
		// 1 April; P4 vanished; P5's old service continues under its reference; P6 was closed.
		Expect(got).To(ConsistOf("now.csv cld.reference-changed@3", "now.csv cld.start-reset@4", "prev.csv cld.service-vanished@5"))
		Expect(measure(t, "continuity.open-services-accounted")).To(Equal([2]int64{4, 5}))
		outcome, _ := c.(check.Grader).Grade(t)
		Expect(outcome).To(Equal(model.Warn))
	})

	It("is skipped, and remembers nothing, when the target has no baseline", func() {
		c := mustCompile("cld-continuity", "{}")
		var recs []*model.Record
		Expect(tabular.Read("now.csv", strings.NewReader(current), tabular.Options{}, func(r *model.Record) error {
			recs = append(recs, r)
			return nil
		})).To(Succeed())
		Expect(c.Applies(recs[0])).To(BeFalse())
		outcome, msg := c.(check.Grader).Grade(run(c, recs))
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(ContainSubstring("no baseline"))
	})
})
