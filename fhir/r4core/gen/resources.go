package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// The redistribution adds to R4's value sets, code systems and search
// parameters resources and codes of later FHIR versions, and changed a few
// search parameters. Each table row states R4's published fact; a row that
// finds nothing to change stops gen (main), so a changed source is judged
// again rather than passed over. fhir/r4core/NOTICE.md lists them.

// leftOut are resources the redistribution holds that R4 does not publish.
var leftOut = []struct{ resourceType, url string }{
	{"ValueSet", "http://hl7.org/fhir/ValueSet/detectedissue-status"},
	{"CodeSystem", "http://hl7.org/fhir/detectedissue-status"},
	{"SearchParameter", "http://hl7.org/fhir/SearchParameter/DetectedIssue-status"},
	{"SearchParameter", "http://hl7.org/fhir/SearchParameter/ServiceRequest-order-detail"},
}

// addedCodes are codes the redistribution adds to one of R4's code systems.
var addedCodes = []struct{ system, code string }{
	{"http://hl7.org/fhir/questionnaire-item-control", "multi-select"},
}

// searchRepairs are values of R4's search parameters the redistribution
// changed: the member, its value there and R4's.
var searchRepairs = []struct{ url, member, medplum, r4 string }{
	{"http://hl7.org/fhir/SearchParameter/MeasureReport-subject", "target",
		`["Practitioner","Group","Organization","CareTeam","Device","Patient","HealthcareService","PractitionerRole","RelatedPerson","Location"]`,
		`["Practitioner","Group","Device","Patient","PractitionerRole","RelatedPerson","Location"]`},
	{"http://hl7.org/fhir/SearchParameter/clinical-patient", "target", `["Patient"]`, `["Patient","Group"]`},
}

// typeTests are how the redistribution writes a search expression's test of
// a choice's type, `.ofType(Quantity)`, where R4 writes `as`: as an
// operator in brackets, `(Observation.value as Quantity)`, or as a function,
// `Condition.onset.as(Age)` (R4's core parameters use ofType nowhere).
// FHIRPath reads them alike on one value, but the expression is R4's as
// published. In order: the bracketed form first.
var typeTests = []struct {
	name, r4 string
	medplum  *regexp.Regexp
}{
	{"search expressions: (path.ofType(Type)) for R4's (path as Type)", "($1 as $2)",
		regexp.MustCompile(`\(([A-Za-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)+)\.ofType\(([A-Za-z]+)\)\)`)},
	{"search expressions: path.ofType(Type) for R4's path.as(Type)", "$1.as($2)",
		regexp.MustCompile(`([A-Za-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)+)\.ofType\(([A-Za-z]+)\)`)},
}

// resourceRepairs returns a value set, code system or search parameter as
// R4 publishes it, keep false for one R4 does not publish, and the repairs
// made (by name).
func resourceRepairs(res json.RawMessage, resourceType, url string) (out json.RawMessage, keep bool, done []string, err error) {
	for _, l := range leftOut {
		if l.resourceType == resourceType && l.url == url {
			return res, false, []string{"left out " + url}, nil
		}
	}
	switch resourceType {
	case "CodeSystem":
		for _, a := range addedCodes {
			if a.system != url {
				continue
			}
			var changed bool
			res, changed, err = replaceMember(res, "concept", func(raw json.RawMessage) (json.RawMessage, bool, error) {
				return withoutCode(raw, a.code)
			})
			if err != nil {
				return nil, false, nil, fmt.Errorf("%s: %w", url, err)
			}
			if changed {
				done = append(done, a.system+"#"+a.code)
			}
		}
	case "SearchParameter":
		for _, r := range searchRepairs {
			if r.url != url {
				continue
			}
			var changed bool
			res, changed, err = replaceMember(res, r.member, func(raw json.RawMessage) (json.RawMessage, bool, error) {
				return json.RawMessage(r.r4), sameJSON(raw, r.medplum), nil
			})
			if err != nil {
				return nil, false, nil, fmt.Errorf("%s: %w", url, err)
			}
			if changed {
				done = append(done, r.url+" "+r.member)
			}
		}
		for _, t := range typeTests {
			var rewritten bool
			res, rewritten, err = replaceMember(res, "expression", func(raw json.RawMessage) (json.RawMessage, bool, error) {
				var expr string
				if err := json.Unmarshal(raw, &expr); err != nil || !t.medplum.MatchString(expr) {
					return raw, false, err
				}
				var out bytes.Buffer
				enc := json.NewEncoder(&out)
				enc.SetEscapeHTML(false) // as the bundles write them
				err := enc.Encode(t.medplum.ReplaceAllString(expr, t.r4))
				return bytes.TrimSpace(out.Bytes()), true, err
			})
			if err != nil {
				return nil, false, nil, fmt.Errorf("%s: %w", url, err)
			}
			if rewritten {
				done = append(done, t.name)
			}
		}
	}
	return res, true, done, nil
}

// resourceRepairNames are the names resourceRepairs gives its rows, each
// of which must be made once at least.
func resourceRepairNames() []string {
	var out []string
	for _, l := range leftOut {
		out = append(out, "left out "+l.url)
	}
	for _, a := range addedCodes {
		out = append(out, a.system+"#"+a.code)
	}
	for _, r := range searchRepairs {
		out = append(out, r.url+" "+r.member)
	}
	for _, t := range typeTests {
		out = append(out, t.name)
	}
	return out
}

// withoutCode returns a concept list without the concept of a code (at any
// depth); changed is false if it has none.
func withoutCode(raw json.RawMessage, code string) (json.RawMessage, bool, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, false, err
	}
	kept := list[:0:0]
	changed := false
	for _, c := range list {
		var concept struct {
			Code    string          `json:"code"`
			Concept json.RawMessage `json:"concept"`
		}
		if err := json.Unmarshal(c, &concept); err != nil {
			return nil, false, err
		}
		if concept.Code == code {
			changed = true
			continue
		}
		if concept.Concept != nil {
			inner, ok, err := withoutCode(concept.Concept, code)
			if err != nil {
				return nil, false, err
			}
			if ok {
				if c, _, err = replaceMember(c, "concept", func(json.RawMessage) (json.RawMessage, bool, error) {
					return inner, true, nil
				}); err != nil {
					return nil, false, err
				}
				changed = true
			}
		}
		kept = append(kept, c)
	}
	if !changed {
		return raw, false, nil
	}
	out, err := json.Marshal(kept)
	return out, true, err
}

// replaceMember returns a JSON object with one top-level member's value
// replaced by what change returns, every other byte as it was (readers find
// a resource's type near its start), and whether it changed: an object
// without the member, or one change leaves alone, is returned as it is.
func replaceMember(obj json.RawMessage, key string, change func(json.RawMessage) (json.RawMessage, bool, error)) (json.RawMessage, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, false, err
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, false, err
		}
		start := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false, err
		}
		if k != key {
			continue
		}
		value, changed, err := change(raw)
		if err != nil || !changed {
			return obj, false, err
		}
		var out bytes.Buffer
		out.Write(obj[:start])
		out.WriteString(":")
		out.Write(value)
		out.Write(obj[dec.InputOffset():])
		return out.Bytes(), true, nil
	}
	return obj, false, nil
}
