package terminology

import (
	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// runService is the check.Env service holding the run's engine.
const runService = "terminology.engine"

// Shared returns the run's engine: the FHIR R4 core content and the run's
// implementation guides (JSON or XML), loaded on first use. Every check that
// judges codes asks for it here, terminology checks and profile bindings
// alike, so that they agree on value-set membership; nothing about it is
// chosen by the caller, so which check asks first does not matter.
func Shared(env *check.Env) (*Engine, error) {
	v, err := env.Service(runService, func() (any, error) {
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
	if err != nil {
		return nil, err
	}
	return v.(*Engine), nil
}
