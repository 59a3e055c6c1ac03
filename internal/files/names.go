package files

import "strings"

// The file names each target family reads live here, beside the listing, so
// that a folder walk, the type a plan's path implies (target.Infer) and
// `carecert watch` agree without the target contract linking any family.

// fhirExtensions are the names of FHIR R4 files: JSON, NDJSON and XML, plain
// or gzip.
var fhirExtensions = []string{".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz", ".xml", ".xml.gz"}

// IsFHIR reports whether a folder walk of a fhir target reads the file name.
func IsFHIR(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range fhirExtensions {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// IsHL7v2 reports whether a folder walk of an hl7v2 target reads the file
// name: ER7 messages (.hl7, .er7), plain or gzip.
func IsHL7v2(name string) bool {
	l := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(l, ".hl7") || strings.HasSuffix(l, ".er7")
}

// IsTable reports whether a folder walk of a csv target reads the file name:
// CSV or TSV, plain or gzip.
func IsTable(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".tsv")
}
