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
var Run = check.NewService(func(env *check.Env) (*Engine, error) {
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
	return eng, nil
})
