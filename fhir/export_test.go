package fhir

import (
	"strconv"

	"github.com/carecert/carecert/model"
)

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

// ScanBundle reads a JSON document as the reader reads a file, summarising
// a Bundle's entries and, unless keep is set, leaving their resources out
// of its tree; line gives the line on which entry i's resource starts (0:
// none); ok is false where the reader reads it again whole.
func ScanBundle(data []byte, keep bool) (tree map[string]any, entries []model.BundleEntry, line func(entry int) int, ok bool) {
	b := &bundleScan{leaveOut: !keep}
	res, repeated, ok := decodeFastWith(data, b)
	if !ok || !b.finish(res, data, repeated) {
		return nil, nil, nil, false
	}
	line = func(i int) int {
		l, _ := b.lines.Line("entry[" + strconv.Itoa(i) + "].resource")
		return l
	}
	return res, b.entries, line, true
}

// ReadXML reads one FHIR XML document as a file's reader does, a Bundle's
// entries apart from its tree or (apart false) the whole Bundle in one tree.
func ReadXML(name string, data []byte, apart bool, emit Emit) error {
	return readXMLDocument(name, data, apart, emit)
}
