package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// heldSystems are code systems of our own, loaded as a guide's would be:
// a complete one (with a designation), a supplement, an example and a
// fragment.
var heldSystems = []map[string]any{
	{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/beds", "version": "2", "name": "Beds", "status": "active", "content": "complete",
		"concept": []any{
			map[string]any{"code": "icu", "display": "Intensive care", "designation": []any{map[string]any{"language": "de", "value": "Intensivstation"}}},
			map[string]any{"code": "ward", "display": "Ward bed"},
			map[string]any{"code": "cot"}}},
	{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/beds-de", "name": "BedsDE", "status": "active", "content": "supplement",
		"supplements": "http://example.org/fhir/CodeSystem/beds", "concept": []any{map[string]any{"code": "icu", "display": "Intensiv"}}},
	{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/sample", "name": "Sample", "status": "active", "content": "example",
		"concept": []any{map[string]any{"code": "s1"}}},
	{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/part", "name": "Part", "status": "active", "content": "fragment",
		"concept": []any{map[string]any{"code": "p1"}}},
}

// composeOf is a ValueSet whose compose has the given include clauses and
// which carries the given contained resources ("" for none).
func composeOf(contained, includes string) string {
	c := ""
	if contained != "" {
		c = `"contained": [` + contained + `], `
	}
	return `{"resourceType": "ValueSet", "id": "vs", "url": "http://example.org/fhir/ValueSet/vs", "name": "VS", "status": "draft", ` + c + `"compose": {"include": [` + includes + `]}}`
}

