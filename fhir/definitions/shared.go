package definitions

import "github.com/carecert/carecert/check"

// serviceName is the check.Env service under which a run's registry is kept.
const serviceName = "fhir.definitions"

// Shared returns the run's registry: the R4 core and the run's implementation
// guides, read once however many checks (profiles, units fixed by profiles)
// need definitions. xml converts guides written in FHIR XML (the first
// caller's is kept: every caller passes the same converter).
func Shared(env *check.Env, xml XMLDecoder) (*Registry, error) {
	v, err := env.Service(serviceName, func() (any, error) {
		return New(Options{IGs: env.Guides(), XML: xml})
	})
	if err != nil {
		return nil, err
	}
	return v.(*Registry), nil
}
