package quality_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
	"github.com/carecert/carecert/validators/quality"
)

// column selects a CSV column, the way the social care package plugs its rows
// into the quality checks.
type column string

func (c column) Select(rec *model.Record) ([]quality.Node, error) {
	row, _ := rec.Value.(map[string]string)
	v, ok := row[string(c)]
	if !ok {
		return nil, nil
	}
	return []quality.Node{{Path: string(c), Value: v}}, nil
}

var csvRows = quality.Language{
	Kind:      model.KindCSV,
	Compile:   func(expr string) (quality.Selector, error) { return column(expr), nil },
	Sensitive: func(path string) bool { return path == "NHS_Number" },
}

var _ = Describe("a selection language plugged in for another record kind", func() {
	rows := func() []*model.Record {
		values := []string{"9434765919", "", "9434765918", "9434765919", "4010232137"}
		var out []*model.Record
		for i, v := range values {
			out = append(out, &model.Record{Kind: model.KindCSV, Source: "clients.csv", Line: i + 2, Index: int64(i), Type: "clients",
				ID: fmt.Sprintf("row %d", i+2), Value: map[string]string{"NHS_Number": v, "LA_Code": "E08000035"}})
		}
		return out
	}

	runCSV := func(typ string, params params.Params) *model.Tally {
		reg := check.NewRegistry()
		quality.Register(reg, csvRows)
		params["kind"] = "csv"
		params["type"] = "clients"
		c, err := reg.Compile(check.Spec{Requirement: "CLD-1", Type: typ, Params: params}, env())
		Expect(err).NotTo(HaveOccurred())
		t := model.NewTally(0)
		s := c.NewState()
		for _, r := range rows() {
			if c.Applies(r) {
				t.Observe(s.Observe(r))
			}
		}
		for _, r := range records(`{"resourceType":"Patient","id":"p"}`) {
			Expect(c.Applies(r)).To(BeFalse(), "a CSV rule never sees FHIR records")
		}
		s.Finish(t)
		return t
	}

	It("runs completeness, format and uniqueness rules on CSV rows", func() {
		t := runCSV("dq-completeness", params.Params{"element": "NHS_Number"})
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 5}))
		Expect(t.Sample()[0].Location).To(Equal(model.Location{File: "clients.csv", Line: 3, Record: "clients/row 3", Path: "NHS_Number"}))

		t = runCSV("dq-value-format", params.Params{"element": "NHS_Number", "format": "nhs-number"})
		m, _ = t.Lookup("dq.conformance.verification.invalid")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 4}))
		Expect(t.Sample()[0].Sensitive).To(BeTrue())
		Expect(t.Sample()[0].Line).To(Equal(4))

		t = runCSV("dq-unique", params.Params{"key": []any{"NHS_Number"}, "what": "NHS number"})
		m, _ = t.Lookup("dq.plausibility.uniqueness.verification.duplicate-key")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 4}))
		Expect(t.Sample()[0].Message).To(Equal("same NHS number as clients/row 2 (clients.csv:2)"))
		Expect(t.Sample()[0].Requirement).To(Equal("CLD-1"))
	})
})

var _ = Describe("the built-in CSV column language", func() {
	const extract = "LA_Code,NHS_Number,Person_Birth_Date,Gender,Postcode\n" +
		"E08000035,9434765919,1950-02-01,Male,LS1 4AP\n" +
		"E08000035,,1961-07-12,Female,LS2 7EW\n" +
		"E08000035,9434765918,1938-11-30,Unknown,BD1 1AA\n" +
		"E08000035,9434765919,1950-02-01,Male,LS1 4AP\n"

	rowsOf := func() []*model.Record {
		var out []*model.Record
		Expect(tabular.Read("cld_q2.csv", strings.NewReader(extract), tabular.Options{}, func(r *model.Record) error {
			out = append(out, r)
			return nil
		})).To(Succeed())
		Expect(out).To(HaveLen(4))
		return out
	}
	csv := func(typ string, params params.Params) *model.Tally {
		params["kind"] = "csv"
		t, _, _ := run(typ, params, rowsOf())
		return t
	}

	It("applies the quality rules to rows read by the tabular reader, with redaction of identifying columns", func() {
		t := csv("dq-completeness", params.Params{"element": "NHS_Number"})
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 4}))
		Expect(t.Sample()[0].Location).To(MatchFields(IgnoreExtras, Fields{"File": Equal("cld_q2.csv"), "Line": Equal(3), "Path": Equal("NHS_Number")}))

		t = csv("dq-value-format", params.Params{"element": "NHS_Number", "format": "nhs-number"})
		Expect(t.Sample()).To(HaveLen(1))
		Expect(t.Sample()[0].Line).To(Equal(4))
		Expect(t.Sample()[0].Sensitive).To(BeTrue())

		t = csv("dq-unique", params.Params{"key": []any{"NHS_Number", "Person_Birth_Date"}})
		m, _ = t.Lookup("dq.plausibility.uniqueness.verification.duplicate-key")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 3}))
		Expect(t.Sample()[0].Line).To(Equal(5))

		t = csv("dq-default-values", params.Params{"element": "Gender", "values": []any{"Unknown"}})
		m, _ = t.Lookup("dq.plausibility.atemporal.validation.default")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 4}))
		Expect(t.Sample()[0].Sensitive).To(BeFalse())
	})

	It("reports a column the file lacks on every row, rather than counting it missing", func() {
		t := csv("dq-completeness", params.Params{"element": "Ethnicity"})
		Expect(t.Errors).To(Equal(int64(4)))
		Expect(t.Sample()[0].Message).To(ContainSubstring(`the file has no column "Ethnicity"`))
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect(m.Denominator).To(BeZero())
	})
})

