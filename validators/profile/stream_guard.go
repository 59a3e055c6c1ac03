package profile

// streamCoversRules reports whether a record of type typ that the stream
// path scans clean has nothing to fear from the map walk's resourceRules.
// The rules of every type are covered by what the scan refuses (a root
// "_id", a Narrative) except a canonical resource's, which read members the
// scan does not keep. A type's own rules (typeRules) are covered only where
// said here: a rule added to typeRules sends that type's records to the map
// walk until the stream path is taught it.
func streamCoversRules(typ string) bool {
	if isCanonicalType(typ) {
		return false
	}
	if typeRules(typ) == nil {
		return true
	}
	// observationPractice says nothing unless best practice is judged, and
	// compileStream leaves every type to the map walk then.
	return typ == "Observation"
}
