package terminology_test

import (
	"fmt"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	coreterm "github.com/carecert/carecert/terminology"
)

// A Quantity's code with a system other than UCUM is a code of that system,
// checked as a Coding's is (the HL7 reference validator checks a Quantity's
// system and code as a coded element): by its code system (TERM-02: known,
// held, not-present said once per code system) and by its form (TERM-03),
// for every Quantity type R4 elements use (Quantity, Age, Duration,
// SimpleQuantity); its unit is no display. A UCUM code stays the units
// check's. Before, no row but the controls found what it should: a
// Quantity's code was never checked against its code system nor its form.
var _ = Describe("a Quantity's code of a system other than UCUM", func() {
	const complete = "http://acme.example/cs/complete"
	const fragment = "http://acme.example/cs/fragment"
	quantity := func(system, code string) string {
		return fmt.Sprintf(`{"value":5,"unit":"Alpha units","system":%q,"code":%q}`, system, code)
	}
	observation := func(q string) string {
		return `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"t"},"valueQuantity":` + q + `}`
	}
	condition := func(q string) string {
		return `{"resourceType":"Condition","id":"o","subject":{"reference":"Patient/p"},"onsetAge":` + q + `}`
	}
	request := func(q string) string {
		return `{"resourceType":"MedicationRequest","id":"o","status":"active","intent":"order","subject":{"reference":"Patient/p"},` +
			`"medicationCodeableConcept":{"text":"m"},"dispenseRequest":{"expectedSupplyDuration":` + q + `}}`
	}
	referenceRange := func(q string) string {
		return `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"t"},"referenceRange":[{"low":` + q + `}]}`
	}
	DescribeTable("is checked like a Coding's (TERM-02, TERM-03: severity, code, path below the resource)",
		func(res string, want ...string) {
			dir := GinkgoT().TempDir()
			ig := contentKindsIG(dir)
			for _, pl := range codePlacements {
				for _, format := range []string{"json", "xml"} {
					where := pl.name + " in " + format
					rep := run([]string{suite}, []string{ig}, writePlaced(dir, format, pl.place, res))
					got := []string{}
					for _, req := range []string{"TERM-02", "TERM-03"} {
						for _, f := range result(rep, req).Tally.Findings {
							if f.Path == "" {
								said, _, _ := strings.Cut(f.Message, ": ")
								got = append(got, fmt.Sprintf("%s %s %s", f.Severity, f.Code, said))
								continue
							}
							_, below, _ := strings.Cut(f.Path, ".")
							below = strings.TrimPrefix(below, "contained[0].")
							got = append(got, fmt.Sprintf("%s %s %s", f.Severity, f.Code, below))
						}
					}
					expected := []string{}
					for _, w := range want {
						if n, system, ok := strings.Cut(w, " code(s) of "); ok {
							w = fmt.Sprintf("information %s %d code(s) of %s were not checked", coreterm.IssueNotChecked, pl.times*len(n), system)
							expected = append(expected, w)
							continue
						}
						for range pl.times {
							expected = append(expected, w)
						}
					}
					sort.Strings(got)
					sort.Strings(expected)
					Expect(got).To(Equal(expected), where)
				}
			}
		},
		Entry("Quantity, a code its complete code system lacks", observation(quantity(complete, "zz")),
			"error terminology.unknown-code valueQuantity.code"),
		Entry("Quantity, a code its complete code system holds (its unit is no display)", observation(quantity(complete, "a"))),
		Entry("Age, a code its complete code system lacks", condition(quantity(complete, "zz")),
			"error terminology.unknown-code onsetAge.code"),
		Entry("Duration, a code its complete code system lacks", request(quantity(complete, "zz")),
			"error terminology.unknown-code dispenseRequest.expectedSupplyDuration.code"),
		Entry("SimpleQuantity, a code its complete code system lacks", referenceRange(quantity(complete, "zz")),
			"error terminology.unknown-code referenceRange[0].low.code"),
		Entry("Quantity, a code a fragment lacks: not checked", observation(quantity(fragment, "zz")),
			"warning terminology.not-checked valueQuantity.code"),
		Entry("Quantity, a SNOMED CT code of the wrong form", observation(quantity(coreterm.SNOMED, "12345")),
			"error terminology.format valueQuantity.code"),
		// "x code(s) of S": one note for the result, counting one code (x) per copy.
		Entry("Quantity, a well-formed SNOMED CT code: not checked, once per code system", observation(quantity(coreterm.SNOMED, "258672001")),
			"x code(s) of "+coreterm.SNOMED),
		Entry("control: Quantity, a UCUM code (the units check's)", observation(quantity(coreterm.UCUM, "mg"))),
	)
})
