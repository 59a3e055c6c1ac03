package dict

// AnySegment is the element hl7apy writes (from 2.8, from HL7's database)
// where a structure leaves a place to a segment pattern: the standard's
// "[ Hxx ]" or "..." that the query's (or the site's) conformance statement
// fills. It is a placeholder, not a segment; the older sources drop it.
const AnySegment = "ANYHL7SEGMENT"

// patternAfter is the segment a segment pattern's place follows at the top
// of every structure that has one there (all but MFN_Znn, whose place
// follows each MFE in its group): the query parameters, QPD. A spec holds it
// to the 2.8 data.
const patternAfter = "QPD"

// segmentPatterns are the structures whose standard definition leaves a
// segment pattern to a conformance statement: the segment pattern response
// RSP_K11 after QPD, the input parameters of QBP_Q11 and QBP_Q15 between QPD
// and RCP, QVR_Q17, and the site-defined RSP_Znn, RTB_Knn and MFN_Znn. They
// are the structures that hold AnySegment in 2.8 to 2.8.2 (a spec holds the
// list to the data); the same structures of 2.4 to 2.7.1 leave the same place
// in the standard although hl7-dictionary dropped it.
var segmentPatterns = map[string]bool{
	"MFN_Znn": true, "QBP_Q11": true, "QBP_Q15": true, "QVR_Q17": true,
	"RSP_K11": true, "RSP_Znn": true, "RTB_Knn": true,
}

// SegmentPattern reports whether structure id leaves a segment pattern to a
// conformance statement: segments there are the statement's, and without it
// their place and number cannot be checked.
func SegmentPattern(id string) bool { return segmentPatterns[id] }

// WithPatternPlace returns the elements of structure id with the place of
// its segment pattern: es itself when id has none or es holds AnySegment
// (2.8 on), else es with an AnySegment element put back after the top-level
// QPD, where the standard has it and the older sources dropped it. es is not
// changed.
func WithPatternPlace(id string, es []*Element) []*Element {
	if !SegmentPattern(id) || holdsAnySegment(es) {
		return es
	}
	for i, e := range es {
		if e.Name == patternAfter {
			out := make([]*Element, 0, len(es)+1)
			out = append(out, es[:i+1]...)
			out = append(out, &Element{Name: AnySegment, Min: 0, Max: Unbounded})
			return append(out, es[i+1:]...)
		}
	}
	return es
}

// holdsAnySegment reports whether elements place AnySegment at any depth.
func holdsAnySegment(es []*Element) bool {
	for _, e := range es {
		if e.Name == AnySegment || e.IsGroup() && holdsAnySegment(e.Children) {
			return true
		}
	}
	return false
}
