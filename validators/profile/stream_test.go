package profile_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// line writes a resource as one NDJSON line.
func line(res map[string]any) []byte {
	l, err := ndjsonLine(res)
	Expect(err).NotTo(HaveOccurred())
	return l
}

// lineRecord is the record a feed's line gives: its bytes and its map form.
func lineRecord(src []byte, i int) *model.Record {
	res, err := fhir.Decode(src)
	Expect(err).NotTo(HaveOccurred(), string(src))
	return &model.Record{Kind: model.KindFHIR, Source: "feed.ndjson", Line: i + 1, Index: int64(i),
		Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res, Raw: src}
}

// syntheaLines are the resources of the shared Synthea corpus, one line each.
func syntheaLines() [][]byte {
	lines, err := corpusLines()
	Expect(err).NotTo(HaveOccurred())
	Expect(lines).NotTo(BeEmpty())
	return lines
}

// containedAnchor is an Encounter (its id member idFirst before its contained
// resources, or idLast after them) holding an Organization whose narrative
// has link, and a Location with location.
func containedAnchor(idFirst, link, location, idLast string) string {
	if idFirst != "" {
		idFirst += ","
	}
	return `{"resourceType":"Encounter",` + idFirst + `"contained":[{"resourceType":"Organization","id":"o1","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Riverside ` + link + `</p></div>"},"name":"Riverside"},` +
		`{"resourceType":"Location","id":"l1",` + location + `}],` + idLast + `"status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"serviceProvider":{"reference":"#o1"},"location":[{"location":{"reference":"#l1"}}]}`
}

// streamRun holds the stream path to the map walk's findings, record by
// record, and counts what it proved.
type streamRun struct {
	e        *profile.Engine
	st       *profile.Streamer
	seen     map[string]int // records of a compiled type
	clean    map[string]int // proven clean by the stream path
	noFinds  map[string]int // with no finding from the map walk
	fallback map[string]int // why the stream path gave up, records without findings
}

func newStreamRun() *streamRun {
	e := newEngine()
	return &streamRun{e: e, st: profile.NewStreamer(e), seen: map[string]int{}, clean: map[string]int{},
		noFinds: map[string]int{}, fallback: map[string]int{}}
}

// compare checks one record both ways; a record the stream path proves
// clean must have no finding from the map walk, and evaluating its
// invariants must say the same of those it cannot evaluate.
func (r *streamRun) compare(rec *model.Record, what string) bool {
	var streamSink, mapSink profile.Sink
	clean, why := r.st.Check(rec, &streamSink)
	finds := r.e.ValidateRecord(rec, "", &mapSink)
	if why == "type not compiled" {
		return clean
	}
	r.seen[rec.Type]++
	if len(finds) == 0 {
		r.noFinds[rec.Type]++
	}
	if clean {
		r.clean[rec.Type]++
		Expect(finds).To(BeEmpty(), "proven clean by the stream path: %s", what)
		for k := range streamSink.Unevaluated {
			Expect(mapSink.Unevaluated).To(HaveKey(k), what)
		}
		// an implied profile's must-support coverage is counted as the map walk counts it
		Expect(streamSink.Coverage).To(Equal(mapSink.Coverage), what)
	} else if len(finds) == 0 {
		r.fallback[why]++
	}
	return clean
}

func (r *streamRun) report(label string) {
	types := make([]string, 0, len(r.seen))
	for t := range r.seen {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		GinkgoWriter.Printf("%s %s: %d records, %d without findings, %d proven clean\n", label, t, r.seen[t], r.noFinds[t], r.clean[t])
	}
	GinkgoWriter.Printf("%s: records without findings left to the map walk, by why: %v\n", label, r.fallback)
}

func (r *streamRun) total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

