package fhirpath_test

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirpath"
)

const bundleJSON = `{
  "resourceType": "Bundle",
  "type": "collection",
  "entry": [
    {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}},
    {"fullUrl": "http://example.org/fhir/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1",
      "status": "final", "subject": {"reference": "urn:uuid:p1"}, "performer": [{"reference": "Practitioner/x"}, {"reference": "Patient/p1"}]}}
  ]
}`

var _ = Describe("the environment", func() {
	It("resolves references inside a Bundle root resource when the host gives no Resolve hook", func() {
		bundle := decode(bundleJSON)
		obs := bundle["entry"].([]any)[1].(map[string]any)["resource"].(map[string]any)
		env := &fhirpath.Env{RootResource: bundle}
		out, err := fhirpath.MustCompile("subject.resolve().gender").Evaluate(env, obs)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{"female"}))
		out, err = fhirpath.MustCompile("performer.resolve().ofType(Patient).id").Evaluate(env, obs)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{"p1"}))
	})

	// A host's hook is its one resolution of references (the profile
	// engine's: a reference made in an entry resolves against that entry's
	// fullUrl), which a second, simpler match here must not pre-empt.
	It("leaves every reference but a contained one to the Resolve hook when the host gives one", func() {
		bundle := decode(bundleJSON)
		obs := bundle["entry"].([]any)[1].(map[string]any)["resource"].(map[string]any)
		asked := []string{}
		env := &fhirpath.Env{RootResource: bundle, Resolve: func(ref string) map[string]any {
			asked = append(asked, ref)
			if ref == "Practitioner/x" {
				return map[string]any{"resourceType": "Practitioner", "id": "x"}
			}
			return nil
		}}
		out, err := fhirpath.MustCompile("subject.resolve().gender").Evaluate(env, obs)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(BeEmpty(), "the hook does not answer urn:uuid:p1")
		out, err = fhirpath.MustCompile("performer.resolve().ofType(Practitioner).id | performer.resolve().ofType(Patient).id").Evaluate(env, obs)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{"x"}))
		Expect(asked).To(ConsistOf("urn:uuid:p1", "Practitioner/x", "Patient/p1", "Practitioner/x", "Patient/p1"))
	})

	It("takes %resource, %rootResource, %context and other constants from the environment", func() {
		bundle := decode(bundleJSON)
		patient := bundle["entry"].([]any)[0].(map[string]any)["resource"].(map[string]any)
		env := &fhirpath.Env{Resource: patient, RootResource: bundle, Vars: map[string]any{"limit": int64(2)}}
		out, err := fhirpath.MustCompile("%rootResource.entry.count() = %limit and %resource.id = 'p1' and %context = 'female'").
			Evaluate(env, patient["gender"])
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{true}))
		_, err = fhirpath.MustCompile("%unknown").Evaluate(env, patient)
		Expect(err).To(MatchError(ContainSubstring("unknown external constant %unknown")))
	})

	It("uses the fixed clock for today() and now()", func() {
		env := &fhirpath.Env{Now: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)}
		out, err := fhirpath.MustCompile("today() = @2026-11-25 and now() > @2026-11-25T09:00:00Z and birthDate < today() - 18 years").
			Evaluate(env, decode(patientJSON))
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{true}))
	})

	It("sends trace() output to the Trace hook and passes the input through", func() {
		var traced []any
		env := &fhirpath.Env{Trace: func(name string, values []any) { traced = append(traced, name, values) }}
		out, err := fhirpath.MustCompile("name.trace('names', given).count()").Evaluate(env, decode(patientJSON))
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal([]any{int64(2)}))
		Expect(traced).To(Equal([]any{"names", []any{"Peter", "James", "Jim"}}))
	})

	It("reports an error from a hook as an evaluation error", func() {
		env := &fhirpath.Env{ConformsTo: func(any, string) (bool, error) { return false, errors.New("profile not loaded") }}
		_, err := fhirpath.MustCompile("conformsTo('http://example.org/p')").Evaluate(env, decode(patientJSON))
		Expect(err).To(MatchError("profile not loaded"))
	})

	It("evaluates on an element with the type given by Element", func() {
		contact := map[string]any{"name": map[string]any{"family": "Du"}, "gender": "female"}
		el := fhirpath.Element(contact, nil, "BackboneElement", "Patient.contact")
		vals, err := fhirpath.MustCompile("name.family | gender").EvaluateTyped(nil, el)
		Expect(err).NotTo(HaveOccurred())
		Expect(vals).To(HaveLen(2))
		Expect([]string{vals[0].Type, vals[1].Type}).To(Equal([]string{"string", "code"}))
		Expect(vals[0].FHIR).To(BeTrue())
	})
})

