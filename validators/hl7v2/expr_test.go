package hl7v2_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
)

// Conditions that compare values (as strings, numbers and date/times, with
// a constant or another path), number segments (set-id) and read every
// repetition of a field ([*]), as conformance statements in hl7v2-profile.
var _ = Describe("hl7v2-profile conditions: compare, set-id, [*]", func() {
	// statement asserts cond in each PID of a message whose MSH-7 is msh7
	// and whose PID carries the given fields from PID-3 on.
	outcome := func(cond map[string]any, msh7 string, pid ...string) []string {
		c := mustCompile("hl7v2-profile", params.Params{"rules": []any{
			map[string]any{"assert": cond, "segment": "PID"},
		}})
		text := segs(`MSH|^~\&|A|B|C|D|`+msh7+`||ADT^A04|1|P|2.5.1`, "PID|1||"+strings.Join(pid, "|"))
		return where(observe(c, record(text)))
	}
	cmp := func(op, other, as string, extra ...string) map[string]any {
		c := map[string]any{"op": op, "as": as}
		if strings.Contains(other, "-") && len(other) <= 8 {
			c["path"] = other
		} else {
			c["value"] = other
		}
		for _, e := range extra {
			c[e] = true
		}
		return map[string]any{"path": "PID-7", "compare": c}
	}
	fails := []string{"profile.conformance-statement@PID[1]"}
	undecided := []string{"profile.undecided@PID[1]"}

	DescribeTable("comparisons",
		func(cond map[string]any, msh7 string, pid []string, want []string) {
			got := outcome(cond, msh7, pid...)
			if want == nil {
				Expect(got).To(BeEmpty())
				return
			}
			Expect(got).To(Equal(want))
		},
		Entry("a date before another", cmp("lt", "20240102", "date"), "2024", []string{"1", "", "", "", "20240101"}, nil),
		Entry("a date not before itself", cmp("lt", "20240101", "date"), "2024", []string{"1", "", "", "", "20240101"}, fails),
		Entry("a day and a minute in it: undecided", cmp("lt", "202401011200", "datetime"), "2024", []string{"1", "", "", "", "20240101"}, undecided),
		Entry("the same, truncated to the day: equal", cmp("eq", "202401011200", "datetime", "truncated"), "2024", []string{"1", "", "", "", "20240101"}, nil),
		Entry("a month before the next", cmp("lt", "20240201", "datetime"), "2024", []string{"1", "", "", "", "202401"}, nil),
		Entry("the same instant in two zones is equal", cmp("eq", "20240101130000+0100", "datetime"), "2024", []string{"1", "", "", "", "20240101120000+0000"}, nil),
		Entry("but not identical (the text differs)", cmp("eq", "20240101130000+0100", "datetime", "identical"), "2024", []string{"1", "", "", "", "20240101120000+0000"}, fails),
		Entry("a local time is in MSH-7's zone", cmp("eq", "20240101110000+0000", "datetime"), "20240101120000+0100", []string{"1", "", "", "", "20240101120000"}, nil),
		Entry("without a sender's zone, a local time 2 hours from a zoned one: undecided", cmp("gt", "20240101110000+0000", "datetime"), "2024", []string{"1", "", "", "", "20240101130000"}, undecided),
		Entry("fractions of a second", cmp("lt", "20240101120000.51", "datetime"), "2024", []string{"1", "", "", "", "20240101120000.5"}, undecided),
		Entry("fractions of a second, at the same precision", cmp("lt", "20240101120000.51", "datetime"), "2024", []string{"1", "", "", "", "20240101120000.50"}, nil),
		Entry("a value that is no date fails", cmp("lt", "20250101", "date"), "2024", []string{"1", "", "", "", "2024-01-01"}, fails),
		Entry("times of day", map[string]any{"path": "PID-7", "compare": map[string]any{"op": "lt", "value": "1300", "as": "time"}}, "2024", []string{"1", "", "", "", "1230"}, nil),
		Entry("numbers as numbers", map[string]any{"path": "PID-7", "compare": map[string]any{"op": "gt", "value": "9", "as": "number"}}, "2024", []string{"1", "", "", "", "10"}, nil),
		Entry("NaN is no HL7 number, so it equals nothing", map[string]any{"path": "PID-7", "compare": map[string]any{"op": "eq", "value": "9", "as": "number"}}, "2024", []string{"1", "", "", "", "NaN"}, fails),
		Entry("nor is an exponent form", map[string]any{"path": "PID-7", "compare": map[string]any{"op": "eq", "value": "10", "as": "number"}}, "2024", []string{"1", "", "", "", "1e1"}, fails),
		Entry("a signed decimal is", map[string]any{"path": "PID-7", "compare": map[string]any{"op": "lt", "value": "0", "as": "number"}}, "2024", []string{"1", "", "", "", " -0.5 "}, nil),
		Entry("a number test on a number", map[string]any{"path": "PID-7", "number": map[string]any{"op": "gt", "value": 9}}, "2024", []string{"1", "", "", "", "10"}, nil),
		Entry("a number test on NaN fails", map[string]any{"path": "PID-7", "number": map[string]any{"op": "ne", "value": 9}}, "2024", []string{"1", "", "", "", "NaN"}, fails),
		Entry("strings in character order", map[string]any{"path": "PID-7", "compare": map[string]any{"op": "gt", "value": "9"}}, "2024", []string{"1", "", "", "", "10"}, fails),
		Entry("with another path: PID-7 before PID-29", cmp("lt", "PID-29", "datetime"), "2024", []string{"1", "", "", "", "19800101", strings.Repeat("|", 21) + "20240101"}, nil),
		Entry("with another path that is absent: fails", cmp("lt", "PID-29", "datetime"), "2024", []string{"1", "", "", "", "19800101"}, fails),
		Entry("set-id: 1 in the first PID", map[string]any{"path": "PID-3", "set-id": true}, "2024", []string{"1"}, nil),
		Entry("set-id: 2 in the first PID", map[string]any{"path": "PID-3", "set-id": true}, "2024", []string{"2"}, fails),
		Entry("[*]: each repetition's CX.5 is MR or NH", map[string]any{"path": "PID-3[*].5", "in": []any{"MR", "NH"}}, "2024", []string{"1^^^A^MR~2^^^A^NH"}, nil),
		Entry("[*]: one is DL", map[string]any{"path": "PID-3[*].5", "in": []any{"MR", "NH"}}, "2024", []string{"1^^^A^MR~2^^^A^DL"}, fails),
		Entry("[*] at least once: one is MR", map[string]any{"path": "PID-3[*].5", "equals": "MR", "at-least-once": true}, "2024", []string{"1^^^A^DL~2^^^A^MR"}, nil),
		Entry("[*] at least once: none is", map[string]any{"path": "PID-3[*].5", "equals": "MR", "at-least-once": true}, "2024", []string{"1^^^A^DL~2^^^A^PI"}, fails),
		Entry("[*] present: the second repetition has a CX.4", map[string]any{"path": "PID-3[*].4", "present": true}, "2024", []string{"1~2^^^A"}, nil),
		Entry("[*] present: none has", map[string]any{"path": "PID-3[*].4", "present": true}, "2024", []string{"1~2"}, fails),
		Entry("not of undecided is undecided", map[string]any{"not": cmp("lt", "202401011200", "datetime")}, "2024", []string{"1", "", "", "", "20240101"}, undecided),
		Entry("any with a true one is decided", map[string]any{"any": []any{cmp("lt", "202401011200", "datetime"), map[string]any{"path": "PID-1", "equals": "1"}}}, "2024", []string{"1", "", "", "", "20240101"}, nil),
	)

	It("checks min-length, and truncation where a conformance length forbids it, not a value longer than it", func() {
		c := mustCompile("hl7v2-profile", params.Params{"rules": []any{
			map[string]any{"path": "PID-5.1", "min-length": 2, "conf-length": "5="},
			map[string]any{"path": "PID-5.2", "conf-length": "5#"},
		}})
		run := func(enc, name string) []string {
			return where(observe(c, record(segs(`MSH|`+enc+`|A|B|C|D|2024||ADT^A04|1|P|2.7`, "PID|1||1||"+name))))
		}
		Expect(run(`^~\&#`, "DOEDOEDOE^JO")).To(BeEmpty())
		Expect(run(`^~\&#`, "D^JO")).To(Equal([]string{"profile.length@PID[1].5[1].1"}))
		Expect(run(`^~\&#`, "DOED#^JOHN#")).To(Equal([]string{"profile.truncated@PID[1].5[1].1"}))
		Expect(run(`^~\&`, "DOED#^JOHN#")).To(BeEmpty())
	})

	It("refuses what it cannot read, naming it", func() {
		for _, c := range []struct {
			rule map[string]any
			want string
		}{
			{map[string]any{"path": "PID-5", "conf-length": "5=="}, `conf-length "5=="`},
			{map[string]any{"assert": map[string]any{"path": "PID-3.4[*]", "present": true}}, "only a field repeats"},
			{map[string]any{"assert": map[string]any{"path": "PID-7", "compare": map[string]any{"op": "before", "value": "1"}}}, `op "before"`},
			{map[string]any{"assert": map[string]any{"path": "PID-7", "compare": map[string]any{"op": "lt", "value": "1", "as": "week"}}}, `as "week"`},
			{map[string]any{"assert": map[string]any{"path": "PID-7", "compare": map[string]any{"op": "lt"}}}, "one of value or path"},
			{map[string]any{"assert": map[string]any{"path": "PID-7", "equals": "1", "at-least-once": true}}, "at-least-once applies"},
		} {
			_, err := compile("hl7v2-profile", params.Params{"rules": []any{c.rule}})
			Expect(err).To(MatchError(ContainSubstring(c.want)), c.want)
		}
	})
})