var _ = Describe("the built-in HL7 v2 field language", func() {
	msg := func(id, typ, pid string) string {
		return "MSH|^~\\&|PAS|RX1|EPR|RX1|20260101120000||" + typ + "|" + id + "|P|2.4\r" +
			"EVN|A01|20260101120000\r" + pid + "\r"
	}
	messages := func() []*model.Record {
		data := msg("M1", "ADT^A01^ADT_A01", "PID|1||9434765919^^^NHS^NH||SMITH^ANN||19500201|F|||1 Road^^Leeds^^LS1 4AP") +
			msg("M2", "ADT^A08^ADT_A01", "PID|1||9434765918^^^NHS^NH||JONES^BEA||19610712|F") +
			msg("M1", "ADT^A03^ADT_A03", "PID|1||4010232137^^^NHS^NH||BROWN^CAL|||M")
		ms, err := hl7v2.ParseAll([]byte(data))
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(HaveLen(3))
		var out []*model.Record
		for _, m := range ms {
			out = append(out, m.Record("adt.hl7"))
		}
		return out
	}
	v2 := func(typ string, params params.Params) *model.Tally {
		params["kind"] = "hl7v2"
		t, _, _ := run(typ, params, messages())
		return t
	}

	It("applies the quality rules to message fields by terse path", func() {
		t := v2("dq-completeness", params.Params{"element": "PID-7"})
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 3}))
		Expect(t.Sample()[0].Record).To(Equal("ADT^A03/M1"))
		Expect(t.Sample()[0].Path).To(Equal("PID-7"))

		t = v2("dq-value-format", params.Params{"element": "PID-3.1", "format": "nhs-number"})
		m, _ = t.Lookup("dq.conformance.verification.invalid")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 3}))
		Expect(t.Sample()[0].Record).To(Equal("ADT^A08/M2"))
		Expect(t.Sample()[0].Sensitive).To(BeTrue())

		// Control ids are unique across message types.
		t = v2("dq-unique", params.Params{"resource_id": true, "what": "message control id"})
		m, _ = t.Lookup("dq.plausibility.uniqueness.verification.duplicate-id")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 3}))
		Expect(t.Sample()[0].Message).To(HavePrefix("same message control id as ADT^A01/M1"))
	})

	It("refuses a path that is not a terse HL7 v2 path", func() {
		Expect(compileErr("dq-completeness", params.Params{"kind": "hl7v2", "element": "Patient.birthDate"})).
			To(MatchError(ContainSubstring("not a terse HL7 v2 path")))
	})
})

var _ = Describe("dates of HL7 v2 messages", func() {
	It("are read in their own timestamp form by the temporal rules", func() {
		data := "MSH|^~\\&|PAS|RX1|EPR|RX1|20260101120000||ADT^A01|M1|P|2.4\rEVN|A01|20260101120000\rPID|1||9434765919^^^NHS^NH||SMITH^ANN||19500201\r" +
			"MSH|^~\\&|PAS|RX1|EPR|RX1|20260101120000||ADT^A01|M2|P|2.4\rEVN|A01|20270301+0000\rPID|1||9434765918^^^NHS^NH||JONES^BEA||2031\r" +
			"MSH|^~\\&|PAS|RX1|EPR|RX1|20260101120000||ADT^A01|M3|P|2.4\rEVN|A01|202601011230||||202512311200\rPID|1||4010232137^^^NHS^NH||BROWN^CAL||20260101\r"
		ms, err := hl7v2.ParseAll([]byte(data))
		Expect(err).NotTo(HaveOccurred())
		var recs []*model.Record
		for _, m := range ms {
			recs = append(recs, m.Record("adt.hl7"))
		}
		t, _, _ := run("dq-not-future", params.Params{"kind": "hl7v2", "elements": []any{"EVN-2", "PID-7"}}, recs)
		var got []string
		for _, f := range t.Sample() {
			got = append(got, f.Record+" "+f.Path)
		}
		Expect(got).To(ConsistOf("ADT^A01/M2 EVN-2", "ADT^A01/M2 PID-7"))

		// EVN-6 (event occurred) is not after EVN-2 (recorded) in M3.
		t, _, _ = run("dq-date-order", params.Params{"kind": "hl7v2", "earlier": "EVN-6", "later": "EVN-2"}, recs)
		m, _ := t.Lookup("dq.plausibility.temporal.verification.order")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{0, 1}))
		t, _, _ = run("dq-date-order", params.Params{"kind": "hl7v2", "earlier": "EVN-2", "later": "EVN-6"}, recs)
		m, _ = t.Lookup("dq.plausibility.temporal.verification.order")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 1}))
	})
})