var _ = DescribeTable("FHIRPath semantics",
	func(expr string, want ...any) {
		Expect(eval(expr, nil)).To(Equal(want), expr)
	},
	Entry("dates at different precisions are not comparable", "@2012-01 = @2012-01-15"),
	Entry("but are ordered when a common part differs", "@2012-01 < @2012-02-15", true),
	Entry("a zone is taken into account", "@2017-11-05T01:30:00.0-04:00 > @2017-11-05T01:15:00.0-05:00", false),
	Entry("equivalence of dates at different precisions is false", "@2012-01 ~ @2012-01-15", false),
	Entry("quantities compare across units", "4.0 'g' = 4000 'mg'", true),
	Entry("and across compound units", "1 'mL/s' = 60 'mL/min'", true),
	Entry("incompatible units are not equal", "1 'g' = 1 'm'", false),
	Entry("calendar years are not UCUM years", "1 year = 1 'a'"),
	Entry("weeks are", "1 week = 7 'd'", true),
	Entry("decimal precision is kept in strings", "1.50.toString()", "1.50"),
	Entry("equivalence rounds to the lesser precision", "1.2 ~ 1.24", true),
	Entry("integer division by zero is empty", "1 div 0"),
	Entry("adding a month keeps to the end of a shorter month", "(@2020-01-31 + 1 month).toString()", "2020-02-29"),
	Entry("subtracting years from a leap day", "(@2020-02-29 - 1 year).toString()", "2019-02-28"),
	Entry("a date plus days keeps its precision", "(@2020-01 + 40 days).toString()", "2020-02"),
	Entry("string concatenation with empty", "'a' & {} & 'b'", "ab"),
	Entry("three-valued logic", "{} and false", false),
	Entry("implies", "false implies {}", true),
	Entry("regex with a group reference", "'2020-01-02'.replaceMatches('(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')", "02/01/2020"),
	Entry("aggregate", "(1 | 2 | 3).aggregate($this + $total, 0)", int64(6)),
	Entry("repeat stops on repeated values", "(1 | 2).repeat($this).count()", int64(2)),
)

var _ = Describe("EvaluateTyped", func() {
	paths := func(expr string, input any) []string {
		vals, err := fhirpath.MustCompile(expr).EvaluateTyped(nil, input)
		Expect(err).NotTo(HaveOccurred())
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = v.Path
		}
		return out
	}

	It("locates every element it returns", func() {
		p := decode(patientJSON)
		Expect(paths("Patient.name.given", p)).To(Equal([]string{"Patient.name[0].given[0]", "Patient.name[0].given[1]", "Patient.name[1].given[0]"}))
		Expect(paths("name.where(use = 'usual').given.first()", p)).To(Equal([]string{"Patient.name[1].given[0]"}))
		Expect(paths("deceased", p)).To(Equal([]string{"Patient.deceasedBoolean"}))
		Expect(paths("birthDate.extension.value", p)).To(Equal([]string{"Patient.birthDate.extension[0].valueDateTime"}))
		Expect(paths("contained.name", p)).To(Equal([]string{"Patient.contained[0].name"}))
		Expect(paths("name.count() | gender", p)).To(Equal([]string{"", "Patient.gender"}))
		Expect(paths("Observation.value.code", decode(observationJSON))).To(Equal([]string{"Observation.valueQuantity.code"}))
	})

	It("locates extensions of repeating primitives that have no value", func() {
		p := decode(`{"resourceType": "Patient", "name": [{"_given": [null, {"extension": [{"url": "http://x", "valueCode": "masked"}]}]}]}`)
		Expect(paths("name.given.extension.value", p)).To(Equal([]string{"Patient.name[0].given[1].extension[0].valueCode"}))
		Expect(paths("name.given.hasValue()", p)).To(Equal([]string{""}))
	})

	It("continues the path of an Element given with At", func() {
		contact := map[string]any{"name": map[string]any{"given": []any{"A", "B"}}}
		el := fhirpath.Element(contact, nil, "BackboneElement", "Patient.contact").At("Patient.contact[2]")
		Expect(paths("name.given[1]", el)).To(Equal([]string{"Patient.contact[2].name.given[1]"}))
		Expect(paths("name.given[1]", fhirpath.Element(contact, nil, "BackboneElement", "Patient.contact"))).To(Equal([]string{""}))
	})
})

