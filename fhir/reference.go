package fhir

import "strings"

// LiteralReference splits a literal reference into the resource type and id
// its path ends in: "Type/id", "Type/id/_history/version", or an absolute URL
// ending so. ok is false when it has fewer than two segments. Neither part is
// checked: whether the type is one FHIR defines and the id well formed is the
// caller's to judge, as each judges it differently.
func LiteralReference(ref string) (typ, id string, ok bool) {
	typ, id, _, ok = VersionedReference(ref)
	return typ, id, ok
}

// VersionedReference is LiteralReference with the version a reference ends
// in after /_history/ ("" when it names none), unchecked as the other parts.
func VersionedReference(ref string) (typ, id, version string, ok bool) {
	parts := strings.Split(ref, "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		version = parts[n-1]
		parts = parts[:n-2]
	}
	if len(parts) < 2 {
		return "", "", "", false
	}
	return parts[len(parts)-2], parts[len(parts)-1], version, true
}
