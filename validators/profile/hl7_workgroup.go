package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// hl7WorkGroup checks a definition HL7 itself publishes (its url under
// http://hl7.org/fhir/, as the reference validator tells HL7's content from
// others'): it is owned by one HL7 work group, so it names at most one with
// the structuredefinition-wg extension. Whether a work group must be named
// at all is left to publication checks, which the reference makes only when
// asked.
func (w *walker) hl7WorkGroup(m map[string]any, path string) {
	if url, _ := m["url"].(string); !strings.HasPrefix(url, "http://hl7.org/fhir/") {
		return
	}
	first := -1
	for i, x := range objects(m["extension"]) {
		if x["url"] != extWorkGroup {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		w.add(model.Error, CodeExtension, path+".extension["+strconv.Itoa(i)+"]",
			fmt.Sprintf("a resource HL7 publishes is owned by one work group, but this one names a second with %s (the first at extension[%d])", extWorkGroup, first), "")
	}
}
