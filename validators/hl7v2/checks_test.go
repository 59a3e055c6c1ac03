package hl7v2_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

func compile(typ string, params params.Params) (check.Check, error) {
	reg := check.NewRegistry()
	v2.Register(reg)
	return reg.Compile(check.Spec{Requirement: "R", Type: typ, Params: params, Source: "test"}, &check.Env{Context: context.Background()})
}

func mustCompile(typ string, params params.Params) check.Check {
	c, err := compile(typ, params)
	Expect(err).NotTo(HaveOccurred())
	return c
}

func record(text string) *model.Record {
	ms, err := hl7v2.ParseAll([]byte(text))
	Expect(err).NotTo(HaveOccurred())
	Expect(ms).To(HaveLen(1))
	return ms[0].Record("t.hl7")
}

func observe(c check.Check, rec *model.Record) []model.Finding {
	if !c.Applies(rec) {
		return nil
	}
	return c.NewState().Observe(rec)
}

// where lists findings as "code@path".
func where(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+"@"+f.Path)
	}
	return out
}

// expectWhere asserts the findings listed by where: none when want is nil.
func expectWhere(got, want []string) {
	if want == nil {
		Expect(got).To(BeEmpty())
		return
	}
	Expect(got).To(Equal(want))
}

func segs(lines ...string) string { return strings.Join(lines, "\r") + "\r" }

const msh24 = `MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.4`

var _ = Describe("hl7v2-structure", func() {
	c := mustCompile("hl7v2-structure", nil)

	It("accepts a message in structure order, with optional and repeated segments and groups", func() {
		r := record(segs(msh24, "EVN|A01|20240101", "PID|1||1^^^RX1^MR", "NK1|1", "NK1|2", "PV1|1|I|W1",
			"PR1|1", "ROL|1", "PR1|2", "IN1|1", "IN2|", "IN1|2", "ZU1|x"))
		Expect(observe(c, r)).To(BeEmpty())
	})

	It("reports a stray segment once, in place, without pushing later segments into the wrong group", func() {
		r := record(segs(msh24, "EVN|A01", "PID|1", "OBR|1", "PV1|1|I|W1", "PV2|"))
		Expect(where(observe(c, r))).To(Equal([]string{"hl7v2.unexpected-segment@OBR[1]"}))
	})

	It("reports out-of-order and too-often-repeated segments as such", func() {
		r := record(segs(msh24, "EVN|A01", "PV1|1|I|W1", "PID|1"))
		Expect(where(observe(c, r))).To(Equal([]string{"hl7v2.segment-missing@PID", "hl7v2.segment-order@PID[1]"}))
		twice := record(segs(msh24, "EVN|A01", "PID|1", "PID|2", "PV1|1|I|W1"))
		Expect(where(observe(c, twice))).To(Equal([]string{"hl7v2.segment-order@PID[2]"}))
	})

	It("reports missing required segments and required groups", func() {
		r := record(segs(msh24, "EVN|A01", "PID|1"))
		fs := observe(c, r)
		Expect(where(fs)).To(Equal([]string{"hl7v2.segment-missing@PV1"}))
		Expect(fs[0].Message).To(ContainSubstring("ADT_A01"))
		oru := record(segs(`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C2|P|2.5.1`))
		fs = observe(c, oru)
		Expect(where(fs)).To(Equal([]string{"hl7v2.segment-missing@PATIENT_RESULT"}))
		Expect(fs[0].Message).To(ContainSubstring("group PATIENT_RESULT"))
		noObr := record(segs(`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C2|P|2.5.1`, "PID|1", "ORC|RE", "OBX|1|NM|x||1"))
		Expect(where(observe(c, noObr))).To(Equal([]string{"hl7v2.segment-missing@OBR"}))
	})

	It("knows unknown segments from Z-segments, and reports Z-segments when the suite says so", func() {
		r := record(segs(msh24, "EVN|A01", "PID|1", "QQQ|1", "PV1|1|I|W1", "ZU1|1", "ZX9|1"))
		Expect(where(observe(c, r))).To(Equal([]string{"hl7v2.unknown-segment@QQQ[1]"}))
		strict := mustCompile("hl7v2-structure", params.Params{"z-segments": "error", "allow-z": []any{"ZU1"}})
		Expect(where(observe(strict, r))).To(Equal([]string{"hl7v2.unknown-segment@QQQ[1]", "hl7v2.z-segment@ZX9[1]"}))
	})

	It("refuses misspelt parameters", func() {
		_, err := compile("hl7v2-structure", params.Params{"z-segment": "error"})
		Expect(err).To(MatchError(ContainSubstring("unknown parameter(s) z-segment")))
		_, err = compile("hl7v2-structure", params.Params{"z-segments": "sometimes"})
		Expect(err).To(MatchError(ContainSubstring("want allow, warning or error")))
	})
})

