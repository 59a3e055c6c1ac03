package fhirxml

import "github.com/carecert/carecert/internal/lineindex"

// AllNull is how Encode's check of what it wrote knows an array of nulls,
// which Decode gives as no array.
var AllNull = allNull

// Lines is the current path→line index builder's map.
func Lines(data []byte) map[string]int { return xmlLines(data).(lineindex.Lines) }
