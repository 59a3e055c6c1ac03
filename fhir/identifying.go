package fhir

import "strings"

// identifyingElements are the elements of person resources whose values identify
// a person. Evidence quoting them is redacted unless the user asks for full
// evidence.
var identifyingElements = map[string]bool{
	"identifier": true, "name": true, "telecom": true, "address": true,
	"birthDate": true, "photo": true, "contact": true, "deceasedDateTime": true,
}

var personTypes = map[string]bool{"Patient": true, "RelatedPerson": true, "Person": true, "Practitioner": true}

// IsIdentifying reports whether a FHIRPath-style path points into an element
// that identifies a person ("Patient.identifier[0].value", "Patient.birthDate").
func IsIdentifying(path string) bool {
	typ, rest, ok := strings.Cut(path, ".")
	if !ok || !personTypes[typ] {
		return false
	}
	elem := rest
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		elem = rest[:i]
	}
	return identifyingElements[elem]
}
