package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A single code, a Coding (Condition.meta.tag) or a bare code
// (Condition.language), follows the rule a bound CodeableConcept does
// (conceptMember): decidably outside the value set, the binding's strength
// says how bad; one carecert cannot decide (a SNOMED CT code under the value
// set's is-a filter, no release loaded) is "not decided", a warning under a
// required or extensible binding, never an error and never a silent pass;
// under a preferred binding, which asks nothing of the data, nothing. Before,
// every undecidable row found nothing.
var _ = Describe("a bound single code carecert cannot decide", func() {
	const ns = "http://example.org/StructureDefinition/"
	// clinical-findings is SNOMED CT below 404684003, by filter.
	const snomedVS = "http://hl7.org/fhir/ValueSet/clinical-findings"
	condition := func(extra string) string {
		return `{"resourceType": "Condition", "id": "r1", "meta": {"profile": ["` + ns + `bound"]` + extra
	}
	tagged := func(coding string) string {
		return condition(`, "tag": [` + coding + `]}, "subject": {"reference": "Patient/1"}}`)
	}
	language := func(code string) string {
		return condition(`}, "language": "` + code + `", "subject": {"reference": "Patient/1"}}`)
	}
	cases := []struct{ name, resource, at, verdict string }{
		{"a Coding carecert cannot decide (before: nothing, a pass)", tagged(`{"system": "http://snomed.info/sct", "code": "22298006"}`), ".meta.tag[0]", "undecided"},
		{"a Coding decidably outside", tagged(`{"system": "http://example.org/cs", "code": "x"}`), ".meta.tag[0]", "out"},
		{"a Coding with no code", tagged(`{"system": "http://snomed.info/sct", "display": "Myocardial infarction"}`), "", ""},
		{"a bare code carecert cannot decide (before: nothing, a pass)", language("22298006"), ".language", "undecided"},
	}
	strengths := map[string][2]string{
		// the severity of "out" and of "undecided" ("": no finding)
		"required":   {model.Error.String(), model.Warning.String()},
		"extensible": {model.Warning.String(), model.Warning.String()},
		"preferred":  {model.Information.String(), ""},
	}
	for _, strength := range []string{"required", "extensible", "preferred"} {
		bind := `"binding": {"strength": "` + strength + `", "valueSet": "` + snomedVS + `"}`
		e := newEngine(diffProfile(ns+"bound", "Condition",
			`{"id": "Condition.meta.tag", "path": "Condition.meta.tag", `+bind+`}`,
			`{"id": "Condition.language", "path": "Condition.language", `+bind+`}`))
		for _, c := range cases {
			for _, pl := range placements("Condition", "r1") {
				for _, format := range []string{"json", "xml"} {
					It(strength+" binding: "+c.name+", "+pl.name+", in "+format, func() {
						got := bindingVerdicts(e, inFormat(format, pl.place(c.resource)), snomedVS)
						want := []string{}
						switch c.verdict {
						case "out":
							want = append(want, strengths[strength][0]+" out "+pl.at+c.at)
						case "undecided":
							if sev := strengths[strength][1]; sev != "" {
								want = append(want, sev+" undecided "+pl.at+c.at)
							}
						}
						Expect(got).To(ConsistOf(want))
					})
				}
			}
		}
	}
})

// bindingVerdicts are the binding findings about valueSet that the engine
// gives src, as "severity verdict path": out (the code is not in the value
// set), undecided (not decided), or other with the message.
func bindingVerdicts(e *profile.Engine, src, valueSet string) []string {
	got := []string{}
	for _, f := range bundleAllFindings(e, src) {
		if f.Code != profile.CodeBinding || !strings.Contains(f.Message, valueSet) {
			continue
		}
		verdict := "other: " + f.Message
		switch {
		case strings.Contains(f.Message, "was not decided"):
			verdict = "undecided"
		case strings.Contains(f.Message, "is not in the value set"):
			verdict = "out"
		}
		got = append(got, f.Severity.String()+" "+verdict+" "+f.Path)
	}
	return got
}
