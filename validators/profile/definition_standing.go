package profile

import (
	"encoding/json"
	"fmt"

	"github.com/carecert/carecert/model"
)

// extStandardsStatusReason explains a standards status (why deprecated),
// on the status's value.
const extStandardsStatusReason = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status-reason"

// standing is what a definition says of its own fitness for new use, when
// it advises against it: deprecated or withdrawn by its standards status,
// or retired by its status.
type standing struct {
	// why is "deprecated", "withdrawn" or "retired".
	why string
	// note is the reason a deprecation gives, if any.
	note string
}

// standingOf reads a definition's standing from its status and its
// structuredefinition-standards-status extension; nil when it is fit.
func standingOf(status string, exts []json.RawMessage) *standing {
	for _, raw := range exts {
		var x struct {
			URL       string `json:"url"`
			ValueCode string `json:"valueCode"`
			Companion struct {
				Extension []struct {
					URL           string `json:"url"`
					ValueMarkdown string `json:"valueMarkdown"`
					ValueString   string `json:"valueString"`
				} `json:"extension"`
			} `json:"_valueCode"`
		}
		if json.Unmarshal(raw, &x) != nil || x.URL != extStandardsStatus {
			continue
		}
		switch x.ValueCode {
		case "deprecated":
			s := &standing{why: "deprecated"}
			for _, r := range x.Companion.Extension {
				if r.URL == extStandardsStatusReason {
					s.note = r.ValueMarkdown + r.ValueString
				}
			}
			return s
		case "withdrawn":
			return &standing{why: "withdrawn"}
		}
	}
	if status == "retired" {
		return &standing{why: "retired"}
	}
	return nil
}

// dependsOnStanding notes, once per record and definition, data that uses
// an extension whose definition is deprecated, withdrawn or retired: the
// data is valid, but its author should know the definition is on its way
// out (information, as the reference validator gives it). A draft or
// experimental definition is not noted: such definitions are everywhere in
// published guides, and the reference validator leaves that note off too.
func (w *walker) dependsOnStanding(p *Compiled, at pathAt) {
	s := p.standing
	if s == nil {
		return
	}
	key := p.URL + "|" + p.Version
	if w.standingSaid[key] {
		return
	}
	if w.standingSaid == nil {
		w.standingSaid = map[string]bool{}
	}
	w.standingSaid[key] = true
	msg := fmt.Sprintf("the extension %s is %s", p.URL, s.why)
	if p.Version != "" {
		msg = fmt.Sprintf("the extension %s|%s is %s", p.URL, p.Version, s.why)
	}
	if s.note != "" {
		msg += ": " + s.note
	} else {
		msg += "; prefer its replacement in new data"
	}
	w.add(model.Information, CodeExtension, w.pathText(at), msg, "")
}
