package fhir

// DecodeSlow is Decode by encoding/json alone, without the one-pass decoder.
var DecodeSlow = decodeSlow

// DecodeFast is the one-pass decoder alone: ok false where it defers.
func DecodeFast(data []byte) (map[string]any, bool) {
	m, _, ok := decodeFast(data)
	return m, ok
}

// DecodeFastRepeated is the one-pass decoder with whether an object repeated
// a key.
var DecodeFastRepeated = decodeFast

// JSONLines is the path index NewDocument builds for JSON.
var JSONLines = jsonLines

// JSONListed is how many values the index of raw lists when built: a
// Bundle's entries are listed only by where they start.
func JSONListed(raw []byte) int { return len(jsonLines(raw).(*jsonIndex).nodes) }
