package hl7v2

// isNull reports whether raw, a field, repetition, component or subcomponent
// as it stands in the message (before unescaping), is HL7 v2's explicit null
// "". Chapter 2 makes it a value for presence (the element is there, telling
// the receiver to delete what it holds) but not a value to check: a null date
// is never a malformed one, nor too short. The standard checks and the
// conformance-profile checks both ask here, so they agree on every null.
func isNull(raw string) bool { return raw == `""` }
