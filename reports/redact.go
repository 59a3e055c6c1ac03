package reports

import (
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// Redact returns the finding as a report meant to be passed on shows it:
// unless full is set, a personal finding has its evidence removed and the
// values its message quotes replaced, as the runner does when a plan does not
// ask for full evidence. Reports written before findings carried the mark
// have it derived from their FHIR paths.
func Redact(f model.Finding, full bool) model.Finding {
	if full || !f.Sensitive && !personal.FHIRPath(f.Path) {
		return f
	}
	personal.Redact(&f)
	return f
}