var _ = Describe("the stream path (issue 18's prototype)", func() {
	It("proves clean only records the map walk finds nothing in, on the Synthea corpus", func() {
		run := newStreamRun()
		for i, l := range syntheaLines() {
			run.compare(lineRecord(l, i), string(l))
		}
		run.report("synthea")
		Expect(run.total(run.seen)).To(BeNumerically(">", 10000))
		// Most Synthea records of the compiled types have no finding; the
		// stream path proves most of those (it leaves vital signs, whose
		// profile is implied, and extensions to the map walk).
		Expect(run.total(run.clean)).To(BeNumerically(">", run.total(run.noFinds)/2))
		Expect(run.clean["Encounter"]).To(Equal(run.noFinds["Encounter"]))
		Expect(run.clean["Patient"]).To(BeZero(), "Synthea's patients carry extensions")
	})

	It("proves clean only records the map walk finds nothing in, on generated feeds with and without seeded defects", func() {
		run := newStreamRun()
		defects, err := fixtures.ParseDefects("all", 1500)
		Expect(err).NotTo(HaveOccurred())
		for _, o := range []fixtures.Options{{Seed: 5, Records: 2000}, {Seed: 3, Records: 1500, Defects: defects}} {
			g, err := fixtures.New(o)
			Expect(err).NotTo(HaveOccurred())
			i := 0
			_, err = g.Generate(func(l []byte) error {
				src := slices.Clone(l)
				if _, err := fhir.Decode(src); err != nil {
					return nil // a seeded parse defect: no record to validate
				}
				run.compare(lineRecord(src, i), string(src))
				i++
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
		}
		run.report("generated")
		Expect(run.total(run.clean)).To(BeNumerically(">", run.total(run.noFinds)/2))
		Expect(run.total(run.clean)).To(BeNumerically("<", run.total(run.seen)), "seeded defects are left to the map walk")
	})

	It("leaves every randomly damaged record that has a finding to the map walk", func() {
		var bases [][]byte
		g, err := fixtures.New(fixtures.Options{Seed: 21, Records: 400})
		Expect(err).NotTo(HaveOccurred())
		_, err = g.Generate(func(l []byte) error {
			bases = append(bases, slices.Clone(l))
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
		bases = append(bases, syntheaLines()[:3000]...)
		run := newStreamRun()
		rng := rand.New(rand.NewPCG(20, 18))
		counts := map[[2]bool]int{} // proven clean, map walk findings
		for i := range 6000 {
			res, err := fhir.Decode(bases[rng.IntN(len(bases))])
			Expect(err).NotTo(HaveOccurred())
			harm(rng, res)
			src := line(res)
			rec := lineRecord(src, i)
			clean := run.compare(rec, string(src))
			counts[[2]bool{clean, len(run.e.ValidateRecord(rec, "", nil)) > 0}]++
		}
		GinkgoWriter.Printf("damaged: proven clean/map walk findings: %v\n", counts)
		Expect(counts[[2]bool{true, true}]).To(BeZero())
		Expect(counts[[2]bool{false, true}]).To(BeNumerically(">", 1500))
		Expect(counts[[2]bool{true, false}]).To(BeNumerically(">", 300), "harm that breaks no rule (a dropped optional element) is still proven")
	})

	DescribeTable("gives up on what it does not cover, and on every finding",
		func(src string, clean bool) {
			run := newStreamRun()
			rec := lineRecord([]byte(src), 0)
			ok, why := run.st.Check(rec, nil)
			Expect(ok).To(Equal(clean), "%s; the map walk's findings: %v", why, run.e.ValidateRecord(rec, "", nil))
			if !clean {
				Expect(why).NotTo(BeEmpty())
			}
			Expect(run.compare(rec, src)).To(Equal(clean))
		},
		Entry("a well-formed Encounter", `{"resourceType":"Encounter","id":"e1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/1"},"period":{"start":"2020-01-01T10:00:00Z","end":"2020-01-01T11:00:00Z"}}`, true),
		Entry("a well-formed Condition, its invariants on the members they name", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"code":{"text":"x"},"subject":{"reference":"Patient/1"},"abatementDateTime":"2020-02-01"}`, true),
		Entry("con-4: abated but active", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"text":"x"},"subject":{"reference":"Patient/1"},"abatementDateTime":"2020-02-01"}`, false),
		Entry("a required element absent", `{"resourceType":"Encounter","class":{"code":"AMB"}}`, false),
		Entry("a code outside its required binding", `{"resourceType":"Encounter","status":"done","class":{"code":"AMB"}}`, false),
		Entry("a bad dateTime", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"period":{"start":"2020-13-01"}}`, false),
		Entry("per-1: a period that ends before it starts", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"period":{"start":"2020-01-02","end":"2020-01-01"}}`, false),
		Entry("a bound CodeableConcept with one coding in its value set among others", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://example.org/local","code":"x"},{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"text":"x"},"subject":{"reference":"Patient/1"}}`, true),
		Entry("a bound CodeableConcept with text alone", `{"resourceType":"Condition","clinicalStatus":{"text":"active"},"code":{"text":"x"},"subject":{"reference":"Patient/1"}}`, true),
		Entry("a bound CodeableConcept with no coding in its value set", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"gone"}]},"code":{"text":"x"},"subject":{"reference":"Patient/1"}}`, false),
		Entry("an extensible binding none of whose codings is in its value set", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"hospitalization":{"admitSource":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/admit-source","code":"nowhere"}]}}}`, false),
		Entry("per-1: bounds of different precisions (left to the map walk)", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"period":{"start":"2020-01-01","end":"2020-01-01T10:00:00Z"}}`, false),
		Entry("per-1: a period with a start only", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"period":{"start":"2020-01-01T10:00:00Z"}}`, true),
		Entry("qty-3: a Quantity coded without a system", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"code":"mg"}}`, false),
		Entry("qty-3: a Quantity with neither code nor system", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"unit":"a unit"}}`, true),
		Entry("cpt-2: a telecom value without a system", `{"resourceType":"Practitioner","telecom":[{"value":"555-0100"}]}`, false),
		Entry("cpt-2: a telecom with a system and no value", `{"resourceType":"Practitioner","telecom":[{"system":"phone","use":"work"}]}`, true),
		Entry("an unknown element", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"bogus":1}`, false),
		Entry("a single value for a repeating element", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"type":{"text":"x"}}`, false),
		Entry("an empty array", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"type":[]}`, false),
		Entry("a reference to a type the element does not allow", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Observation/1"}}`, false),
		Entry("a local Coding system", `{"resourceType":"Encounter","status":"finished","class":{"system":"local","code":"AMB"}}`, false),
		Entry("an extension (left to the map walk)", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare","valueReference":{"reference":"EpisodeOfCare/1"}}]}`, false),
		Entry("a claimed profile (left to the map walk)", `{"resourceType":"Encounter","meta":{"profile":["http://example.org/p"]},"status":"finished","class":{"code":"AMB"}}`, false),
		Entry("a heart rate, held to its implied profile", heartRate(`"valueQuantity":{"value":60,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}`), true),
		Entry("a heart rate in a unit its profile does not fix", heartRate(`"valueQuantity":{"value":1,"unit":"Hz","system":"http://unitsofmeasure.org","code":"Hz"}`), false),
		Entry("a heart rate without a value or a reason", heartRate(`"note":[{"text":"x"}]`), false),
		Entry("a blood pressure with both components", bloodPressure(`{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}`), true),
		Entry("a blood pressure without its diastolic component", bloodPressure(`{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}`), false),
		Entry("a vital sign without its category", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/1"},"valueQuantity":{"value":60,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}`, false),
		Entry("an Observation that is no vital sign", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/1"},"valueQuantity":{"value":5.4,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}}`, true),
		Entry("obs-6: a value and a data-absent reason", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","dataAbsentReason":{"text":"x"}}`, false),
		Entry("two types of one choice", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","valueBoolean":true}`, false),
		Entry("a key written twice", `{"resourceType":"Observation","status":"final","status":"final","code":{"text":"x"}}`, false),
		Entry("a unicode escape (left to the map walk)", `{"resourceType":"Observation","status":"final","code":{"text":"\u00e9"}}`, false),
		Entry("security labels (left to the map walk, which holds them to a set)", `{"resourceType":"Encounter","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},"status":"finished","class":{"code":"AMB"}}`, false),
		Entry("con-5: entered in error with a clinical status", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"entered-in-error"}]},"code":{"text":"x"},"subject":{"reference":"Patient/1"}}`, false),
		Entry("obs-7: a component coded as the Observation, with a value", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"valueString":"a","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"valueString":"b"}]}`, false),
		Entry("a Reference with only a display", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"serviceProvider":{"display":"Riverside clinic"}}`, true),
		Entry("a Reference with a type and a display", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"serviceProvider":{"type":"Organization","display":"Riverside clinic"}}`, true),
		Entry("a Reference with nothing but a type", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"serviceProvider":{"type":"Organization"}}`, false),
		Entry("a Reference with an empty display", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"serviceProvider":{"display":""}}`, false),
		Entry("a Reference by identifier alone (left to the map walk)", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"serviceProvider":{"identifier":{"system":"http://example.org/orgs","value":"7"}}}`, false),
		Entry("a contained resource the record refers to", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, true),
		Entry("two contained resources, one referred to from the other", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside"},{"resourceType":"Location","id":"l1","name":"Ward 3","managingOrganization":{"reference":"#o1"}}],"status":"finished","class":{"code":"AMB"},"location":[{"location":{"reference":"#l1"}}]}`, true),
		Entry("a contained resource that refers to its container", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside","partOf":{"reference":"#"}}],"status":"finished","class":{"code":"AMB"}}`, true),
		Entry("a contained resource with a coded value", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/organization-type","code":"prov"}]}],"name":"Riverside"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, true),
		Entry("dom-3: a contained resource nothing refers to", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside"}],"status":"finished","class":{"code":"AMB"}}`, false),
		Entry("a contained resource referred to before it comes (left to the map walk)", `{"resourceType":"Encounter","id":"e1","serviceProvider":{"reference":"#o1"},"status":"finished","class":{"code":"AMB"},"contained":[{"resourceType":"Organization","id":"o1","name":"Riverside"}]}`, false),
		Entry("two contained resources with one id", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside"},{"resourceType":"Organization","id":"o1","name":"Riverside"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("a contained resource without an id", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","name":"Riverside","partOf":{"reference":"#"}}],"status":"finished","class":{"code":"AMB"}}`, false),
		Entry("dom-2: a contained resource that contains another", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","contained":[{"resourceType":"Organization","id":"o2","name":"x"}],"name":"Riverside","partOf":{"reference":"#o2"}}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("dom-4: a contained resource with a version", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","meta":{"versionId":"2"},"name":"Riverside"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("a contained resource breaking a rule of its own type", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","active":"yes","name":"Riverside"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("a contained resource with an unknown element", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside","bogus":true}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("a contained resource of no known type", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Clinic","id":"o1","name":"Riverside"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("contained written as one object, not an array", `{"resourceType":"Encounter","id":"e1","contained":{"resourceType":"Organization","id":"o1","name":"Riverside"},"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		// A contained resource's narrative links are looked for in the record's
		// resource too (walker.anchors), whose own id the decoded contained
		// resources alone do not hold.
		Entry("a contained narrative's image whose id the record and another contained resource both have", containedAnchor(`"id":"x"`, `<img src=\"#x\" alt=\"logo\"/>`, `"telecom":[{"id":"x","system":"phone","value":"555-0100"}]`, ``), false),
		Entry("a contained narrative's link whose id the record and another contained resource both have", containedAnchor(`"id":"x"`, `<a href=\"#x\">the visit</a>`, `"telecom":[{"id":"x","system":"phone","value":"555-0100"}]`, ``), false),
		Entry("a contained narrative's link to the record's id", containedAnchor(`"id":"x"`, `<a href=\"#x\">the visit</a>`, `"name":"Ward 3"`, ``), true),
		Entry("the record's id after its contained resources (left to the map walk)", containedAnchor(``, `<img src=\"#x\" alt=\"logo\"/>`, `"telecom":[{"id":"x","system":"phone","value":"555-0100"}]`, `"id":"x",`), false),
		Entry("a contained resource with a key written twice (left to the map walk)", `{"resourceType":"Encounter","id":"e1","contained":[{"resourceType":"Organization","id":"o1","name":"Riverside","name":"Oakfield"}],"status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"#o1"}}`, false),
		Entry("a local reference to a contained resource that is not there", `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"subject":{"reference":"#p"}}`, false),
		Entry("an Organization", `{"resourceType":"Organization","active":true,"name":"x","telecom":[{"system":"phone","value":"555-0100"}]}`, true),
		Entry("a type whose rules the scan does not cover (left to the map walk)", `{"resourceType":"Questionnaire","status":"active"}`, false),
	)
})

