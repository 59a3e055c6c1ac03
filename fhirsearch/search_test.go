package fhirsearch_test

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirsearch"
)

func resource(js string) map[string]any {
	res, err := fhir.Decode([]byte(js))
	Expect(err).NotTo(HaveOccurred())
	return res
}

var patient = `{"resourceType":"Patient","id":"pat-1","gender":"female","birthDate":"1980-05-17","active":true,
  "meta":{"lastUpdated":"2025-03-04T10:00:00Z"},
  "name":[{"family":"Ó Briain","given":["Siobhán","Mary"]}],
  "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],
  "managingOrganization":{"reference":"Organization/org-1"}}`

var encounter = `{"resourceType":"Encounter","id":"enc-1","status":"finished",
  "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
  "subject":{"reference":"Patient/pat-1"},
  "period":{"start":"2025-08-14T10:00:00Z","end":"2025-08-16T01:00:00Z"}}`

var observation = `{"resourceType":"Observation","id":"obs-1","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},
  "subject":{"reference":"Patient/pat-1"},"effectiveDateTime":"2025-08-14T10:59:00Z"}`

var glucose = `{"resourceType":"Observation","id":"obs-2","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"15074-8"}]},
  "valueQuantity":{"value":5.4,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}`

var bloodPressure = `{"resourceType":"Observation","id":"obs-3","status":"final","code":{"text":"blood pressure"},
  "component":[{"code":{"text":"systolic"},"valueQuantity":{"value":128,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
    {"code":{"text":"diastolic"},"valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`

var stay = `{"resourceType":"Encounter","id":"enc-2","status":"finished","class":{"code":"IMP"},
  "length":{"value":3,"unit":"days","system":"http://unitsofmeasure.org","code":"d"}}`

var onsetAge = `{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/pat-1"},
  "onsetAge":{"value":42,"unit":"years","system":"http://unitsofmeasure.org","code":"a"}}`

var profiled = `{"resourceType":"Patient","id":"p","meta":{"profile":["https://fhir.example.org/StructureDefinition/Patient"]}}`

