package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §5.1.0.9: a value whose type names several profiles (type.profile),
// or a reference whose element names several target profiles
// (type.targetProfile), conforms when it meets any one of them. The
// reference validator judges the value against every one: it is valid when
// one matches, warns when several do (which was meant is ambiguous), and
// when none does gives each one's errors. Before, carecert stopped at the
// first profile met, never saw an ambiguity, named only the first
// profile's first error when none was met, and a type profile it could not
// load made it judge none of the others. The profiles below are our own.
var _ = Describe("a value judged against every alternative profile", func() {
	const ns = "http://example.org/StructureDefinition/"
	rooted := func(name, typ, key, human, expr string) map[string]any {
		p := diffProfile(ns+name, typ,
			`{"id": "`+typ+`", "path": "`+typ+`", "constraint": [{"key": "`+key+`", "severity": "error",
			  "human": "`+human+`", "expression": "`+expr+`"}]}`)
		if typ == "Identifier" {
			p["kind"] = "complex-type"
		}
		return p
	}
	identifiers := func(name string, profiles ...string) map[string]any {
		return diffProfile(ns+name, "Patient",
			`{"id": "Patient.identifier", "path": "Patient.identifier", "type": [{"code": "Identifier", "profile": ["`+strings.Join(profiles, `", "`)+`"]}]}`)
	}
	e := newEngine(
		rooted("id-eleven", "Identifier", "eleven", "the value is 11 digits", `value.matches('^[0-9]{11}$')`),
		rooted("id-nine", "Identifier", "nine", "the value is 9 digits", `value.matches('^[0-9]{9}$')`),
		rooted("id-digits", "Identifier", "digits", "the value is digits", `value.matches('^[0-9]+$')`),
		identifiers("patient-overlapping", ns+"id-eleven", ns+"id-nine", ns+"id-digits"),
		identifiers("patient-disjoint", ns+"id-eleven", ns+"id-nine"),
		identifiers("patient-unloaded", ns+"id-not-loaded", ns+"id-eleven"),
		rooted("patient-named", "Patient", "named", "the patient has a name", `name.exists()`),
		rooted("patient-gendered", "Patient", "gendered", "the patient has a gender", `gender.exists()`),
		diffProfile(ns+"observation-targets", "Observation",
			`{"id": "Observation.subject", "path": "Observation.subject", "type": [{"code": "Reference",
			  "targetProfile": ["`+ns+`patient-named", "`+ns+`patient-gendered"]}]}`),
	)
	patient := func(profileName, value string) string {
		return `{"resourceType": "Patient", "id": "p1", "meta": {"profile": ["` + ns + profileName + `"]},
			"identifier": [{"system": "http://example.org/ids", "value": "` + value + `"}]}`
	}
	observation := func(target string) string {
		return `{"resourceType": "Observation", "id": "o1", "meta": {"profile": ["` + ns + `observation-targets"]},
			"contained": [` + target + `], "status": "final", "code": {"text": "x"}, "subject": {"reference": "#t"}}`
	}
	const (
		named    = `"name": [{"family": "Doe"}]`
		gendered = `"gender": "female"`
	)
	target := func(parts ...string) string {
		return `{"resourceType": "Patient", "id": "t"` + strings.Join(append([]string{""}, parts...), ", ") + `}`
	}
	// A finding: its severity, "code .path-below-the-resource", and words
	// its message must hold.
	type finding struct{ sev, at, says string }
	w := func(code, path, says string) finding { return finding{"warning", code + " " + path, says} }
	er := func(code, path, says string) finding { return finding{"error", code + " " + path, says} }
	cases := []struct {
		name, resource string
		want           []finding
	}{
		{"meeting one of two", patient("patient-disjoint", "123456789"), nil},
		{"meeting two of three: ambiguous", patient("patient-overlapping", "12345678901"),
			[]finding{w(profile.CodeTypeProfile, ".identifier[0]", "conforms to 2 of the profiles the element names ("+ns+"id-eleven, "+ns+"id-digits)")}},
		{"meeting none of three: each one's error, the closest first", patient("patient-overlapping", "12AB"),
			[]finding{er(profile.CodeTypeProfile, ".identifier[0]", "any of the profiles "+ns+"id-eleven, "+ns+"id-nine, "+ns+"id-digits, as the element requires: against "+ns+"id-eleven, ")}},
		{"meeting none of three: the last one's error too", patient("patient-overlapping", "12AB"),
			[]finding{er(profile.CodeTypeProfile, ".identifier[0]", "; against "+ns+"id-digits, ")}},
		{"meeting none of two: the second's error too", patient("patient-disjoint", "1234"),
			[]finding{er(profile.CodeTypeProfile, ".identifier[0]", "the value is 9 digits")}},
		{"an unloaded alternative beside one met", patient("patient-unloaded", "12345678901"),
			[]finding{w(profile.CodeProfile, ".identifier[0]", "id-not-loaded of this Identifier is not loaded")}},
		{"an unloaded alternative beside one missed: not decided", patient("patient-unloaded", "1234"),
			[]finding{w(profile.CodeProfile, ".identifier[0]", "id-not-loaded of this Identifier is not loaded"),
				w(profile.CodeTypeProfile, ".identifier[0]", "whether it conforms to "+ns+"id-not-loaded, which carecert could not judge it against (not loaded, or a profile of another type), was not decided")}},
		{"a target meeting one of two target profiles", observation(target(named)), nil},
		{"a target meeting both target profiles: ambiguous", observation(target(named, gendered)),
			[]finding{w(profile.CodeReference, ".subject.reference", "conforms to 2 of the profiles this element allows its target")}},
		{"a target meeting neither: each one's error", observation(target()),
			[]finding{er(profile.CodeReference, ".subject.reference", "the patient has a gender")}},
	}
	// findings are the error and warning findings about profiles of res,
	// in format, held in placement pl.
	findings := func(pl placement, format, res string) []finding {
		var got []finding
		for _, f := range bundleAllFindings(e, inFormat(format, pl.place(res))) {
			if f.Severity == model.Information || f.Code != profile.CodeTypeProfile && f.Code != profile.CodeReference && f.Code != profile.CodeProfile {
				continue
			}
			got = append(got, finding{f.Severity.String(), f.Code + " " + f.Path, f.Message})
		}
		return got
	}
	for _, c := range cases {
		typ, id := "Patient", "p1"
		if strings.Contains(c.resource, `"Observation"`) {
			typ, id = "Observation", "o1"
		}
		for _, pl := range placements(typ, id) {
			for _, format := range []string{"json", "xml"} {
				It(c.name+", "+pl.name+", in "+format, func() {
					got := findings(pl, format, c.resource)
					Expect(got).To(HaveLen(len(c.want)), "%v", got)
					for i, want := range c.want {
						Expect(got[i].sev).To(Equal(want.sev))
						Expect(got[i].at).To(Equal(pl.paths([]string{want.at})[0]))
						Expect(got[i].says).To(ContainSubstring(want.says))
					}
				})
			}
		}
	}
})
