package dict

// SegmentPatterns lists the structures SegmentPattern holds, so that a spec
// can hold the list to the 2.8 data.
func SegmentPatterns() []string {
	out := make([]string, 0, len(segmentPatterns))
	for id := range segmentPatterns {
		out = append(out, id)
	}
	return out
}

// HoldsAnySegment reports whether elements place AnySegment at any depth.
var HoldsAnySegment = holdsAnySegment
