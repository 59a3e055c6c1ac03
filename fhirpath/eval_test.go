package fhirpath_test

import (
	"encoding/json"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirpath"
)

const patientJSON = `{
  "resourceType": "Patient",
  "id": "p1",
  "active": true,
  "name": [
    {"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
    {"use": "usual", "given": ["Jim"]}
  ],
  "gender": "male",
  "birthDate": "1974-12-25",
  "_birthDate": {"extension": [{"url": "http://example.org/time", "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
  "deceasedBoolean": false,
  "contained": [{"resourceType": "Organization", "id": "org1", "name": "Acme"}],
  "managingOrganization": {"reference": "#org1"}
}`

const observationJSON = `{
  "resourceType": "Observation",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
  "valueQuantity": {"value": 185.5, "unit": "lbs", "system": "http://unitsofmeasure.org", "code": "[lb_av]"},
  "effectiveDateTime": "2016-03-28T10:00:00Z"
}`

func decode(s string) map[string]any {
	m, err := fhir.Decode([]byte(s))
	Expect(err).NotTo(HaveOccurred())
	return m
}

func eval(expr string, input any) []any {
	out, err := fhirpath.MustCompile(expr).Evaluate(&fhirpath.Env{Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}, input)
	Expect(err).NotTo(HaveOccurred(), expr)
	return out
}

var _ = Describe("Evaluate", func() {
	var patient, obs map[string]any
	BeforeEach(func() {
		patient = decode(patientJSON)
		obs = decode(observationJSON)
	})

	DescribeTable("paths, filters and operators on a Patient",
		func(expr string, want ...any) {
			Expect(eval(expr, patient)).To(Equal(want), expr)
		},
		Entry("type-prefixed path", "Patient.name.given", "Peter", "James", "Jim"),
		Entry("path without type", "name.family", "Chalmers"),
		Entry("indexer", "name[1].given", "Jim"),
		Entry("where", "name.where(use = 'official').given.first()", "Peter"),
		Entry("exists with criteria", "name.exists(use = 'usual')", true),
		Entry("count", "name.given.count()", int64(3)),
		Entry("choice element", "deceased", false),
		Entry("boolean logic", "active and gender = 'male'", true),
		Entry("implies with empty left and true right", "multipleBirth implies true", true),
		Entry("implies with empty left and false right is empty", "multipleBirth implies false"),
		Entry("string comparison", "name.family < 'D'", true),
		Entry("date comparison with precision", "birthDate < @1975", true),
		Entry("ambiguous date precision is empty", "birthDate = @1974"),
		Entry("union removes duplicates", "(name.given | name.given).count()", int64(3)),
		Entry("in", "'Jim' in name.given", true),
		Entry("primitive extension", "birthDate.extension('http://example.org/time').value", "1974-12-25T14:35:45-05:00"),
		Entry("hasValue", "birthDate.hasValue()", true),
		Entry("resolve a contained reference", "managingOrganization.resolve().name", "Acme"),
		Entry("string functions", "name.family.first().substring(0, 4).upper()", "CHAL"),
		Entry("iif", "iif(active, 'yes', 'no')", "yes"),
		Entry("empty literal", "{}.exists()", false),
		Entry("is on a resource", "contained.first() is Organization", true),
		Entry("ofType on resources", "contained.ofType(Organization).id", "org1"),
		Entry("is on a typed primitive (from the R4 model)", "gender.is(code)", true),
		Entry("a code is a string", "gender.is(string)", true),
		Entry("as with an unqualified System name converts a FHIR primitive of that kind", "(name[0].family as String) = 'Chalmers'", true),
		Entry("as() likewise, on each item", "name.given.as(String).count()", int64(3)),
		Entry("as with a System name of another kind gives nothing", "(gender as Integer).empty()", true),
		Entry("is stays strict about System types", "active.is(Boolean)", false),
		Entry("a qualified System name is not converted", "(name[0].family as System.String).empty()", true),
		Entry("ofType on a non-choice element", "descendants().ofType(HumanName).family", "Chalmers"),
		Entry("typed primitive compares as a date", "birthDate.is(date) and birthDate > @1970-01-01", true),
	)

	It("navigates choice types and compares quantities across UCUM units", func() {
		Expect(eval("Observation.value.value", obs)).To(Equal([]any{json.Number("185.5")}))
		Expect(eval("value > 80 'kg'", obs)).To(Equal([]any{true}))
		Expect(eval("value < 80 'kg'", obs)).To(Equal([]any{false}))
		Expect(eval("value is Quantity", obs)).To(Equal([]any{true}))
		Expect(eval("effective > @2016-01-01T00:00:00Z", obs)).To(Equal([]any{true}))
	})

	It("evaluates invariants to a boolean", func() {
		inv := fhirpath.MustCompile("hasValue() or (children().count() > id.count())")
		ok, known, err := inv.EvaluateBool(nil, patient["name"].([]any)[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(known).To(BeTrue())
		Expect(ok).To(BeTrue())
		ok, _, err = inv.EvaluateBool(nil, map[string]any{"id": "x"})
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
	})

	It("is safe for concurrent evaluation of one compiled expression", func() {
		expr := fhirpath.MustCompile("name.where(use = 'official').given.count() = 2")
		done := make(chan []any, 8)
		for range 8 {
			go func() {
				out, _ := expr.Evaluate(nil, patient)
				done <- out
			}()
		}
		for range 8 {
			Expect(<-done).To(Equal([]any{true}))
		}
	})

	It("reports syntax errors, unknown functions and evaluation errors", func() {
		_, err := fhirpath.Compile("name.where(")
		Expect(err).To(MatchError(ContainSubstring("unexpected end of expression at offset 11")))
		_, err = fhirpath.Compile("name.frobnicate()")
		Expect(err).To(MatchError(ContainSubstring("unknown function frobnicate()")))
		_, err = fhirpath.Compile("name.substring()")
		Expect(err).To(MatchError(ContainSubstring("substring() takes 1 to 2 arguments")))
		_, err = fhirpath.MustCompile("name.given and true").Evaluate(nil, patient)
		Expect(err).To(MatchError(ContainSubstring("expected a single boolean")))
		_, err = fhirpath.MustCompile("code.memberOf('http://x')").Evaluate(nil, obs)
		Expect(err).To(MatchError(ContainSubstring("no MemberOf hook")))
	})

	It("calls hooks from the environment", func() {
		env := &fhirpath.Env{MemberOf: func(v any, vs string) (bool, bool, error) {
			return vs == "http://hl7.org/fhir/ValueSet/observation-status", true, nil
		}}
		out, err := fhirpath.MustCompile("status.memberOf(%vs-observation-status)").Evaluate(env, obs)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{true}))
	})
})

var _ = Describe("Compile on hostile input", func() {
	It("refuses expressions nested too deeply instead of exhausting the stack", func() {
		deep := strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000)
		_, err := fhirpath.Compile(deep)
		Expect(err).To(MatchError(ContainSubstring("nested more than 200 levels deep")))
		_, err = fhirpath.Compile(strings.Repeat("-", 100000) + "1")
		Expect(err).To(MatchError(ContainSubstring("nested more than 200 levels deep")))
		_, err = fhirpath.Compile(strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50))
		Expect(err).NotTo(HaveOccurred())
	})
})
