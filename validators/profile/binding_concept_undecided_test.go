package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A bound CodeableConcept meets its binding when one coding is in the value
// set, and misses it only when every coding with a code is decidably
// outside (terminology.Engine.CodeableConcept's rule, which member follows
// too). A coding carecert cannot decide (a SNOMED CT code under the value
// set's is-a filter, no release loaded) with none in leaves the binding not
// decided: a warning under a required or extensible binding, never an error
// and never a silent pass. A preferred binding asks nothing of the data (its
// miss is information), so its undecided concept is said nothing of. A concept with no
// coded coding is the terminology suite's to report; the profile engine
// says nothing of it, as before.
var _ = Describe("a bound CodeableConcept with a coding carecert cannot decide", func() {
	const ns = "http://example.org/StructureDefinition/"
	// clinical-findings is SNOMED CT below 404684003, by filter.
	const snomedVS = "http://hl7.org/fhir/ValueSet/clinical-findings"
	local := `{"system": "http://example.org/cs", "code": "x"}`
	other := `{"system": "http://example.org/cs", "code": "y"}`
	snomed := `{"system": "http://snomed.info/sct", "code": "22298006"}`
	displayOnly := `{"system": "http://snomed.info/sct", "display": "Myocardial infarction"}`
	condition := func(code string) string {
		return `{"resourceType": "Condition", "id": "r1", "meta": {"profile": ["` + ns + `bound"]},
			"subject": {"reference": "Patient/1"}, "code": ` + code + `}`
	}
	coded := func(codings ...string) string {
		return condition(`{"coding": [` + strings.Join(codings, ", ") + `]}`)
	}
	// verdicts: "out" (no coding is in: the strength's severity),
	// "undecided" ("not decided"), "" (no binding finding).
	cases := []struct{ name, resource, verdict string }{
		{"a decidably outside coding beside one carecert cannot decide (before: no coding is in)", coded(local, snomed), "undecided"},
		{"a coding carecert cannot decide beside one decidably outside (before: no coding is in)", coded(snomed, local), "undecided"},
		{"one coding carecert cannot decide (before: nothing, a pass)", coded(snomed), "undecided"},
		{"two codings carecert cannot decide (before: nothing, a pass)", coded(snomed, `{"system": "http://snomed.info/sct", "code": "73211009"}`), "undecided"},
		{"one coding decidably outside", coded(local), "out"},
		{"two codings decidably outside", coded(local, other), "out"},
		{"an uncoded coding beside one decidably outside", coded(displayOnly, local), "out"},
		{"an uncoded coding beside one carecert cannot decide", coded(displayOnly, snomed), "undecided"},
		{"no coding with a code", coded(displayOnly), ""},
		{"text only", condition(`{"text": "heart attack"}`), ""},
	}
	strengths := map[string][2]string{
		// the severity of "out" and of "undecided" ("": no finding)
		"required":   {model.Error.String(), model.Warning.String()},
		"extensible": {model.Warning.String(), model.Warning.String()},
		"preferred":  {model.Information.String(), ""},
	}
	for _, strength := range []string{"required", "extensible", "preferred"} {
		e := newEngine(diffProfile(ns+"bound", "Condition",
			`{"id": "Condition.code", "path": "Condition.code",
			  "binding": {"strength": "`+strength+`", "valueSet": "`+snomedVS+`"}}`))
		for _, c := range cases {
			for _, pl := range placements("Condition", "r1") {
				for _, format := range []string{"json", "xml"} {
					It(strength+" binding: "+c.name+", "+pl.name+", in "+format, func() {
						var got []string
						for _, f := range bundleAllFindings(e, inFormat(format, pl.place(c.resource))) {
							if f.Code != profile.CodeBinding {
								continue
							}
							verdict := "other: " + f.Message
							switch {
							case strings.Contains(f.Message, "was not decided"):
								verdict = "undecided"
							case strings.HasPrefix(f.Message, "no coding is in"):
								verdict = "out"
							}
							got = append(got, f.Severity.String()+" "+verdict+" "+f.Path)
						}
						want := []string{}
						switch c.verdict {
						case "out":
							want = append(want, strengths[strength][0]+" out "+pl.at+".code")
						case "undecided":
							if sev := strengths[strength][1]; sev != "" {
								want = append(want, sev+" undecided "+pl.at+".code")
							}
						}
						Expect(got).To(ConsistOf(want))
					})
				}
			}
		}
	}
})
