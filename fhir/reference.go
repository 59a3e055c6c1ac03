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
	// Read from the slashes, not split: a walk asks this of every reference.
	rest, id, found := cutLast(ref)
	if !found {
		return "", "", "", false
	}
	// "_history" before the last part is a version only after Type/id.
	if head, h, _ := cutLast(rest); h == "_history" && strings.Contains(head, "/") {
		version = id
		rest, id, _ = cutLast(head)
	}
	_, typ, _ = cutLast(rest)
	return typ, id, version, true
}

// cutLast cuts s around its last slash; without one, before is "" and
// after is s.
func cutLast(s string) (before, after string, found bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}
