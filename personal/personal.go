// Package personal is carecert's one definition of personal data, the values
// that identify a person, in each format it reads: FHIR elements of person
// resources, HL7 v2 segments about a patient and the people around them, and
// CSV columns (marked in suites, or guessed from their names where a suite
// says nothing). Checks mark a finding whose evidence comes from such a value
// (model.Finding.Sensitive), and Redact is the one way its evidence is
// removed: by the runner unless a plan asks for full evidence, and again by
// renderers of a report meant to be passed on. So the same value is hidden
// the same way whichever format it arrived in.
package personal

import (
	"strings"
	"unicode"

	"github.com/carecert/carecert/model"
)

// Redacted stands in for a value that identifies a person.
const Redacted = "[redacted]"

// Redact removes a personal finding's evidence, wherever its message quotes
// it. A finding without evidence is left alone: checks word its message so
// that it quotes no personal value. Redacting twice changes nothing.
func Redact(f *model.Finding) {
	if f.Evidence != "" {
		f.Message = strings.ReplaceAll(f.Message, f.Evidence, Redacted)
		f.Evidence = Redacted
	}
}

// personTypes are the FHIR resources about one person.
var personTypes = map[string]bool{"Patient": true, "RelatedPerson": true, "Person": true, "Practitioner": true}

// fhirElements are the elements of person resources whose values identify
// the person.
var fhirElements = map[string]bool{
	"identifier": true, "name": true, "telecom": true, "address": true,
	"birthDate": true, "photo": true, "contact": true, "deceasedDateTime": true,
}

// codedParts are the parts of an identifying element that say what kind it
// is, not whose: an identifier's type, system and use, a telecom's system,
// use and rank, a contact's relationship. A buyer must see a wrong code
// there, and it names no one.
var codedParts = map[string]bool{"type": true, "system": true, "use": true, "rank": true, "relationship": true}

// PersonType reports whether a FHIR resource type is about one person, so
// that any text or date computed from it may identify them.
func PersonType(resourceType string) bool { return personTypes[resourceType] }

// FHIRPath reports whether a FHIRPath-style path points into an element that
// identifies a person ("Patient.identifier[0].value", "Patient.birthDate").
func FHIRPath(path string) bool {
	typ, rest, ok := strings.Cut(path, ".")
	if !ok || !personTypes[typ] {
		return false
	}
	elem, part := rest, ""
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		elem = rest[:i]
		if _, after, ok := strings.Cut(rest[i:], "."); ok {
			part, _, _ = strings.Cut(after, ".")
			part, _, _ = strings.Cut(part, "[")
		}
	}
	return fhirElements[elem] && !codedParts[part]
}

// V2Segment reports whether an HL7 v2 segment's values identify a person:
// the patient (PID, PD1, MRG), their next of kin, guarantor and insurance
// (NK1, GT1, IN1, IN2), and the NHS's ZU1.
func V2Segment(name string) bool {
	switch name {
	case "PID", "PD1", "NK1", "GT1", "IN1", "IN2", "MRG", "ZU1":
		return true
	}
	return false
}

// V2Path reports whether a terse HL7 v2 path ("PID-7", "NK1[2]-2.1") points
// into a segment whose values identify a person.
func V2Path(path string) bool {
	return len(path) >= 3 && V2Segment(path[:3])
}

// columnWords are what the names of identifying CSV columns speak of.
var columnWords = []string{"nhs", "name", "birth", "dob", "postcode", "address", "phone", "email"}

// Column guesses from a CSV column's name whether it identifies a person, for
// columns a suite does not mark: a guess, so it errs on the side of redaction.
func Column(name string) bool {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
		}
	}
	n := b.String()
	for _, w := range columnWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