var _ = Describe("search parameters", func() {
	DescribeTable("match resources as FHIR defines",
		func(js, typ, query string, want bool) {
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			cs, err := fhirsearch.Parse(typ, q)
			Expect(err).NotTo(HaveOccurred())
			Expect(fhirsearch.Match(resource(js), cs)).To(Equal(want))
		},
		Entry("token code", patient, "Patient", "gender=female", true),
		Entry("token code, other value", patient, "Patient", "gender=male", false),
		Entry("token, any of a comma list", patient, "Patient", "gender=male,female", true),
		Entry("token boolean", patient, "Patient", "active=true", true),
		Entry("token identifier system|value", patient, "Patient", "identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919", true),
		Entry("token identifier, wrong system", patient, "Patient", "identifier=urn:other|9434765919", false),
		Entry("token identifier value only", patient, "Patient", "identifier=9434765919", true),
		Entry("token CodeableConcept system|code", observation, "Observation", "code=http://loinc.org|8310-5", true),
		Entry("token CodeableConcept code only", observation, "Observation", "code=8310-5", true),
		Entry("token CodeableConcept other code", observation, "Observation", "code=http://loinc.org|29463-7", false),
		Entry("token Coding", encounter, "Encounter", "class=AMB", true),
		Entry("string prefix, case and accent insensitive", patient, "Patient", "family=o briain", true),
		Entry("string on any given name", patient, "Patient", "given=mar", true),
		Entry("string does not match in the middle", patient, "Patient", "family=briain", false),
		Entry("string :exact", patient, "Patient", "family:exact=Ó Briain", true),
		Entry("string :exact is case sensitive", patient, "Patient", "family:exact=ó briain", false),
		Entry("reference Type/id", observation, "Observation", "patient=Patient/pat-1", true),
		Entry("reference bare id", observation, "Observation", "patient=pat-1", true),
		Entry("reference other id", observation, "Observation", "subject=pat-2", false),
		Entry("date at day precision", patient, "Patient", "birthdate=1980-05-17", true),
		Entry("date at year precision", patient, "Patient", "birthdate=1980", true),
		Entry("date other day", patient, "Patient", "birthdate=1980-05-18", false),
		Entry("date gt", patient, "Patient", "birthdate=gt1979-12-31", true),
		Entry("date lt", patient, "Patient", "birthdate=lt1980-05-17", false),
		Entry("date ge on the day", patient, "Patient", "birthdate=ge1980-05-17", true),
		Entry("date le on the day", patient, "Patient", "birthdate=le1980-05-17", true),
		Entry("date ne", patient, "Patient", "birthdate=ne1980-05-17", false),
		Entry("dateTime within a day", observation, "Observation", "date=2025-08-14", true),
		Entry("Period overlapping gt", encounter, "Encounter", "date=gt2025-08-15", true),
		Entry("Period entirely before sa", encounter, "Encounter", "date=sa2025-08-17", false),
		Entry("Period eb a later date", encounter, "Encounter", "date=eb2025-09-01", true),
		Entry("quantity eq", glucose, "Observation", "value-quantity=5.4", true),
		Entry("quantity eq within the search number's precision", glucose, "Observation", "value-quantity=5", true),
		Entry("quantity eq outside it", glucose, "Observation", "value-quantity=5.41", false),
		Entry("quantity eq, another value", glucose, "Observation", "value-quantity=5.5", false),
		Entry("quantity gt below", glucose, "Observation", "value-quantity=gt5.3", true),
		Entry("quantity gt at the value", glucose, "Observation", "value-quantity=gt5.4", false),
		Entry("quantity lt at the value", glucose, "Observation", "value-quantity=lt5.4", false),
		Entry("quantity lt above", glucose, "Observation", "value-quantity=lt10", true),
		Entry("quantity ge at the value", glucose, "Observation", "value-quantity=ge5.4", true),
		Entry("quantity le at the value", glucose, "Observation", "value-quantity=le5.40", true),
		Entry("quantity le below", glucose, "Observation", "value-quantity=le5.39", false),
		Entry("quantity ne", glucose, "Observation", "value-quantity=ne5.4", false),
		Entry("quantity ap within 10%", glucose, "Observation", "value-quantity=ap5.0", true),
		Entry("quantity with system and code", glucose, "Observation", "value-quantity=5.4|http://unitsofmeasure.org|mmol/L", true),
		Entry("quantity with another code", glucose, "Observation", "value-quantity=5.4|http://unitsofmeasure.org|mg/dL", false),
		Entry("quantity with code only", glucose, "Observation", "value-quantity=5.4||mmol/L", true),
		Entry("quantity on a resource without one", observation, "Observation", "value-quantity=ge0", false),
		// Quantity parameters come from the core SearchParameters, paths
		// and all: components, choices of other quantity types, Money.
		Entry("component-value-quantity", bloodPressure, "Observation", "component-value-quantity=ge120||mm[Hg]", true),
		Entry("component-value-quantity, another unit", bloodPressure, "Observation", "component-value-quantity=ge120||kPa", false),
		Entry("combo-value-quantity on a component", bloodPressure, "Observation", "combo-value-quantity=80|http://unitsofmeasure.org|mm[Hg]", true),
		Entry("combo-value-quantity on the value", glucose, "Observation", "combo-value-quantity=5.4||mmol/L", true),
		Entry("value-quantity does not reach components", bloodPressure, "Observation", "value-quantity=ge0", false),
		Entry("Encounter length with units", stay, "Encounter", "length=gt1|http://unitsofmeasure.org|d", true),
		Entry("Encounter length, another unit", stay, "Encounter", "length=gt1||h", false),
		Entry("Condition onset-age (Age)", onsetAge, "Condition", "onset-age=le50||a", true),
		Entry("Condition onset-age, lt", onsetAge, "Condition", "onset-age=lt42", false),
		Entry(":missing=false of an element held", patient, "Patient", "gender:missing=false", true),
		Entry(":missing=true of an element held", patient, "Patient", "gender:missing=true", false),
		Entry(":missing=true of an element absent", patient, "Patient", "address-postalcode:missing=true", true),
		Entry(":missing=false of an element absent", encounter, "Encounter", "practitioner:missing=false", false),
		Entry(":not of another code", patient, "Patient", "gender:not=male", true),
		Entry(":not of its own code", patient, "Patient", "gender:not=female", false),
		Entry(":not of any of two codes", patient, "Patient", "gender:not=male,female", false),
		Entry(":not where the element is absent", glucose, "Observation", "category:not=vital-signs", true),
		Entry(":not with system|code", observation, "Observation", "code:not=http://loinc.org|8310-5", false),
		Entry(":contains in the middle, case and accent insensitive", patient, "Patient", "family:contains=BRIA", true),
		Entry(":contains of what it does not hold", patient, "Patient", "family:contains=xyz", false),
		Entry(":text on a Coding's display, a prefix, case and accent insensitive", `{"resourceType":"Observation","id":"o","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8310-5","display":"Body température"}]}}`, "Observation", "code:text=BODY TEMP", true),
		Entry(":text on a CodeableConcept's text", bloodPressure, "Observation", "code:text=blood", true),
		Entry(":text is a prefix, not a substring", bloodPressure, "Observation", "code:text=pressure", false),
		Entry(":text is not the code", observation, "Observation", "code:text=8310", false),
		Entry(":text of a plain code has no text", patient, "Patient", "gender:text=fem", false),
		Entry(":text on an Identifier's type text", `{"resourceType":"Patient","id":"p","identifier":[{"type":{"text":"Hospital number"},"value":"H1"}]}`, "Patient", "identifier:text=hospital", true),
		Entry("uri, exact", profiled, "Patient", "_profile=https://fhir.example.org/StructureDefinition/Patient", true),
		Entry("uri, not a prefix without :below", profiled, "Patient", "_profile=https://fhir.example.org/StructureDefinition", false),
		Entry("uri :below a base, by whole segments", profiled, "Patient", "_profile:below=https://fhir.example.org/StructureDefinition/", true),
		Entry("uri :below a string prefix, R4's \"starts with\"", profiled, "Patient", "_profile:below=https://fhir.example.org/Structure", true),
		Entry("uri :below, a base with a trailing slash holds the uri without it, by segments", profiled, "Patient", "_profile:below=https://fhir.example.org/StructureDefinition/Patient/", true),
		Entry("uri :below of another branch", profiled, "Patient", "_profile:below=https://fhir.example.org/ValueSet", false),
		Entry("uri :above, a string prefix of the value", profiled, "Patient", "_profile:above=https://fhir.example.org/StructureDefinition/PatientX", true),
		Entry("uri :above of a longer uri", profiled, "Patient", "_profile:above=https://fhir.example.org/StructureDefinition/Patient/_history/2", true),
		Entry("uri :above of another branch", profiled, "Patient", "_profile:above=https://fhir.example.org/StructureDefinition/Practitioner", false),
		Entry("_id", patient, "Patient", "_id=pat-1", true),
		Entry("_lastUpdated ge", patient, "Patient", "_lastUpdated=ge2025-01-01", true),
		Entry("criteria combine with AND", observation, "Observation", "patient=pat-1&code=29463-7", false),
		Entry("control parameters are ignored", patient, "Patient", "gender=female&_count=5&_sort=family", true),
		Entry("a missing element never matches", encounter, "Encounter", "practitioner=Practitioner/p1", false),
	)

	DescribeTable("refuses what a server must answer with 400",
		func(typ, query, msg string) {
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			_, err = fhirsearch.Parse(typ, q)
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("unknown parameter", "Patient", "colour=blue", `unknown search parameter "colour" for Patient`),
		Entry("malformed date", "Patient", "_lastUpdated=not-a-date", `"not-a-date" is not a FHIR date`),
		Entry("a chain naming no parameter of its target", "Observation", "subject:Patient.colour=blue", `search parameter "subject:Patient.colour": unknown search parameter "colour" for Patient`),
		Entry("a chain's second step naming no parameter of its target", "Observation", "subject:Patient.organization.colour=x", `unknown search parameter "colour" for Organization`),
		Entry("unsupported modifier", "Patient", "gender:of-type=male", `modifier "of-type" is not supported`),
		Entry(":above on a string", "Patient", "family:above=x", `modifier "above" is not supported`),
		Entry(":in on a string", "Patient", "family:in=http://hl7.org/fhir/ValueSet/x", `modifier "in" is not supported`),
		Entry(":not-in on a date", "Patient", "birthdate:not-in=http://hl7.org/fhir/ValueSet/x", `modifier "not-in" is not supported`),
		Entry(":below on a string", "Patient", "family:below=x", `modifier "below" is not supported`),
		Entry(":text on a string", "Patient", "family:text=x", `modifier "text" is not supported`),
		Entry(":not on a string", "Patient", "family:not=x", `modifier "not" is not supported`),
		Entry(":contains on a token", "Patient", "gender:contains=ma", `modifier "contains" is not supported`),
		Entry(":missing without true or false", "Patient", "gender:missing=maybe", `:missing takes true or false, not "maybe"`),
		Entry("empty value", "Patient", "gender=", "empty value"),
		Entry("quantity without a number", "Observation", "value-quantity=gtabc", `"abc" is not a quantity`),
	)

	It("lists each type's parameters, sorted, with the common ones", func() {
		var names []string
		for _, p := range fhirsearch.Params("Condition") {
			names = append(names, p.Name)
		}
		Expect(names).To(Equal([]string{"_id", "_lastUpdated", "_profile", "abatement-age", "clinical-status", "code", "onset-age", "onset-date", "patient", "recorded-date", "subject", "verification-status"}))
	})

	It("takes the quantity parameters and their paths from the core SearchParameter definitions", func() {
		p, ok := fhirsearch.Lookup("Observation", "combo-value-quantity")
		Expect(ok).To(BeTrue())
		Expect(p.Kind).To(Equal(fhirsearch.Quantity))
		Expect(p.Paths).To(Equal([]string{"valueQuantity", "component.valueQuantity"}))
		Expect(p.Unjudged).To(Equal([]string{"valueSampledData", "component.valueSampledData"}))
		p, ok = fhirsearch.Lookup("Substance", "quantity")
		Expect(ok).To(BeTrue())
		Expect(p.Paths).To(Equal([]string{"instance.quantity"}))
		// context-quantity is defined for many bases at once: each has its own.
		p, ok = fhirsearch.Lookup("ValueSet", "context-quantity")
		Expect(ok).To(BeTrue())
		Expect(p.Paths).To(Equal([]string{"useContext.valueQuantity"}))
	})

	It("does not judge a quantity search on a value it does not compare (a Range onset)", func() {
		cs, err := fhirsearch.Parse("Condition", url.Values{"onset-age": {"ge40"}})
		Expect(err).NotTo(HaveOccurred())
		ranged := resource(`{"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/pat-1"},"onsetRange":{"low":{"value":30,"code":"a"},"high":{"value":50,"code":"a"}}}`)
		matched, judged := fhirsearch.MatchWith(ranged, cs, nil)
		Expect([]bool{matched, judged}).To(Equal([]bool{false, false}))
		matched, judged = fhirsearch.MatchWith(resource(onsetAge), cs, nil)
		Expect([]bool{matched, judged}).To(Equal([]bool{true, true}))
	})
})

// terms is a terminology of one value set of two LOINC codes (any other
// system it cannot place) and one code system whose hierarchy it holds:
// disorder > heart > failure, and disorder > lung.
type terms struct{}

func (terms) Contains(vs, system, code string) (bool, bool) {
	if vs != "http://example.org/vs/vitals" || system != "http://loinc.org" {
		return false, false
	}
	return code == "8867-4" || code == "9279-1", true
}

func (terms) Subsumes(system, ancestor, code string) (bool, bool) {
	if system != "http://example.org/cs" {
		return false, false
	}
	parent := map[string]string{"heart": "disorder", "failure": "heart", "lung": "disorder"}
	for c := code; c != ""; c = parent[c] {
		if c == ancestor {
			return true, true
		}
	}
	return false, true
}

var _ = Describe(":in and :not-in", func() {
	members := terms{}
	obs := func(codings string) map[string]any {
		return resource(`{"resourceType":"Observation","id":"o","status":"final","code":{"coding":[` + codings + `]}}`)
	}
	heart := `{"system":"http://loinc.org","code":"8867-4"}`
	glucose := `{"system":"http://loinc.org","code":"2339-0"}`
	local := `{"system":"http://example.org/local","code":"x"}`
	DescribeTable("are judged with a terminology",
		func(query string, res map[string]any, matched, judged bool) {
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			cs, err := fhirsearch.Parse("Observation", q)
			Expect(err).NotTo(HaveOccurred())
			ok, sure := fhirsearch.MatchWith(res, fhirsearch.WithTerminology(cs, members), nil)
			Expect([]bool{ok, sure}).To(Equal([]bool{matched, judged}))
		},
		Entry(":in, a code in the value set", "code:in=http://example.org/vs/vitals", obs(heart), true, true),
		Entry(":in, a code out of it", "code:in=http://example.org/vs/vitals", obs(glucose), false, true),
		Entry(":in, one coding of two in it", "code:in=http://example.org/vs/vitals", obs(glucose+","+heart), true, true),
		Entry(":in, a code it cannot place", "code:in=http://example.org/vs/vitals", obs(local), false, false),
		Entry(":in, a known member decides over an unknown code", "code:in=http://example.org/vs/vitals", obs(local+","+heart), true, true),
		Entry(":in of a value set it cannot expand", "code:in=http://example.org/vs/other", obs(heart), false, false),
		Entry(":in, several value sets are alternatives", "code:in=http://example.org/vs/other,http://example.org/vs/vitals", obs(heart), true, true),
		Entry(":not-in, a code out of it", "code:not-in=http://example.org/vs/vitals", obs(glucose), true, true),
		Entry(":not-in, a code in it", "code:not-in=http://example.org/vs/vitals", obs(glucose+","+heart), false, true),
		Entry(":not-in, a code it cannot place", "code:not-in=http://example.org/vs/vitals", obs(glucose+","+local), false, false),
		Entry(":not-in, no code at all matches", "code:not-in=http://example.org/vs/vitals", resource(`{"resourceType":"Observation","id":"o","status":"final"}`), true, true),
		Entry(":in, no code at all does not", "code:in=http://example.org/vs/vitals", resource(`{"resourceType":"Observation","id":"o","status":"final"}`), false, true),
	)

	It("does not judge them without a terminology, and Match finds nothing", func() {
		cs, err := fhirsearch.Parse("Observation", url.Values{"code:in": {"http://example.org/vs/vitals"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(cs[0].NeedsTerminology()).To(BeTrue())
		_, sure := fhirsearch.MatchWith(obs(heart), cs, nil)
		Expect(sure).To(BeFalse())
		Expect(fhirsearch.Match(obs(heart), cs)).To(BeFalse())
		Expect(fhirsearch.Match(obs(heart), fhirsearch.WithTerminology(cs, members))).To(BeTrue())
	})
})

var _ = Describe(":above and :below on tokens", func() {
	cond := func(codings string) map[string]any {
		return resource(`{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},"code":{"coding":[` + codings + `]}}`)
	}
	coding := func(system, code string) string {
		return `{"system":"` + system + `","code":"` + code + `"}`
	}
	cs := "http://example.org/cs"
	DescribeTable("are judged by the code system's hierarchy",
		func(query string, res map[string]any, matched, judged bool) {
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			crit, err := fhirsearch.Parse("Condition", q)
			Expect(err).NotTo(HaveOccurred())
			Expect(crit[0].NeedsTerminology()).To(BeTrue())
			ok, sure := fhirsearch.MatchWith(res, fhirsearch.WithTerminology(crit, terms{}), nil)
			Expect([]bool{ok, sure}).To(Equal([]bool{matched, judged}))
		},
		Entry(":below, the code itself", "code:below="+cs+"|heart", cond(coding(cs, "heart")), true, true),
		Entry(":below, a grandchild", "code:below="+cs+"|disorder", cond(coding(cs, "failure")), true, true),
		Entry(":below, a sibling's branch", "code:below="+cs+"|heart", cond(coding(cs, "lung")), false, true),
		Entry(":below, a parent is not below", "code:below="+cs+"|heart", cond(coding(cs, "disorder")), false, true),
		Entry(":above, a parent", "code:above="+cs+"|failure", cond(coding(cs, "heart")), true, true),
		Entry(":above, a child is not above", "code:above="+cs+"|heart", cond(coding(cs, "failure")), false, true),
		Entry(":below, one coding of two", "code:below="+cs+"|heart", cond(coding(cs, "lung")+","+coding(cs, "failure")), true, true),
		Entry(":below, values are alternatives", "code:below="+cs+"|lung,"+cs+"|heart", cond(coding(cs, "failure")), true, true),
		Entry(":below, another system never subsumes", "code:below="+cs+"|heart", cond(coding("http://example.org/other", "heart")), false, true),
		Entry(":below, a hierarchy it does not hold", "code:below=http://example.org/flat|x", cond(coding("http://example.org/flat", "x")), false, false),
		Entry(":below, a coding without a system", "code:below="+cs+"|heart", cond(`{"code":"heart"}`), false, false),
		Entry(":below, a value without a system names no hierarchy", "code:below=heart", cond(coding(cs, "heart")), false, false),
		Entry(":below, no code at all does not match", "code:below="+cs+"|heart", resource(`{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"}}`), false, true),
	)

	It("does not judge them without a terminology", func() {
		crit, err := fhirsearch.Parse("Condition", url.Values{"code:below": {cs + "|heart"}})
		Expect(err).NotTo(HaveOccurred())
		_, sure := fhirsearch.MatchWith(cond(coding(cs, "heart")), crit, nil)
		Expect(sure).To(BeFalse())
	})
})

var _ = Describe("chained parameters", func() {
	obs := resource(`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/pat-1"}}`)
	pat := resource(patient)
	org := resource(`{"resourceType":"Organization","id":"org-1","name":"Riverside Practice"}`)
	resolve := func(ref string) map[string]any {
		switch ref {
		case "Patient/pat-1":
			return pat
		case "Organization/org-1":
			return org
		}
		return nil
	}

	DescribeTable("are judged on the referenced resource",
		func(name, value string, want bool) {
			cs, err := fhirsearch.Parse("Observation", url.Values{name: {value}})
			Expect(err).NotTo(HaveOccurred())
			Expect(cs).To(HaveLen(1))
			Expect(cs[0].Name()).To(Equal(name))
			ok, judged := fhirsearch.MatchWith(obs, cs, resolve)
			Expect(judged).To(BeTrue())
			Expect(ok).To(Equal(want))
		},
		Entry("typed, matching", "subject:Patient.gender", "female", true),
		Entry("typed, not matching", "subject:Patient.gender", "male", false),
		Entry("implied by the parameter", "patient.family", "Ó Bri", true),
		Entry("untyped, on whatever the reference resolves to", "subject.birthdate", "ge1980", true),
		Entry("another type than the reference's", "subject:Organization.name", "x", false),
		Entry("two steps, typed, matching", "subject:Patient.organization:Organization.name", "river", true),
		Entry("two steps, typed, not matching", "subject:Patient.organization:Organization.name", "hillside", false),
		Entry("two steps, implied and untyped", "patient.organization.name", "Riverside", true),
		Entry("two steps, the second through another type than its reference's", "subject:Patient.organization:Practitioner.name", "Riverside", false),
	)

	It("does not judge a longer chain whose second reference is not at hand", func() {
		cs, err := fhirsearch.Parse("Observation", url.Values{"subject:Patient.organization:Organization.name": {"river"}})
		Expect(err).NotTo(HaveOccurred())
		onlyPatient := func(ref string) map[string]any {
			if ref == "Patient/pat-1" {
				return pat
			}
			return nil
		}
		matched, judged := fhirsearch.MatchWith(obs, cs, onlyPatient)
		Expect([]bool{matched, judged}).To(Equal([]bool{false, false}))
	})

	It("does not judge an untyped chain on a resolved type whose parameter carecert does not know", func() {
		cs, err := fhirsearch.Parse("Observation", url.Values{"subject.name": {"Ward"}})
		Expect(err).NotTo(HaveOccurred())
		atWard := resource(`{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"x"},"subject":{"reference":"Location/loc-1"}}`)
		ward := resource(`{"resourceType":"Location","id":"loc-1","name":"Ward 4"}`)
		matched, judged := fhirsearch.MatchWith(atWard, cs, func(string) map[string]any { return ward })
		Expect([]bool{matched, judged}).To(Equal([]bool{false, false}))
	})

	It("says when the referenced resource is not at hand, and refuses what it cannot evaluate", func() {
		cs, err := fhirsearch.Parse("Observation", url.Values{"subject:Patient.gender": {"female"}})
		Expect(err).NotTo(HaveOccurred())
		_, judged := fhirsearch.MatchWith(obs, cs, nil)
		Expect(judged).To(BeFalse())
		Expect(fhirsearch.Match(obs, cs)).To(BeFalse())
		for _, name := range []string{"subject:Patient.colour", "code.text", "subject:Patient.organization:Organization.colour", "subject:Patient.gender.name"} {
			_, err := fhirsearch.Parse("Observation", url.Values{name: {"x"}})
			Expect(err).To(HaveOccurred(), name)
		}
	})

	DescribeTable("ReferenceTarget reads the type and id a resolver looks up",
		func(ref, typ, id string, ok bool) {
			gotTyp, gotID, gotOK := fhirsearch.ReferenceTarget(ref)
			Expect([]any{gotTyp, gotID, gotOK}).To(Equal([]any{typ, id, ok}))
		},
		Entry("relative", "Patient/pat-1", "Patient", "pat-1", true),
		Entry("absolute, versioned", "http://x.org/fhir/Patient/pat-1/_history/2", "Patient", "pat-1", true),
		Entry("a bare id", "pat-1", "", "", false),
	)
})