var _ = Describe("strict evaluation", func() {
	strict := &fhirpath.Env{Strict: true}
	It("reports names the model does not know instead of giving empty", func() {
		p := decode(patientJSON)
		for expr, msg := range map[string]string{
			"name.given1":                         `HumanName has no element "given1"`,
			"Encounter.status":                    "the expression is for Encounter, the input is a Patient",
			"deceasedBoolean":                     "deceasedBoolean is a choice element: write deceased.ofType(boolean)",
			"birthDate.extension.nope":            `Extension has no element "nope"`,
			"(deceased as Period).unit":           `Period has no element "unit"`,
			"contained.ofType(Organization).nmae": `Organization has no element "nmae"`,
		} {
			_, err := fhirpath.MustCompile(expr).Evaluate(strict, p)
			Expect(err).To(MatchError(ContainSubstring(msg)), expr)
			out, err := fhirpath.MustCompile(expr).Evaluate(nil, p)
			Expect(err).NotTo(HaveOccurred(), "lenient by default: "+expr)
			if expr != "deceasedBoolean" {
				Expect(out).To(BeEmpty(), expr)
			}
		}
	})

	It("accepts every valid path, including absent elements, choices by their name and extensions on primitives", func() {
		p := decode(patientJSON)
		for _, expr := range []string{"name.given", "multipleBirth", "deceased", "birthDate.extension.value", "Patient.contact.name.family", "contained.ofType(Organization).name"} {
			_, err := fhirpath.MustCompile(expr).Evaluate(strict, p)
			Expect(err).NotTo(HaveOccurred(), expr)
		}
	})
})

var _ = Describe("untyped input", func() {
	It("still compares FHIR date/times as date/times (per-1 on a bare Period map)", func() {
		per1 := fhirpath.MustCompile("start.hasValue().not() or end.hasValue().not() or (start <= end)")
		holds := func(start, end string) bool {
			ok, known, err := per1.EvaluateBool(nil, map[string]any{"start": start, "end": end})
			Expect(err).NotTo(HaveOccurred())
			Expect(known).To(BeTrue())
			return ok
		}
		Expect(holds("2020-01-01T10:00:00+01:00", "2020-01-01T09:30:00Z")).To(BeTrue(), "09:00Z is before 09:30Z")
		Expect(holds("2020-01-01T10:00:00-01:00", "2020-01-01T09:30:00Z")).To(BeFalse(), "11:00Z is after 09:30Z")
	})
})

var _ = Describe("walks of the whole resource", func() {
	It("give the same answer wherever they stand in an expression, and stay unaffected by what follows them", func() {
		p := decode(patientJSON)
		n := eval("%resource.descendants().count()", p)[0].(int64)
		Expect(n).To(BeNumerically(">", 20))
		Expect(eval("%resource.descendants().count() + %resource.descendants().where(false).count() + %resource.descendants().count()", p)).To(Equal([]any{2 * n}))
		Expect(eval("(%resource.descendants() | %resource.descendants().first()).count() = %resource.descendants().distinct().count()", p)).To(Equal([]any{true}))
		Expect(eval("%resource.descendants().combine('x').count() - %resource.descendants().count()", p)).To(Equal([]any{int64(1)}))
		Expect(eval("name.select(%resource.children().count())", p)).To(Equal([]any{eval("children().count()", p)[0], eval("children().count()", p)[0]}))
	})
})