var _ = Describe("ValueSet compose: what a clause names exists and can be drawn from", func() {
	e := newEngine(heldSystems...)
	findings := func(src string, sev model.Severity) []string {
		return pathsOf(everyFinding(e, src), sev, profile.CodeValueSet)
	}

	DescribeTable("a system written with its |version is an error however the version agrees",
		func(include string, want []string) {
			Expect(findings(composeOf("", include), model.Error)).To(ConsistOf(want))
		},
		Entry("the version in include.version only", `{"system": "http://example.org/fhir/CodeSystem/beds", "version": "2"}`, nil),
		Entry("the same version in both", `{"system": "http://example.org/fhir/CodeSystem/beds|2", "version": "2"}`, []string{"ValueSet.compose.include[0].system"}),
		Entry("the version in the system only", `{"system": "http://example.org/fhir/CodeSystem/beds|2"}`, []string{"ValueSet.compose.include[0].system"}),
	)

	DescribeTable("imported value sets",
		func(src string, sev model.Severity, want []string) {
			Expect(findings(src, sev)).To(ConsistOf(want))
			if sev != model.Error {
				Expect(findings(src, model.Error)).To(BeEmpty())
			}
		},
		Entry("a core value set", composeOf("", `{"valueSet": ["http://hl7.org/fhir/ValueSet/administrative-gender"]}`), model.Warning, nil),
		Entry("a core value set in another version", composeOf("", `{"valueSet": ["http://hl7.org/fhir/ValueSet/administrative-gender|3.0.2"]}`), model.Warning, nil),
		Entry("a code system where a value set belongs", composeOf("", `{"valueSet": ["http://example.org/fhir/CodeSystem/beds"]}`), model.Warning,
			[]string{"ValueSet.compose.include[0].valueSet[0]"}),
		Entry("a name in the core's namespace R4 lacks", composeOf("", `{"valueSet": ["http://hl7.org/fhir/ValueSet/administrative-genders"]}`), model.Warning,
			[]string{"ValueSet.compose.include[0].valueSet[0]"}),
		Entry("a value set carecert does not hold: not judged", composeOf("", `{"valueSet": ["http://example.org/fhir/ValueSet/elsewhere"]}`), model.Information,
			[]string{"ValueSet.compose.include[0].valueSet[0]"}),
		Entry("a value set carried in the same Bundle", `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/ValueSet/vs", "resource": `+composeOf("", `{"valueSet": ["http://example.org/fhir/ValueSet/beside"]}`)+`},
			{"fullUrl": "http://example.org/fhir/ValueSet/beside", "resource": {"resourceType": "ValueSet", "id": "beside", "url": "http://example.org/fhir/ValueSet/beside", "status": "draft"}}]}`,
			model.Information, nil),
	)

	DescribeTable("a #id system names one contained CodeSystem (and is not absolute, always an error)",
		func(contained, include string, n int) {
			Expect(findings(composeOf(contained, include), model.Error)).To(HaveLen(n))
		},
		Entry("one contained CodeSystem", `{"resourceType": "CodeSystem", "id": "local", "status": "draft", "content": "complete", "concept": [{"code": "x"}]}`,
			`{"system": "#local"}`, 1),
		Entry("a contained ValueSet", `{"resourceType": "ValueSet", "id": "local", "status": "draft"}`, `{"system": "#local"}`, 2),
		Entry("nothing of that id", `{"resourceType": "CodeSystem", "id": "other", "status": "draft", "content": "complete"}`, `{"system": "#local"}`, 2),
		Entry("nothing of that version", `{"resourceType": "CodeSystem", "id": "local", "version": "1", "status": "draft", "content": "complete"}`,
			`{"system": "#local", "version": "2"}`, 2),
		Entry("two of that id", `{"resourceType": "CodeSystem", "id": "local", "status": "draft", "content": "complete"}, {"resourceType": "CodeSystem", "id": "local", "status": "draft", "content": "complete"}`,
			`{"system": "#local"}`, 2),
	)

	DescribeTable("the code system drawn from has content to draw",
		func(include string, sev model.Severity, want []string) {
			Expect(findings(composeOf("", include), sev)).To(ConsistOf(want))
		},
		Entry("a complete system", `{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu"}]}`, model.Warning, nil),
		Entry("a supplement is no code system (an error)", `{"system": "http://example.org/fhir/CodeSystem/beds-de", "concept": [{"code": "icu"}]}`, model.Error,
			[]string{"ValueSet.compose.include[0].system"}),
		Entry("an example system (a warning)", `{"system": "http://example.org/fhir/CodeSystem/sample"}`, model.Warning, []string{"ValueSet.compose.include[0].system"}),
		Entry("a fragment (information)", `{"system": "http://example.org/fhir/CodeSystem/part"}`, model.Information, []string{"ValueSet.compose.include[0].system"}),
		Entry("a version carecert does not hold is not judged", `{"system": "http://example.org/fhir/CodeSystem/sample", "version": "9"}`, model.Warning, nil),
	)

	DescribeTable("listed displays, as information",
		func(include string, want []string) {
			Expect(findings(composeOf("", include), model.Information)).To(ConsistOf(want))
			Expect(findings(composeOf("", include), model.Error)).To(BeEmpty())
		},
		Entry("the system's displays, in any case, or a designation",
			`{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu", "display": "INTENSIVE CARE"}, {"code": "ward", "display": "Ward bed"}]}`, nil),
		Entry("a designation's value", `{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu", "display": "Intensivstation"}]}`, nil),
		Entry("a display the system does not give",
			`{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu", "display": "High dependency"}, {"code": "ward", "display": "Ward bed"}]}`,
			[]string{"ValueSet.compose.include[0].concept[0].display"}),
		Entry("a code the system gives no display judges nothing", `{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "cot", "display": "Cot"}]}`, nil),
		Entry("displays for some concepts only",
			`{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu", "display": "Intensive care"}, {"code": "ward"}]}`,
			[]string{"ValueSet.compose.include[0]"}),
	)

	It("rejects codes listed from an example domain's code system unless examples are allowed", func() {
		src := composeOf("", `{"system": "http://example.com", "concept": [{"code": "x"}]}`)
		Expect(pathsOf(everyFinding(e, src), model.Error, profile.CodeExampleURL)).To(ConsistOf("ValueSet.compose.include[0].system"))
		allowing := optionsEngine(profile.Options{AllowExampleURLs: true})
		Expect(pathsOf(everyFinding(allowing, src), model.Error, profile.CodeExampleURL)).To(BeEmpty())
		// A held example-domain system is real enough to be judged; a
		// filter lists no codes.
		Expect(pathsOf(everyFinding(e, composeOf("", `{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu"}]}`)), model.Error, profile.CodeExampleURL)).To(BeEmpty())
		Expect(pathsOf(everyFinding(e, composeOf("", `{"system": "http://example.com", "filter": [{"property": "concept", "op": "is-a", "value": "x"}]}`)), model.Error, profile.CodeExampleURL)).To(BeEmpty())
	})
})