// HL7 v2's explicit null "" tells the receiver to delete what it holds
// (chapter 2): the element is there, so it is present, but it has no value.
// In conditions every test of a value fails on it, as on an absent value;
// in [*] it counts as present and has no value for the tests; in where it
// selects nothing by value.
var _ = Describe("hl7v2-profile conditions on the explicit null", func() {
	statement := func(cond map[string]any, pid string) []string {
		c := mustCompile("hl7v2-profile", params.Params{"rules": []any{
			map[string]any{"assert": cond, "segment": "PID"},
		}})
		return where(observe(c, record(segs(`MSH|^~\&|A|B|C|D|2024||ADT^A04|1|P|2.5.1`, pid))))
	}
	fails := []string{"profile.conformance-statement@PID[1]"}
	DescribeTable("as a statement's value",
		func(cond map[string]any, pid string, want []string) {
			got := statement(cond, pid)
			if want == nil {
				Expect(got).To(BeEmpty())
				return
			}
			Expect(got).To(Equal(want))
		},
		Entry("a null is present", map[string]any{"path": "PID-8", "present": true}, `PID|1||1||DOE||2024|""`, nil),
		Entry("and not absent", map[string]any{"path": "PID-8", "present": false}, `PID|1||1||DOE||2024|""`, fails),
		Entry("it is not the text of two quotes", map[string]any{"path": "PID-8", "equals": `""`}, `PID|1||1||DOE||2024|""`, fails),
		Entry("nor in a list holding that text", map[string]any{"path": "PID-8", "in": []any{"M", `""`}}, `PID|1||1||DOE||2024|""`, fails),
		Entry("it matches no pattern", map[string]any{"not": map[string]any{"path": "PID-8", "pattern": "."}}, `PID|1||1||DOE||2024|""`, nil),
		Entry("it orders before nothing as a string", map[string]any{"path": "PID-8", "compare": map[string]any{"op": "lt", "value": "A"}}, `PID|1||1||DOE||2024|""`, fails),
		Entry("nor is anything after it", map[string]any{"path": "PID-8", "compare": map[string]any{"op": "gt", "path": "PID-2"}}, `PID|1|""|1||DOE||2024|M`, fails),
		Entry("it is no set id", map[string]any{"not": map[string]any{"path": "PID-1", "set-id": true}}, `PID|""||1||DOE||2024|M`, nil),
		Entry("quotes inside a value are text", map[string]any{"path": "PID-8", "equals": `"M"`}, `PID|1||1||DOE||2024|"M"`, nil),
		Entry("[*]: a null repetition has no value to test", map[string]any{"path": "PID-3[*].5", "in": []any{"MR"}}, `PID|1||1^^^A^MR~2^^^A^""`, nil),
		Entry("[*]: nor passes one at least once", map[string]any{"path": "PID-3[*].5", "in": []any{"MR", `""`}, "at-least-once": true}, `PID|1||1^^^A^DL~2^^^A^""`, fails),
		Entry("[*]: but is present", map[string]any{"path": "PID-3[*].4", "present": true}, `PID|1||1~2^^^""`, nil),
	)

	It("selects no repetition by a null component in where", func() {
		c := mustCompile("hl7v2-profile", params.Params{"rules": []any{
			map[string]any{"path": "PID-3.1", "where": map[string]any{"component": 5, "pattern": "."}, "usage": "X"},
		}})
		run := func(pid3 string) []string {
			return where(observe(c, record(segs(`MSH|^~\&|A|B|C|D|2024||ADT^A04|1|P|2.5.1`, "PID|1||"+pid3))))
		}
		Expect(run(`1^^^A^""`)).To(BeEmpty())
		Expect(run(`1^^^A^MR`)).To(Equal([]string{"profile.usage@PID[1].3[1].1"}))
	})
})