// heartRate is a heart rate Observation with the given value members.
func heartRate(value string) string {
	return `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2020-01-01T10:00:00Z",` + value + `}`
}

// bloodPressure is a blood pressure panel with the given components.
func bloodPressure(components string) string {
	return `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2020-01-01","component":[` + components + `]}`
}

// harm does one random thing to a resource that a supplier's feed might:
// drop, rename or duplicate an element, change a value's JSON kind, empty
// an object or an array, or spoil a string's form.
func harm(rng *rand.Rand, res map[string]any) {
	var spots []func()
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			spots = append(spots, func() { set(map[string]any{}) }, func() { x["unknownThing"] = true })
			for _, k := range keys {
				if k == "resourceType" {
					continue
				}
				spots = append(spots,
					func() { delete(x, k) },
					func() { x[k+"X"] = x[k]; delete(x, k) },
					func() { x[k] = []any{x[k]} },
				)
				walk(x[k], func(n any) { x[k] = n })
			}
		case []any:
			spots = append(spots, func() { set([]any{}) }, func() { set(x[0]) })
			for i := range x {
				walk(x[i], func(n any) { x[i] = n })
			}
		case string:
			spots = append(spots, func() { set(x + " ") }, func() { set(" ") }, func() { set(json.Number("1")) },
				func() { set(fmt.Sprintf("%s-13-40", x)) }, func() { set("Patient/" + x) })
		default:
			spots = append(spots, func() { set("text") }, func() { set(map[string]any{"value": v}) })
		}
	}
	walk(res, func(any) {})
	spots[rng.IntN(len(spots))]()
}
