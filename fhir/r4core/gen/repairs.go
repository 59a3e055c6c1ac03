package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// repair is one value of an R4 core definition's snapshot that the
// redistributed bundles changed: the element (by id), the member changed
// (dotted, for a member within one), the value the redistribution has and
// the value R4 publishes (HL7, CC0). The differentials hold R4's values
// already. A repair applies only where the element holds the
// redistribution's value, so a changed source is noticed rather than
// overwritten.
type repair struct {
	element, member string
	medplum, r4     string
}

// repairs restores R4's values (fhir/r4core/NOTICE.md lists them).
var repairs = []repair{
	{"AuditEvent.source.observer", "type",
		`[{"code":"Reference","targetProfile":[` + sd("PractitionerRole", "Practitioner", "Organization", "Device", "Patient", "RelatedPerson", "Subscription") + `]}]`,
		`[{"code":"Reference","targetProfile":[` + sd("PractitionerRole", "Practitioner", "Organization", "Device", "Patient", "RelatedPerson") + `]}]`},
	{"MeasureReport.subject", "type",
		`[{"code":"Reference","targetProfile":[` + sd("Patient", "Practitioner", "PractitionerRole", "Location", "Device", "RelatedPerson", "Organization", "CareTeam", "HealthcareService", "Group") + `]}]`,
		`[{"code":"Reference","targetProfile":[` + sd("Patient", "Practitioner", "PractitionerRole", "Location", "Device", "RelatedPerson", "Group") + `]}]`},
	{"ResearchStudy.site", "type",
		`[{"code":"Reference","targetProfile":[` + sd("Location", "ResearchStudy", "Organization") + `]}]`,
		`[{"code":"Reference","targetProfile":[` + sd("Location") + `]}]`},
	{"Bundle.entry.response.outcome", "type", `[{"code":"OperationOutcome"}]`, `[{"code":"Resource"}]`},
	{"DetectedIssue.status", "binding.valueSet",
		`"http://hl7.org/fhir/ValueSet/detectedissue-status"`, `"http://hl7.org/fhir/ValueSet/observation-status|4.0.1"`},
}

// sd lists core StructureDefinition URLs as JSON strings.
func sd(types ...string) string {
	urls := make([]string, len(types))
	for i, t := range types {
		urls[i] = `"http://hl7.org/fhir/StructureDefinition/` + t + `"`
	}
	return strings.Join(urls, ",")
}

// repairElement returns a snapshot element with R4's values where the
// redistribution changed them, and the repairs it applied.
func repairElement(el json.RawMessage, id string) (json.RawMessage, []repair, error) {
	var done []repair
	for _, r := range repairs {
		if r.element != id {
			continue
		}
		out, ok, err := setMember(el, strings.Split(r.member, "."), r.medplum, r.r4)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.%s: %w", id, r.member, err)
		}
		if ok {
			el = out
			done = append(done, r)
		}
	}
	return el, done, nil
}

// setMember replaces the member at path with to if it holds from.
func setMember(obj json.RawMessage, path []string, from, to string) (json.RawMessage, bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, false, err
	}
	cur, found := m[path[0]]
	if !found {
		return obj, false, nil
	}
	if len(path) > 1 {
		inner, ok, err := setMember(cur, path[1:], from, to)
		if err != nil || !ok {
			return obj, false, err
		}
		m[path[0]] = inner
	} else {
		if !sameJSON(cur, from) {
			return obj, false, nil
		}
		m[path[0]] = json.RawMessage(to)
	}
	out, err := json.Marshal(m)
	return out, true, err
}

func sameJSON(a json.RawMessage, b string) bool {
	var x, y bytes.Buffer
	return json.Compact(&x, a) == nil && json.Compact(&y, []byte(b)) == nil && bytes.Equal(x.Bytes(), y.Bytes())
}
