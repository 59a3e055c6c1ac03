package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// String names the repair for gen's record of those applied.
func (r repair) String() string { return r.element + " " + r.member }

// rebuild is a backbone element whose snapshot the redistribution replaced
// with a later FHIR version's: the element and its own children as R4
// publishes them are in the bundle's differential (R4's, as the repairs'
// are), so the snapshot's are rebuilt from it. medplum and r4 name the
// element's own children (but id, extension, modifierExtension) in the
// redistribution's snapshot and as R4 publishes them; the rebuild applies
// only where both are found, so a changed source is noticed.
type rebuild struct {
	element     string
	medplum, r4 []string
}

// rebuilds restores R4's shapes (fhir/r4core/NOTICE.md lists them).
var rebuilds = []rebuild{
	{"EvidenceVariable.characteristic",
		[]string{"linkId", "description", "note", "exclude", "definitionReference", "definitionCanonical",
			"definitionCodeableConcept", "definitionExpression", "definitionId", "definitionByTypeAndValue",
			"definitionByCombination", "instances[x]", "duration[x]", "timeFromEvent"},
		[]string{"description", "definition[x]", "usageContext", "exclude", "participantEffective[x]",
			"timeFromStart", "groupMeasure"}},
}

// String names the rebuild for gen's record of those applied.
func (r rebuild) String() string { return r.element }

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

// rebuildElements returns a snapshot's elements with the rebuilds that apply
// to it made, and the rebuilds made.
func rebuildElements(snapshot, differential []json.RawMessage) ([]json.RawMessage, []string, error) {
	var done []string
	for _, r := range rebuilds {
		at := elementIndex(snapshot, r.element)
		if at < 0 {
			continue
		}
		out, err := r.apply(snapshot, at, differential)
		if err != nil {
			return nil, nil, fmt.Errorf("rebuilding %s: %w", r.element, err)
		}
		snapshot = out
		done = append(done, r.String())
	}
	return snapshot, done, nil
}

// apply replaces the snapshot's subtree at index at (the element, its own
// children and theirs) with the differential's, each completed as a
// snapshot element: its base is itself (they are the resource's own), it
// is no modifier unless it says so, and it keeps the element invariants
// (ele-1) the snapshot's element had; the inherited id, extension and
// modifierExtension stay as the snapshot has them.
func (r rebuild) apply(snapshot []json.RawMessage, at int, differential []json.RawMessage) ([]json.RawMessage, error) {
	end := at + 1
	for end < len(snapshot) && strings.HasPrefix(elementID(snapshot[end]), r.element+".") {
		end++
	}
	inherited := map[string]bool{"id": true, "extension": true, "modifierExtension": true}
	var kept []json.RawMessage
	var own []string
	for _, el := range snapshot[at+1 : end] {
		name := strings.TrimPrefix(elementID(el), r.element+".")
		switch {
		case inherited[name]:
			kept = append(kept, el)
		case !strings.Contains(name, "."):
			own = append(own, name)
		}
	}
	if !slices.Equal(own, r.medplum) {
		return nil, fmt.Errorf("the snapshot's children are %v, not the redistribution's %v", own, r.medplum)
	}
	from := elementIndex(differential, r.element)
	if from < 0 {
		return nil, errors.New("the differential does not hold it")
	}
	sub := []json.RawMessage{differential[from]}
	own = nil
	for _, el := range differential[from+1:] {
		id := elementID(el)
		if !strings.HasPrefix(id, r.element+".") {
			break
		}
		if name := strings.TrimPrefix(id, r.element+"."); !strings.Contains(name, ".") {
			own = append(own, name)
		}
		sub = append(sub, el)
	}
	if !slices.Equal(own, r.r4) {
		return nil, fmt.Errorf("the differential's children are %v, not R4's %v", own, r.r4)
	}
	invariants, err := elementInvariants(snapshot[at])
	if err != nil {
		return nil, err
	}
	out := slices.Clone(snapshot[:at])
	for i, el := range sub {
		full, err := asSnapshotElement(el, invariants)
		if err != nil {
			return nil, err
		}
		out = append(out, full)
		if i == 0 {
			out = append(out, kept...)
		}
	}
	return append(out, snapshot[end:]...), nil
}

// elementInvariants are the constraints of a snapshot element that every
// element has (their source is Element's definition).
func elementInvariants(el json.RawMessage) ([]json.RawMessage, error) {
	var e struct {
		Constraint []json.RawMessage `json:"constraint"`
	}
	if err := json.Unmarshal(el, &e); err != nil {
		return nil, err
	}
	var out []json.RawMessage
	for _, c := range e.Constraint {
		var k struct {
			Source string `json:"source"`
		}
		if err := json.Unmarshal(c, &k); err != nil {
			return nil, err
		}
		if k.Source == "http://hl7.org/fhir/StructureDefinition/Element" {
			out = append(out, c)
		}
	}
	return out, nil
}

// asSnapshotElement completes a resource's own differential element as its
// snapshot element: invariants, those every element inherits, come before
// the element's own constraints.
func asSnapshotElement(el json.RawMessage, invariants []json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(el, &m); err != nil {
		return nil, err
	}
	var e struct {
		Path string          `json:"path"`
		Min  json.RawMessage `json:"min"`
		Max  json.RawMessage `json:"max"`
	}
	if err := json.Unmarshal(el, &e); err != nil {
		return nil, err
	}
	if e.Min == nil || e.Max == nil {
		return nil, fmt.Errorf("%s: the differential gives no cardinality", e.Path)
	}
	base, err := json.Marshal(map[string]any{"path": e.Path, "min": e.Min, "max": e.Max})
	if err != nil {
		return nil, err
	}
	m["base"] = base
	if len(invariants) > 0 {
		// The element's own constraints stay: a snapshot lists what it
		// inherits from Element first, then what the element adds.
		var own []json.RawMessage
		if c := m["constraint"]; c != nil {
			if err := json.Unmarshal(c, &own); err != nil {
				return nil, fmt.Errorf("%s: its constraints: %w", e.Path, err)
			}
		}
		if m["constraint"], err = json.Marshal(append(slices.Clone(invariants), own...)); err != nil {
			return nil, err
		}
	}
	for _, flag := range []string{"isModifier", "isSummary"} {
		if m[flag] == nil {
			m[flag] = json.RawMessage("false")
		}
	}
	return json.Marshal(m)
}

func elementIndex(elements []json.RawMessage, id string) int {
	return slices.IndexFunc(elements, func(el json.RawMessage) bool { return elementID(el) == id })
}

func elementID(el json.RawMessage) string {
	var e struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(el, &e) != nil {
		return ""
	}
	return e.ID
}
