package hl7v2

import (
	"fmt"

	"github.com/carecert/carecert/model"
)

// Record makes a record of a message read from source, as the FHIR reader
// makes one of a resource, so that every target family that reads, receives
// or generates messages gives checks the same record. Segments that belong to
// no message become a record with a Problem, reported under the run's input
// requirement.
func (m *Message) Record(source string) *model.Record {
	rec := &model.Record{Kind: model.KindHL7v2, Source: source, Line: m.Line, Index: int64(m.Index),
		Type: m.TypeName(), ID: m.ControlID(), Value: m, Locator: m.Locator()}
	if m.Headless {
		rec.Value, rec.Type = nil, ""
		for _, is := range m.Issues {
			if is.Code == "parse.no-header" {
				f := rec.Finding(model.Error, is.Code, "", fmt.Sprintf("message %d: %s (first: %s)", m.Index+1, is.Message, m.Segments[0].Name))
				rec.Problem = &f
			}
		}
	}
	return rec
}
