package reports

import (
	"regexp"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// Redacted stands in for a value that identifies a person.
const Redacted = "[redacted]"

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// Redact returns the finding as a report meant to be passed on shows it:
// unless full is set, a finding about an identifying element (a patient's
// name, identifier, birth date...) has its evidence removed and the values its
// message quotes ("\"19/02/1953\" is not a valid FHIR date") replaced.
func Redact(f model.Finding, full bool) model.Finding {
	if full || !fhir.IsIdentifying(f.Path) {
		return f
	}
	if f.Evidence != "" {
		f.Evidence = Redacted
	}
	f.Message = quoted.ReplaceAllString(f.Message, `"`+Redacted+`"`)
	return f
}