var _ = Describe("ValueSet expansion: identified, and the codes its compose includes", func() {
	e := newEngine(heldSystems...)
	vs := func(include, expansion string) string {
		return `{"resourceType": "ValueSet", "id": "vs", "url": "http://example.org/fhir/ValueSet/vs", "name": "VS", "status": "draft",
			"compose": {"include": [` + include + `]}, "expansion": {` + expansion + `}}`
	}
	const stamp = `"timestamp": "2026-01-01T00:00:00Z", `
	const id = `"identifier": "urn:uuid:0b6c1f52-8a1e-4f6e-9c2d-3e4f5a6b7c8d", ` + stamp
	const beds = `{"system": "http://example.org/fhir/CodeSystem/beds"}`
	contains := func(codes ...string) string {
		var list []string
		for _, c := range codes {
			list = append(list, `{"system": "http://example.org/fhir/CodeSystem/beds", "code": "`+c+`"}`)
		}
		return `"contains": [` + strings.Join(list, ", ") + `]`
	}
	DescribeTable("warnings for codes the expansion lacks or adds",
		func(src string, want int) {
			Expect(pathsOf(everyFinding(e, src), model.Warning, profile.CodeValueSet)).To(HaveLen(want))
			Expect(pathsOf(everyFinding(e, src), model.Error, profile.CodeValueSet)).To(BeEmpty())
		},
		Entry("the whole system, every code listed", vs(beds, id+contains("icu", "ward", "cot")), 0),
		Entry("the whole system, nested entries counted", vs(beds, id+`"contains": [{"abstract": true, "display": "Beds", "contains": [`+
			`{"system": "http://example.org/fhir/CodeSystem/beds", "code": "icu"}, {"system": "http://example.org/fhir/CodeSystem/beds", "code": "ward"}, {"system": "http://example.org/fhir/CodeSystem/beds", "code": "cot"}]}]`), 0),
		Entry("a code missing", vs(beds, id+contains("icu", "ward")), 1),
		Entry("a code added", vs(`{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu"}]}`, id+contains("icu", "ward")), 1),
		Entry("both", vs(`{"system": "http://example.org/fhir/CodeSystem/beds", "concept": [{"code": "icu"}, {"code": "cot"}]}`, id+contains("icu", "ward")), 2),
		Entry("one page of a larger expansion lacks codes rightly", vs(beds, id+`"total": 3, `+contains("icu")), 0),
		Entry("a compose carecert cannot enumerate is not judged", vs(`{"system": "http://snomed.info/sct", "filter": [{"property": "concept", "op": "is-a", "value": "404684003"}]}`, id+contains("icu")), 0),
	)
	It("says, as information, that an expansion has no identifier", func() {
		Expect(pathsOf(everyFinding(e, vs(beds, stamp+contains("icu", "ward", "cot"))), model.Information, profile.CodeValueSet)).To(ConsistOf("ValueSet.expansion"))
		Expect(pathsOf(everyFinding(e, vs(beds, id+contains("icu", "ward", "cot"))), model.Information, profile.CodeValueSet)).To(BeEmpty())
	})
})

// coreFindings validates every R4 core resource of type typ in the given
// core files and returns, as "url path: message", the findings keep selects.
func coreFindings(typ string, files []string, keep func(url string, f model.Finding) bool) []string {
	e := newEngine()
	var out []string
	for _, file := range files {
		for _, res := range coreResources(file) {
			if res["resourceType"] != typ {
				continue
			}
			url, _ := res["url"].(string)
			for _, f := range e.ValidateRecord(recordOf(res), "", nil) {
				if keep(url, f) {
					out = append(out, url+" "+f.Path+": "+f.Message)
				}
			}
		}
	}
	return out
}

// terminologyFiles are the core files holding value sets and code systems.
var terminologyFiles = []string{"valuesets.json", "v3-codesystems.json", "v2-tables.json"}

var _ = Describe("the core's value sets against the ValueSet families", func() {
	It("raises no new error on R4's value sets but the core's own defects", func() {
		Expect(coreFindings("ValueSet", terminologyFiles, func(url string, f model.Finding) bool {
			// The compose and expansion families (filters have their own sweep).
			if f.Severity != model.Error || (f.Code != profile.CodeValueSet && f.Code != profile.CodeExampleURL) ||
				!strings.Contains(f.Path, ".compose.") && !strings.Contains(f.Path, ".expansion") || strings.Contains(f.Path, ".filter[") {
				return false
			}
			switch {
			case strings.Contains(f.Message, "carries a version"):
				// v2's versioned value sets write the version in the
				// system, which the reference rejects too.
				return false
			case url == "http://hl7.org/fhir/ValueSet/example-hierarchical" && f.Evidence == "" && strings.Contains(f.Message, `"#hacked"`):
				// An example naming its code system "#hacked", not absolute.
				return false
			case f.Code == profile.CodeExampleURL && f.Evidence == "http://example.com":
				// Value sets listing codes of http://example.com.
				return false
			}
			return true
		})).To(BeEmpty())
	})
})
