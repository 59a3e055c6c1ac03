package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/carecert/carecert/model"
)

// maxSizeValue reads the maxSize extension's value: a decimal in the
// extensions pack, an integer in some guides. A value that is not a whole
// number of bytes at least 0 sets no limit (the StructureDefinition rules
// report it).
func maxSizeValue(dec *json.Number, integer *int) (int64, bool) {
	switch {
	case integer != nil && *integer >= 0:
		return int64(*integer), true
	case dec != nil:
		f, err := dec.Float64()
		if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt64/2 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// dataSize checks inline data against the most bytes the element's
// profile allows by the maxSize extension (R4 extensions pack maxSize: the
// size of the data itself, before base64): an error beyond it, as the
// reference validator gives for an Attachment's data and for a
// base64Binary. An Attachment given only by url is not fetched: carecert
// works offline, so its size is not judged (information when the profile
// limits it, so that the limit is not taken as met).
func (w *walker) dataSize(c *controls, m map[string]any, base64 string, path string) {
	if c == nil || !c.hasMaxSize {
		return
	}
	if m != nil {
		data, ok := m["data"].(string)
		if !ok {
			if url, ok := m["url"].(string); ok {
				w.add(model.Information, CodeAttachment, path, fmt.Sprintf("the profile limits this Attachment to %d bytes, but its content is at %s, which carecert does not fetch: the limit was not checked", c.maxSize, url), "")
			}
			return
		}
		base64, path = data, path+".data"
	}
	content, err := decodeBase64(base64)
	if err != nil {
		return // the base64Binary format check reports it
	}
	if n := int64(len(content)); n > c.maxSize {
		what := "the data"
		if !strings.HasSuffix(path, ".data") {
			what = "the base64 value"
		}
		w.add(model.Error, CodeAttachment, path, fmt.Sprintf("%s holds %d bytes, more than the %d the profile allows (maxSize)", what, n, c.maxSize), "")
	}
}