var _ = Describe("hl7v2-message-type", func() {
	c := mustCompile("hl7v2-message-type", nil)
	DescribeTable("checks MSH-9 and MSH-12",
		func(msh string, want []string) {
			Expect(where(observe(c, record(segs(msh))))).To(Equal(want))
		},
		Entry("known", msh24, nil),
		Entry("two-part MSH-9 mapped by table 0354", `MSH|^~\&|A|B|C|D|20240101||ADT^A04|C1|P|2.4`, nil),
		Entry("unknown type", `MSH|^~\&|A|B|C|D|20240101||XYZ^A01|C1|P|2.4`, []string{"hl7v2.message-type@MSH[1].9[1].1", "hl7v2.message-structure@MSH[1].9"}),
		Entry("unknown event", `MSH|^~\&|A|B|C|D|20240101||ADT^Q99|C1|P|2.4`, []string{"hl7v2.message-type@MSH[1].9[1].2", "hl7v2.message-structure@MSH[1].9"}),
		Entry("MSH-9.3 not the event's structure", `MSH|^~\&|A|B|C|D|20240101||ADT^A04^ADT_A02|C1|P|2.5`, []string{"hl7v2.message-structure@MSH[1].9[1].3"}),
		Entry("no version", `MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|`, []string{"hl7v2.version@MSH[1].12"}),
		Entry("version without its own definitions", `MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|2.9`, []string{"hl7v2.version@MSH[1].12"}),
		Entry("2.8.1 has its own definitions", `MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|2.8.1`, nil),
		Entry("2.8.2 has its own definitions", `MSH|^~\&|A|B|C|D|20240101||ADT^A01^ADT_A01|C1|P|2.8.2`, nil),
		Entry("2.8 MSH-9.3 written as the event (ADT_A04): table 0354's structure is used, with a warning",
			`MSH|^~\&|A|B|C|D|20240101||ADT^A04^ADT_A04|C1|P|2.8`, []string{"hl7v2.message-structure@MSH[1].9[1].3"}),
		Entry("2.8 MSH-9.3 naming no structure at all", `MSH|^~\&|A|B|C|D|20240101||ADT^A04^ADT_Q99|C1|P|2.8`,
			[]string{"hl7v2.message-structure@MSH[1].9[1].3", "hl7v2.message-structure@MSH[1].9[1].3"}),
		Entry("2.1", `MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|2.1`, nil),
		Entry("2.2", `MSH|^~\&|A|B|C|D|20240101||ORM^O01|C1|P|2.2`, nil),
		Entry("a 2.1 type 2.7.1's table 0076 no longer lists", `MSH|^~\&|A|B|C|D|20240101||MCF^Q02|C1|P|2.1`, nil),
		Entry("a 2.2 event 2.7.1's table 0003 no longer lists", `MSH|^~\&|A|B|C|D|20240101||ORU^R03|C1|P|2.2`, nil),
		Entry("that type in 2.5, whose table 0076 still lists it but which defines no structure for it", `MSH|^~\&|A|B|C|D|20240101||MCF^Q02|C1|P|2.5`, []string{"hl7v2.message-structure@MSH[1].9"}),
		Entry("a type no version's table 0076 lists", `MSH|^~\&|A|B|C|D|20240101||QQQ^Q02|C1|P|2.5`, []string{"hl7v2.message-type@MSH[1].9[1].1", "hl7v2.message-structure@MSH[1].9"}),
	)

	It("warns, not fails, when MSH-9.3 is the event's name and table 0354 gives the structure, in every version", func() {
		for _, v := range []string{"2.5.1", "2.7.1", "2.8", "2.8.2"} {
			fs := observe(c, record(segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A04^ADT_A04|C1|P|`+v)))
			Expect(fs).To(HaveLen(1), v)
			Expect(fs[0].Severity).To(Equal(model.Warning), v+": "+fs[0].Message)
		}
		fs := observe(c, record(segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A04^ADT_Q99|C1|P|2.8`)))
		Expect(fs).To(ContainElement(HaveField("Severity", model.Error)))
	})

	DescribeTable("says how bad a version without definitions is: a released one is carecert's limit",
		func(version string, want model.Severity) {
			fs := observe(c, record(segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|`+version)))
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Code).To(Equal("hl7v2.version"))
			Expect(fs[0].Severity).To(Equal(want))
		},
		Entry("2.9, released, validated as 2.8", "2.9", model.Information),
		Entry("2.5.2, never released", "2.5.2", model.Warning),
		Entry("2.0, released but older than any definitions", "2.0", model.Error),
	)
})

var _ = Describe("hl7v2-fields", func() {
	all := mustCompile("hl7v2-fields", nil)

	It("reports required fields, repetitions, lengths, formats and tables at their paths", func() {
		r := record(segs(msh24, "EVN|A01|2024013", "PID|1||1^^^RX1^MR||SMITH||19800132~19800101|M",
			"PV1|1|INPATIENT|W1", "OBX|x|NM|||1||||||Q"))
		fs := observe(all, r)
		Expect(where(fs)).To(ConsistOf(
			"hl7v2.format@EVN[1].2[1]",      // 2024013: not a DTM
			"hl7v2.repetition@PID[1].7",     // PID-7 does not repeat
			"hl7v2.format@PID[1].7[1]",      // day 32
			"hl7v2.length@PV1[1].2[1]",      // patient class: 1 character in 2.4
			"hl7v2.table@PV1[1].2[1]",       // and not in user-defined table 0004
			"hl7v2.format@OBX[1].1[1]",      // SI
			"hl7v2.required-field@OBX[1].3", // observation identifier
			"hl7v2.table@OBX[1].11[1]",      // result status: not in HL7 table 0085
		))
	})

	DescribeTable("checks lexical forms",
		func(typ, value string, ok bool) {
			// EVN-2 is a TS, PID-7 a TS whose value is a DT-shaped date, MSH-13 an NM, OBX-1 an SI.
			field := map[string]string{"DTM": "EVN|A01|%s", "DT": "PID|1||||||%s", "NM": "", "SI": "OBX|%s|NM|c||1||||||F"}[typ]
			header := msh24
			if typ == "NM" {
				header += "|" + value
			}
			c := mustCompile("hl7v2-fields", params.Params{"check": []any{"formats"}})
			fs := observe(c, record(segs(header, strings.Replace(field, "%s", value, 1))))
			if ok {
				Expect(fs).To(BeEmpty())
			} else {
				Expect(where(fs)).To(HaveLen(1))
				Expect(fs[0].Code).To(Equal("hl7v2.format"))
			}
		},
		Entry(nil, "DTM", "2024", true), Entry(nil, "DTM", "20240229", true), Entry(nil, "DTM", "20230229", false),
		Entry(nil, "DTM", "202401011230", true), Entry(nil, "DTM", "20240101123059.1234+0100", true),
		Entry(nil, "DTM", "20240101126", false), Entry(nil, "DTM", "20240101250000", false), Entry(nil, "DTM", "20240101+01", false),
		Entry(nil, "DTM", "2024-01-01", false),
		Entry(nil, "DT", "19800101", true), Entry(nil, "DT", "198001", true), Entry(nil, "DT", "19801301", false), Entry(nil, "DT", "1980010", false),
		Entry(nil, "NM", "-1.5", true), Entry(nil, "NM", ".5", true), Entry(nil, "NM", "1e3", false), Entry(nil, "NM", "+", false),
		Entry(nil, "SI", "12", true), Entry(nil, "SI", "12345", false), Entry(nil, "SI", "-1", false),
	)

	// "" is the standard's explicit null, in a field, a repetition, a
	// component or a subcomponent alike: present, with no value to check.
	DescribeTable("reads an explicit null at every level as present and without a form",
		func(version, pid string, want []string) {
			c := mustCompile("hl7v2-fields", params.Params{"check": []any{"formats", "components", "required"}})
			r := record(segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A01^ADT_A01|C1|P|`+version, "EVN|A01|20240101", pid, "PV1|1|I"))
			got := where(observe(c, r))
			expectWhere(got, want)
		},
		Entry("a null date field", "2.5.1", `PID|1||1^^^H^MR||DOE^JO||""`, nil),
		Entry("a null repetition", "2.8", `PID|1||1^^^H^MR~""||DOE^JO`, nil),
		Entry("a null date component (CX.7)", "2.5.1", `PID|1||1^^^H^MR^^""||DOE^JO`, nil),
		Entry("a null date subcomponent (XPN.10 DR.1 TS.1)", "2.5.1", `PID|1||1^^^H^MR||DOE^JO^^^^^^^^""&20240101`, nil),
		Entry("a null required component (CX.5 in 2.8)", "2.8", `PID|1||1^^^H^""||DOE^JO`, nil),
		Entry("a malformed date component", "2.5.1", `PID|1||1^^^H^MR^^2024x||DOE^JO`, []string{"hl7v2.format@PID[1].3[1].7"}),
		Entry("a malformed date subcomponent", "2.5.1", `PID|1||1^^^H^MR||DOE^JO^^^^^^^^2024x&20240101`, []string{"hl7v2.format@PID[1].5[1].10.1"}),
		Entry("quotes around a value are not a null", "2.5.1", `PID|1||1^^^H^MR^^"2024"||DOE^JO`, []string{"hl7v2.format@PID[1].3[1].7"}),
		Entry("an empty required component", "2.8", `PID|1||1^^^H^||DOE^JO`, []string{"hl7v2.required-component@PID[1].3[1].5"}),
		Entry("an empty required field", "2.5.1", `PID|1||||DOE^JO`, []string{"hl7v2.required-field@PID[1].3"}),
	)

	// A TS before 2.6 is a composite: "^Y" sends its degree of precision and
	// not its time. The time is then missing (TS.1 is required from 2.5, as
	// the dictionaries mark components), never a malformed date "": found
	// on hapi-hl7v2's test messages (PID-7 "^003"). As a field (PID-7), as a
	// component (DLD.2 in PV1-37, its parts subcomponents), null or not, in
	// every placement a message reaches the check in.
	Describe("a time stamp sending its degree of precision without its time", func() {
		type tsCase struct {
			version, pid7, pv137 string
			want                 []string
		}
		missing := func(path string) []string { return []string{"hl7v2.required-component@" + path} }
		cases := map[string]tsCase{
			"2.3 field":              {"2.3", "^Y", "", nil},
			"2.3.1 field":            {"2.3.1", "^D", "", nil},
			"2.4 field":              {"2.4", "^Y", "", nil},
			"2.5 field":              {"2.5", "^Y", "", missing("PID[1].7[1].1")},
			"2.5.1 field":            {"2.5.1", "^D", "", missing("PID[1].7[1].1")},
			"2.5.1 field, null time": {"2.5.1", `""^D`, "", nil},
			"2.5.1 field, with time": {"2.5.1", "19800101^D", "", nil},
			"2.5.1 field, bad time":  {"2.5.1", "1980x^D", "", []string{"hl7v2.format@PID[1].7[1].1"}},
			"2.4 component":          {"2.4", "", "HOME^&Y", nil},
			"2.5.1 component":        {"2.5.1", "", "HOME^&Y", missing("PV1[1].37[1].2.1")},
			"2.5.1 component, null":  {"2.5.1", "", `HOME^""&Y`, nil},
		}
		for name, tc := range cases {
			for placement := range placements {
				It(name+", "+placement, func() {
					c := mustCompile("hl7v2-fields", params.Params{"check": []any{"formats", "components"}})
					pv1 := "PV1|1|I"
					if tc.pv137 != "" {
						pv1 += strings.Repeat("|", 35) + tc.pv137
					}
					msg := segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|`+tc.version, "EVN|A01|20240101",
						"PID|1||1^^^H^MR||DOE^JO||"+tc.pid7, pv1)
					expectWhere(where(observe(c, placed(placement, msg))), tc.want)
				})
			}
		}
	})

	// A field is required as its version's attribute table says: the
	// dictionaries' sources flip a few in 2.3 and 2.3.1 (hl7v2/dict errata).
	DescribeTable("requires the fields the message's version requires",
		func(version, orc string, want []string) {
			c := mustCompile("hl7v2-fields", params.Params{"check": []any{"required"}})
			r := record(segs(`MSH|^~\&|A|B|C|D|20240101||ORM^O01|C1|P|`+version, "PID|1||1^^^H^MR||DOE^JO", orc, "OBR|1|P1||x^y^L"))
			got := where(observe(c, r))
			expectWhere(got, want)
		},
		Entry("2.3: ORC-7 and OBR-27 (quantity/timing) are optional", "2.3", "ORC|NW|P1", nil),
		Entry("2.3: ORC-1 is required", "2.3", "ORC||P1", []string{"hl7v2.required-field@ORC[1].1"}),
		Entry("2.3.1: ORC-1 is required", "2.3.1", "ORC||P1", []string{"hl7v2.required-field@ORC[1].1"}),
		Entry("2.4: ORC-1 is required", "2.4", "ORC||P1", []string{"hl7v2.required-field@ORC[1].1"}),
	)

	It("checks an observation's value (OBX-5) as the type OBX-2 names", func() {
		c := mustCompile("hl7v2-fields", params.Params{"check": []any{"formats", "components"}})
		oru := func(obx string) *model.Record {
			return record(segs(`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C2|P|2.5.1`, "PID|1", "OBR|1", obx))
		}
		Expect(where(observe(c, oru("OBX|1|NM|x^y^LN||5.4||||||F")))).To(BeEmpty())
		Expect(where(observe(c, oru("OBX|1|NM|x^y^LN||high||||||F")))).To(Equal([]string{"hl7v2.format@OBX[1].5[1]"}))
		Expect(where(observe(c, oru("OBX|1|DT|x^y^LN||20241301||||||F")))).To(Equal([]string{"hl7v2.format@OBX[1].5[1]"}))
		Expect(where(observe(c, oru("OBX|1|ST|x^y^LN||anything goes||||||F")))).To(BeEmpty())
	})

	DescribeTable("reads value types (OBX-2, table 0125) as the message's version defines them",
		func(version, valueType string, want []string) {
			c := mustCompile("hl7v2-fields", params.Params{"check": []any{"tables"}})
			r := record(segs(`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01|C2|P|`+version, "PID|1", "OBR|1", "OBX|1|"+valueType+"|x^y^LN||v||||||F"))
			got := where(observe(c, r))
			expectWhere(got, want)
		},
		Entry("CE in 2.5.1", "2.5.1", "CE", nil),
		Entry("TS in 2.5", "2.5", "TS", nil),
		Entry("CE in 2.3", "2.3", "CE", nil),
		Entry("CWE in 2.7.1", "2.7.1", "CWE", nil),
		Entry("CE in 2.7.1, where it was withdrawn", "2.7.1", "CE", []string{"hl7v2.table@OBX[1].2[1]"}),
		Entry("a type 2.5.1 does not define", "2.5.1", "QQ", []string{"hl7v2.table@OBX[1].2[1]"}),
	)

	// Each version's own tables (2.3.1 to 2.8.2; 2.7.1's where carecert has
	// none of the version's): a code no version lists is an error against a
	// closed list, a code a later version added is accepted, one an earlier
	// version withdrew is a warning, and a user-defined table is the site's.
	DescribeTable("reads HL7 tables as the message's version lists them",
		func(version, msh18, pid30, pid8 string, want []string, severities []model.Severity) {
			c := mustCompile("hl7v2-fields", params.Params{"check": []any{"tables"}})
			r := record(segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A01^ADT_A01|C1|P|`+version+`||||||`+msh18,
				"EVN|A01", "PID|1||1^^^H^MR||DOE^JO||19800101|"+pid8+strings.Repeat("|", 22)+pid30, "PV1|1|I"))
			fs := observe(c, r)
			Expect(where(fs)).To(Equal(want))
			for i, sev := range severities {
				Expect(fs[i].Severity).To(Equal(sev), fs[i].Message)
			}
		},
		Entry("2.8: codes of the version's own lists", "2.8", "UNICODE UTF-8", "Y", "F", nil, nil),
		Entry("2.8: PID-30 (table 0136) NO is in no version", "2.8", "", "NO", "", []string{"hl7v2.table@PID[1].30[1]"}, []model.Severity{model.Error}),
		Entry("2.5.1: MSH-18 a character set no version lists", "2.5.1", "UNICODE UTF-9", "", "", []string{"hl7v2.table@MSH[1].18[1]"}, []model.Severity{model.Error}),
		Entry("2.4: MSH-18 UNICODE UTF-8, added in 2.5, as NHS v2.4 profiles send it", "2.4", "UNICODE UTF-8", "", "", nil, nil),
		Entry("2.3: no list of its own, so 2.7.1's and a warning", "2.3", "", "NO", "", []string{"hl7v2.table@PID[1].30[1]"}, []model.Severity{model.Warning}),
		Entry("2.8: PID-8 (table 0001, user-defined: IS up to 2.6) is the site's", "2.8", "", "", "Q", nil, nil),
		Entry("2.5.1: PID-8 likewise", "2.5.1", "", "", "Q", nil, nil),
	)

	It("warns of a value type an earlier version listed and the message's version withdrew", func() {
		c := mustCompile("hl7v2-fields", params.Params{"check": []any{"tables"}})
		fs := observe(c, record(segs(`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01|C2|P|2.8`, "PID|1", "OBR|1", "OBX|1|CE|x^y^LN||v||||||F")))
		Expect(where(fs)).To(Equal([]string{"hl7v2.table@OBX[1].2[1]"}))
		Expect(fs[0].Severity).To(Equal(model.Warning))
		Expect(fs[0].Message).To(ContainSubstring("a version before this one"))
	})

	It("checks components of composite types: CX, XPN, XAD, CE", func() {
		c := mustCompile("hl7v2-fields", params.Params{"check": []any{"components", "formats", "tables"}})
		r := record(segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A01^ADT_A01|C1|P|2.7.1`,
			"PID|1||^^^RX1^MR~123^^^NHS^QQ^^2024013||SMITH^JOHN^^^^^X||||||1 ST^^LEEDS^^LS1^^^^^^^^20241301"))
		Expect(where(observe(c, r))).To(ConsistOf(
			"hl7v2.required-component@PID[1].3[1].1",
			"hl7v2.table@PID[1].3[2].5",
			"hl7v2.format@PID[1].3[2].7",
			"hl7v2.table@PID[1].5[1].7",
			"hl7v2.format@PID[1].11[1].13",
		))
	})

	It("redacts identifying evidence by marking it sensitive", func() {
		c := mustCompile("hl7v2-fields", params.Params{"check": []any{"formats"}})
		fs := observe(c, record(segs(msh24, "PID|1||||||19800132")))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Sensitive).To(BeTrue())
		Expect(fs[0].Line).To(Equal(2))
		Expect(fs[0].Record).To(Equal("ADT^A01/C1 (message 1)"))
	})
})

var _ = Describe("hl7v2-parse", func() {
	It("reports reader issues and malformed escapes, and can accept LF ends", func() {
		text := "\xEF\xBB\xBF" + strings.ReplaceAll(segs(msh24, `NTE|1||bad \Q\ escape`), "\r", "\n")
		strict := mustCompile("hl7v2-parse", nil)
		Expect(where(observe(strict, record(text)))).To(ConsistOf("parse.bom@", "parse.segment-terminator@", "hl7v2.escape@NTE[1].3"))
		lenient := mustCompile("hl7v2-parse", params.Params{"segment-terminator": "any", "bom": "allow"})
		Expect(where(observe(lenient, record(text)))).To(ConsistOf("hl7v2.escape@NTE[1].3"))
	})
})

var _ = Describe("hl7v2-parse character sets", func() {
	c := mustCompile("hl7v2-parse", nil)
	DescribeTable("compares the bytes with MSH-18",
		func(msh18, name string, want []string) {
			msh := msh24 + "||||||" + msh18 // MSH-18
			Expect(where(observe(c, record(segs(msh, "PID|1||||"+name))))).To(Equal(want))
		},
		Entry("ASCII by default", "", "SMITH", nil),
		Entry("non-ASCII without MSH-18", "", "ZOË", []string{"parse.charset@PID[1].5"}),
		Entry("UTF-8 declared and sent", "UNICODE UTF-8", "ZOË", nil),
		Entry("UTF-8 declared, Latin-1 sent", "UNICODE UTF-8", "ZO\xcb", []string{"parse.charset@PID[1].5"}),
		Entry("Latin-1 declared", "8859/1", "ZO\xcb", nil),
	)
})

var _ = Describe("hl7v2-profile", func() {
	DescribeTable("refuses malformed rules with a clear error",
		func(rules []any, msg string) {
			_, err := compile("hl7v2-profile", params.Params{"rules": rules})
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("unknown key", []any{map[string]any{"path": "PID-3", "usgae": "R"}}, `"rules"[0]: unknown parameter(s) usgae (did you mean usage?`),
		Entry("bad usage", []any{map[string]any{"path": "PID-3", "usage": "M"}}, "usage \"M\""),
		Entry("two kinds", []any{map[string]any{"path": "PID-3", "segment": "PID"}}, "exactly one of"),
		Entry("bad path", []any{map[string]any{"path": "PID3"}}, "want a field or component"),
		Entry("bad format", []any{map[string]any{"path": "PID-3", "format": "nhs"}}, "format \"nhs\""),
		Entry("bad pattern", []any{map[string]any{"path": "PID-3", "pattern": "("}}, "pattern"),
		Entry("where without test", []any{map[string]any{"path": "PID-3", "where": map[string]any{"component": 5}}}, "a condition needs"),
		Entry("an empty entry in all", []any{map[string]any{"assert": map[string]any{"all": []any{nil}}}}, `"rules"[0].assert.all[0]: want a mapping, got nothing (null)`),
		Entry("an empty entry in any", []any{map[string]any{"assert": map[string]any{"any": []any{map[string]any{"path": "PID-3", "present": true}, nil}}}}, `"rules"[0].assert.any[1]: want a mapping, got nothing (null)`),
	)

	It("applies usage, cardinality, fixed values, value sets, patterns and conditions", func() {
		c := mustCompile("hl7v2-profile", params.Params{"rules": []any{
			map[string]any{"segment": "PV1", "usage": "R", "when": map[string]any{"path": "MSH-9.2", "in": []any{"A01"}}},
			map[string]any{"segment": "NK1", "max": 1},
			map[string]any{"path": "MSH-12", "fixed": "2.4"},
			map[string]any{"path": "PID-8", "values": []any{"M", "F", "U"}},
			map[string]any{"path": "PID-3.1", "where": map[string]any{"component": 5, "equals": "MR"}, "pattern": "^[0-9]+$"},
			map[string]any{"path": "PID-19", "usage": "X"},
			map[string]any{"path": "PID-5", "usage": "RE"},
		}})
		r := record(segs(strings.Replace(msh24, "|2.4", "|2.5", 1), "EVN|A01", "PID|1||A1^^^RX1^MR~9^^^X^PI|||||Q|||||||||||123", "NK1|1", "NK1|2"))
		fs := observe(c, r)
		Expect(where(fs)).To(ConsistOf(
			"profile.usage@PV1", "profile.cardinality@NK1[2]", "profile.fixed@MSH[1].12[1]",
			"profile.value-set@PID[1].8[1]", "profile.pattern@PID[1].3[1].1", "profile.usage@PID[1].19[1]", "profile.usage@PID[1].5"))
		for _, f := range fs {
			if f.Path == "PID[1].5" {
				Expect(f.Severity).To(Equal(model.Information))
			}
		}
		a08 := record(segs(strings.Replace(msh24, "ADT^A01^ADT_A01", "ADT^A08^ADT_A01", 1), "EVN|A08", "PID|1||1^^^RX1^MR||X||||||||||||||||"))
		Expect(where(observe(c, a08))).To(BeEmpty())
	})

	It("applies a rule with where only to the repetitions it picks", func() {
		c := mustCompile("hl7v2-profile", params.Params{"rules": []any{
			map[string]any{"path": "PID-3.1", "where": map[string]any{"component": 5, "pattern": "^NH"}, "usage": "R"},
		}})
		Expect(observe(c, record(segs(msh24, "PID|1||1^^^RX1^MR")))).To(BeEmpty())
		Expect(where(observe(c, record(segs(msh24, "PID|1||1^^^RX1^MR~^^^NHS^NH"))))).To(Equal([]string{"profile.usage@PID[1].3[2].1"}))
	})

	It("looks only at the messages its when condition picks", func() {
		c := mustCompile("hl7v2-profile", params.Params{"when": map[string]any{"path": "MSH-9.1", "equals": "ADT"},
			"rules": []any{map[string]any{"segment": "PV1", "usage": "R"}}})
		Expect(c.Applies(record(segs(msh24)))).To(BeTrue())
		Expect(c.Applies(record(segs(`MSH|^~\&|A|B|C|D|2024||ORU^R01|1|P|2.5`)))).To(BeFalse())
	})

	DescribeTable("checks NHS numbers: length and Modulus 11 are errors, ranges a warning",
		func(n string, code string, sev model.Severity) {
			c := mustCompile("hl7v2-profile", params.Params{"rules": []any{map[string]any{"path": "PID-3.1", "format": "nhs-number"}}})
			fs := observe(c, record(segs(msh24, "PID|1||"+n+"^^^NHS^NH")))
			if code == "" {
				Expect(fs).To(BeEmpty())
				return
			}
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Code).To(Equal(code))
			Expect(fs[0].Severity).To(Equal(sev))
			Expect(fs[0].Sensitive).To(BeTrue())
		},
		Entry("valid, issued range", "4010232137", "", model.Error),
		Entry("valid test number", "9990000018", "", model.Error),
		Entry("check digit", "4010232138", "nhs-number.check-digit", model.Error),
		Entry("check digit 10 is never valid", "1000000010", "nhs-number.check-digit", model.Error),
		Entry("nine digits", "401023213", "nhs-number.format", model.Error),
		Entry("spaces", "401 023 2137", "nhs-number.format", model.Error),
		Entry("ITK example, an NHS England test number", "9449305552", "", model.Error),
		Entry("in no issued or test range", "5449305559", "nhs-number.range", model.Warning),
	)
})

func exchangeRecord(req string, responses ...string) *model.Record {
	ms, err := hl7v2.ParseAll([]byte(req))
	Expect(err).NotTo(HaveOccurred())
	ex := &hl7v2.Exchange{Request: ms[0], Outcome: hl7v2.Answered}
	for _, r := range responses {
		rm, _ := hl7v2.ParseAll([]byte(r))
		resp := hl7v2.Response{Raw: []byte(r), Latency: 5 * time.Millisecond}
		if len(rm) > 0 {
			resp.Message = rm[0]
		}
		ex.Responses = append(ex.Responses, resp)
	}
	return &model.Record{Kind: model.KindExchange, Source: "feed.hl7", Line: 1, Type: ms[0].TypeName(), ID: ms[0].ControlID(), Value: ex}
}

var _ = Describe("hl7v2-ack", func() {
	c := mustCompile("hl7v2-ack", nil)
	req := segs(msh24, "EVN|A01", "PID|1")
	good := segs(`MSH|^~\&|ROUTE|ROUTE|PAS|RX1|20240101120001||ACK^A01^ACK|A1|P|2.4`, "MSA|AA|C1")

	It("accepts a correct original-mode acknowledgement", func() {
		Expect(observe(c, exchangeRecord(req, good))).To(BeEmpty())
	})

	DescribeTable("reports each way an acknowledgement can be wrong",
		func(ack string, want []string) {
			Expect(where(observe(c, exchangeRecord(req, ack)))).To(ConsistOf(want))
		},
		Entry("wrong MSA-2", strings.Replace(good, "MSA|AA|C1", "MSA|AA|C2", 1), []string{"ack.msa-2@MSA[1].2"}),
		Entry("bad MSA-1", strings.Replace(good, "MSA|AA", "MSA|OK", 1), []string{"ack.msa-1@MSA[1].1"}),
		Entry("AE without ERR", strings.Replace(good, "MSA|AA", "MSA|AE", 1), []string{"ack.err-missing@ERR", "ack.negative@MSA[1].1"}),
		Entry("AR with ERR", strings.Replace(good, "MSA|AA|C1", "MSA|AR|C1", 1)+"ERR||||E\r", []string{"ack.negative@MSA[1].1"}),
		Entry("not swapped", strings.Replace(good, "ROUTE|ROUTE|PAS|RX1", "PAS|RX1|ROUTE|ROUTE", 1), []string{"ack.msh-swap@MSH[1].3"}),
		Entry("version not echoed", strings.Replace(good, "|P|2.4", "|P|2.5", 1), []string{"ack.echo@MSH[1].12"}),
		Entry("processing id not echoed", strings.Replace(good, "|P|2.4", "|T|2.4", 1), []string{"ack.echo@MSH[1].11"}),
		Entry("no MSA", segs(`MSH|^~\&|ROUTE|ROUTE|PAS|RX1|2024||ADT^A01|A1|P|2.4`), []string{"ack.not-ack@MSH[1].9"}),
		Entry("not HL7", "garbage", []string{"ack.not-hl7@"}),
	)

	It("reports missing, unframed and commit-only acknowledgements", func() {
		for outcome, code := range map[hl7v2.Outcome]string{hl7v2.Timeout: "ack.missing", hl7v2.Closed: "ack.missing", hl7v2.Unframed: "ack.framing", hl7v2.ConnectFailed: "ack.connect"} {
			r := exchangeRecord(req)
			r.Value.(*hl7v2.Exchange).Outcome = outcome
			r.Value.(*hl7v2.Exchange).Detail = "why"
			Expect(where(observe(c, r))).To(Equal([]string{code + "@"}), string(outcome))
		}
		commit := exchangeRecord(req)
		commit.Value.(*hl7v2.Exchange).Responses = []hl7v2.Response{{Raw: []byte{hl7v2.CommitACK}, Commit: hl7v2.CommitACK}}
		Expect(where(observe(c, commit))).To(Equal([]string{"ack.commit@"}))
	})

	DescribeTable("follows the acknowledgement mode the message asks for (MSH-15 accept, MSH-16 application; table 0155)",
		func(conditions string, codes string, want []string) {
			r := segs(msh24+conditions, "EVN|A01", "PID|1")
			var acks []string
			for _, code := range strings.Fields(codes) {
				a := strings.Replace(good, "MSA|AA", "MSA|"+code, 1)
				if code != "AA" && code != "CA" {
					a += "ERR||||E\r"
				}
				acks = append(acks, a)
			}
			got := where(observe(mustCompile("hl7v2-ack", params.Params{"accept-negative": true}), exchangeRecord(r, acks...)))
			expectWhere(got, want)
		},
		Entry("original: one AA", "", "AA", nil),
		Entry("original: an accept code", "", "CA", []string{"ack.msa-1@MSA[1].1"}),
		Entry("original: nothing", "", "", []string{"ack.missing@"}),
		Entry("AL/AL: CA then AA", "|||AL|AL", "CA AA", nil),
		Entry("AL/AL: CR and nothing after it", "|||AL|AL", "CR", nil),
		Entry("AL/AL: AA without the accept", "|||AL|AL", "AA", []string{"ack.missing@"}),
		Entry("AL/AL: CA, no application acknowledgement", "|||AL|AL", "CA", []string{"ack.missing@"}),
		Entry("AL/AL: AA before CA", "|||AL|AL", "AA CA", []string{"ack.order@MSA[1].1"}),
		Entry("NE/NE: nothing, as asked", "|||NE|NE", "", nil),
		Entry("NE/NE: an AA nobody asked for", "|||NE|NE", "AA", []string{"ack.unexpected@MSA[1].1"}),
		Entry("NE/NE: a CA nobody asked for", "|||NE|NE", "CA", []string{"ack.unexpected@MSA[1].1"}),
		Entry("AL/NE: CA alone", "|||AL|NE", "CA", nil),
		Entry("AL/NE: CA then AA", "|||AL|NE", "CA AA", []string{"ack.unexpected@MSA[1].1"}),
		Entry("NE/AL: AA alone", "|||NE|AL", "AA", nil),
		Entry("NE/AL: nothing", "|||NE|AL", "", []string{"ack.missing@"}),
		Entry("ER/AL: success, AA alone", "|||ER|AL", "AA", nil),
		Entry("ER/AL: a CA on success", "|||ER|AL", "CA AA", []string{"ack.unexpected@MSA[1].1"}),
		Entry("SU/ER: CA then nothing on success", "|||SU|ER", "CA", nil),
		Entry("SU/ER: CA then AE", "|||SU|ER", "CA AE", nil),
		Entry("SU/ER: CA then AA on success", "|||SU|ER", "CA AA", []string{"ack.unexpected@MSA[1].1"}),
		Entry("only MSH-16 set: accept left open", "||||AL", "AA", nil),
	)

	It("grades an acknowledgement nobody asked for by how clearly the message said so", func() {
		ne := observe(c, exchangeRecord(segs(msh24+"|||NE|NE", "EVN|A01", "PID|1"), good))
		Expect(ne).To(HaveLen(1))
		Expect(ne[0].Severity).To(Equal(model.Error))
		er := observe(c, exchangeRecord(segs(msh24+"|||ER|AL", "EVN|A01", "PID|1"), strings.Replace(good, "MSA|AA", "MSA|CA", 1), good))
		Expect(er).To(HaveLen(1))
		Expect(er[0].Severity).To(Equal(model.Warning))
	})

	It("holds MSH-11 echo as carecert's policy: a warning that says so", func() {
		fs := observe(c, exchangeRecord(req, strings.Replace(good, "|P|2.4", "|T|2.4", 1)))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Warning))
		Expect(fs[0].Message).To(ContainSubstring("carecert policy"))
	})

	It("reports a frame whose 0x1C end block had no 0x0D after it", func() {
		r := exchangeRecord(req, good)
		r.Value.(*hl7v2.Exchange).Responses[0].PrevBadEnd = true
		Expect(where(observe(c, r))).To(Equal([]string{"ack.framing@"}))
	})
})

var _ = Describe("hl7v2-ack-latency", func() {
	latency := func(ms ...int) *model.Tally {
		c := mustCompile("hl7v2-ack-latency", params.Params{"p50": "20ms", "p95": "100ms"})
		a, b := c.NewState(), c.NewState()
		for i, l := range ms {
			r := exchangeRecord(segs(msh24), "x")
			r.Value.(*hl7v2.Exchange).Responses[0].Latency = time.Duration(l) * time.Millisecond
			if i%2 == 0 {
				a.Observe(r)
			} else {
				b.Observe(r)
			}
		}
		// States survive a JSON round trip (sharded runs) and merge.
		data, err := json.Marshal(b)
		Expect(err).NotTo(HaveOccurred())
		b2 := c.NewState()
		Expect(json.Unmarshal(data, b2)).To(Succeed())
		Expect(a.Merge(b2)).To(Succeed())
		t := model.NewTally(0)
		a.Finish(t)
		return t
	}
	grade := func(t *model.Tally) (model.Outcome, string) {
		c := mustCompile("hl7v2-ack-latency", params.Params{"p50": "20ms", "p95": "100ms"})
		return c.(check.Grader).Grade(t)
	}

	It("passes when the percentiles are under their thresholds", func() {
		out, msg := grade(latency(5, 6, 7, 8, 9, 10, 11, 12, 13, 14))
		Expect(out).To(Equal(model.Pass), msg)
		Expect(msg).To(ContainSubstring("10 acknowledgement(s)"))
	})
	It("fails, naming the percentile, when one is over", func() {
		out, msg := grade(latency(5, 6, 7, 8, 9, 10, 11, 12, 13, 500))
		Expect(out).To(Equal(model.Fail))
		Expect(msg).To(ContainSubstring("over threshold: p95"))
		out, msg = grade(latency(50, 60, 70))
		Expect(out).To(Equal(model.Fail))
		Expect(msg).To(ContainSubstring("p50"))
	})
	It("skips when nothing was acknowledged and refuses a check without thresholds", func() {
		out, _ := grade(model.NewTally(0))
		Expect(out).To(Equal(model.Skip))
		_, err := compile("hl7v2-ack-latency", nil)
		Expect(err).To(MatchError(ContainSubstring("at least one threshold")))
	})
})

// The placements a v2 message reaches a check in: as a file holds it, inside
// a batch, and as a file captured from an MLLP connection holds it.
var placements = map[string]func(msg string) string{
	"ER7":    func(msg string) string { return msg },
	"batch":  func(msg string) string { return segs(`FHS|^~\&|A`, `BHS|^~\&|A`) + msg + segs("BTS|1", "FTS|1") },
	"framed": func(msg string) string { return "\x0b" + msg + "\x1c\r" },
}

// placed reads msg in a placement and returns its one message's record.
func placed(placement, msg string) *model.Record {
	ms, err := hl7v2.ParseAll([]byte(placements[placement](msg)))
	Expect(err).NotTo(HaveOccurred())
	var recs []*model.Record
	for _, m := range ms {
		if !m.Envelope {
			recs = append(recs, m.Record("t.hl7"))
		}
	}
	Expect(recs).To(HaveLen(1))
	return recs[0]
}

var _ = Describe("table 0203 (identifier type)", func() {
	// User-defined in 2.3 and 2.3.1 (CX.5 is IS), an HL7 table from 2.4
	// (CX.5 is ID) whose values the standard only suggests: a code outside
	// its list is a warning that says so, never an error; a code in it is
	// nothing; and the closed table beside it (0136, PID-30) still errs.
	type want struct {
		code  string
		sev   model.Severity
		found bool
	}
	versions := map[string]want{
		"2.3": {}, "2.3.1": {},
		"2.4": {"hl7v2.table", model.Warning, true}, "2.5": {"hl7v2.table", model.Warning, true},
		"2.5.1": {"hl7v2.table", model.Warning, true}, "2.6": {"hl7v2.table", model.Warning, true},
		"2.7": {"hl7v2.table", model.Warning, true}, "2.7.1": {"hl7v2.table", model.Warning, true},
		"2.8": {"hl7v2.table", model.Warning, true}, "2.8.2": {"hl7v2.table", model.Warning, true},
	}
	fields := map[string]struct{ pid3, path string }{
		"first identifier":  {"123^^^H^EPI", "PID[1].3[1].5"},
		"second identifier": {"1^^^H^MR~123^^^H^PENC", "PID[1].3[2].5"},
	}
	for version, w := range versions {
		for name, f := range fields {
			for placement := range placements {
				It(fmt.Sprintf("%s, %s, %s", version, name, placement), func() {
					c := mustCompile("hl7v2-fields", params.Params{"check": []any{"tables"}})
					msg := segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A01|C1|P|`+version, "EVN|A01",
						"PID|1||"+f.pid3+"||DOE^JO"+strings.Repeat("|", 25)+"NO", "PV1|1|I")
					var got []string
					closed := 0
					for _, fd := range observe(c, placed(placement, msg)) {
						if fd.Path == f.path {
							got = append(got, fd.Code)
							Expect(fd.Severity).To(Equal(w.sev), fd.Message)
							Expect(fd.Message).To(ContainSubstring("leaves this table open"))
						}
						if fd.Path == "PID[1].30[1]" && version != "2.3" {
							Expect(fd.Severity).To(Equal(model.Error), "0136 is closed: "+fd.Message)
							closed++
						}
					}
					if version != "2.3" {
						Expect(closed).To(Equal(1))
					}
					if w.found {
						Expect(got).To(Equal([]string{w.code}))
					} else {
						Expect(got).To(BeEmpty())
					}
					// A code the table lists is nothing, in every version.
					ok := strings.ReplaceAll(strings.ReplaceAll(msg, "^EPI", "^MR"), "^PENC", "^MR")
					for _, fd := range observe(c, placed(placement, ok)) {
						Expect(fd.Path).NotTo(Equal(f.path), fd.Message)
					}
				})
			}
		}
	}
})

