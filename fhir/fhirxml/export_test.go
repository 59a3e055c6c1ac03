package fhirxml

// LegacyDecode and LegacyLines are the converter before RawToken (see
// legacy_test.go); Lines is the current path→line index builder.
var (
	LegacyDecode = legacyDecode
	LegacyLines  = legacyLines
	Lines        = xmlLines
	// AllNull is how Encode's check of what it wrote knows an array of
	// nulls, which Decode gives as no array.
	AllNull = allNull
)
