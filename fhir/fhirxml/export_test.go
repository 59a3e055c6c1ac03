package fhirxml

// LegacyDecode and LegacyLines are the converter before RawToken (see
// legacy_test.go); Lines is the current path→line index builder.
var (
	LegacyDecode = legacyDecode
	LegacyLines  = legacyLines
	Lines        = xmlLines
)