var _ = Describe("hl7v2-ack and the encoding of the acknowledgement", func() {
	c := mustCompile("hl7v2-ack", nil)
	req := segs(`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5||||||UNICODE UTF-16`, "EVN|A01", "PID|1", "PV1|1|I")
	ms, err := hl7v2.ParseAll([]byte(req))
	Expect(err).NotTo(HaveOccurred())
	ack := string(hl7v2.BuildACK(ms[0], hl7v2.ACKOptions{Code: "AA", ControlID: "A1", Time: time.Now()}))
	// The same forms a sender writes; UTF-8 with and without a mark are one
	// encoding, as are UTF-16 with and without one in the same byte order.
	forms := []hl7v2.Encoding{{}, {Form: "UTF-8", BOM: true}, {Form: "UTF-16", BOM: true}, {Form: "UTF-16"},
		{Form: "UTF-16", BigEndian: true}, {Form: "UTF-32", BOM: true}, {Form: "UTF-32", BigEndian: true, BOM: true}}
	same := func(a, b hl7v2.Encoding) bool {
		return (!a.Decoded() && !b.Decoded()) || (a.Form == b.Form && a.BigEndian == b.BigEndian)
	}
	It("warns, as carecert's policy, when a message is answered in another encoding, and says nothing else differs", func() {
		want := where(observe(c, exchangeRecord(req, ack)))
		for _, sent := range forms {
			for _, got := range forms {
				fs := observe(c, exchangeRecord(string(hl7v2test.Encode(req, sent)), string(hl7v2test.Encode(ack, got))))
				var rest []string
				encoding := 0
				for _, f := range fs {
					if f.Code == "ack.encoding" {
						encoding++
						Expect(f.Severity).To(Equal(model.Warning))
						Expect(f.Message).To(ContainSubstring("carecert policy"))
						continue
					}
					rest = append(rest, f.Code+"@"+f.Path)
				}
				Expect(rest).To(Equal(want), "%s answered in %s", sent, got)
				if same(sent, got) {
					Expect(encoding).To(BeZero(), "%s answered in %s", sent, got)
				} else {
					Expect(encoding).To(Equal(1), "%s answered in %s", sent, got)
				}
			}
		}
	})
})
