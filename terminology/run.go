package terminology

import (
	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// Run is the run's engine: the FHIR R4 core content and the run's
// implementation guides (JSON or XML), loaded on first use. Every check that
// judges codes gets it here, terminology checks and profile bindings alike,
// so that they agree on value-set membership; nothing about it is chosen by
// the caller, so which check asks first does not matter.
var Run = check.NewService(func(env *check.Env) (*Engine, error) { return ForRun(env), nil })

// ForRun returns a new engine with the content Run's has (the R4 core and
// the run's guides, loaded on first use), for a caller that adds settings
// of its own (a SNOMED CT release, a terminology server) which must not
// reach the engine every other check shares.
func ForRun(env *check.Env) *Engine {
	igs := env.Guides()
	eng := NewCore(func(e *Engine) error {
		for _, ig := range igs {
			if err := e.LoadIG(ig); err != nil {
				return err
			}
		}
		return nil
	})
	eng.SetXMLDecoder(fhirxml.Decode)
	return eng
}
