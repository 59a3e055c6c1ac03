package check

// Services hold what the checks of one run share: the FHIR definitions, the
// terminology engine, a compiled schema, a folder to spill to. Each is
// declared once, as a typed Service or ServiceFamily variable of the package
// that owns it, with how to build it from the run's settings (the Env) and,
// for a family, from its key. Nothing else goes into a build, so which check
// asks first cannot change what every check gets.

// Service is one run-wide value of type T.
type Service[T any] struct {
	build func(env *Env) (T, error)
}

// NewService declares a service built by build.
func NewService[T any](build func(env *Env) (T, error)) *Service[T] {
	return &Service[T]{build: build}
}

// Get returns the run's value, building it on first use. A failed build is
// not kept: the next caller tries again and gets the error again.
func (s *Service[T]) Get(env *Env) (T, error) {
	return get(env, any(s), func() (T, error) { return s.build(env) })
}

// Built returns the run's value if a check has built it.
func (s *Service[T]) Built(env *Env) (T, bool) {
	v, ok := env.services().built[any(s)].(T)
	return v, ok
}

// ServiceFamily is a run-wide value of type T per key K: a SNOMED CT
// release per file, a terminology client per server and its settings, a
// profile engine per option set. The key is everything the build reads
// beyond the run's settings, so two requirements asking with different
// settings get different values, never the first one's.
type ServiceFamily[K comparable, T any] struct {
	build func(env *Env, key K) (T, error)
}

// NewServiceFamily declares a family of services built by build.
func NewServiceFamily[K comparable, T any](build func(env *Env, key K) (T, error)) *ServiceFamily[K, T] {
	return &ServiceFamily[K, T]{build: build}
}

// familyKey tells one member of a family from the others and from members
// of other families with keys of the same type.
type familyKey[K comparable] struct {
	family any
	key    K
}

// Get returns the run's value for key, building it on first use.
func (f *ServiceFamily[K, T]) Get(env *Env, key K) (T, error) {
	return get(env, familyKey[K]{f, key}, func() (T, error) { return f.build(env, key) })
}

// Built returns the run's value for key if a check has built it.
func (f *ServiceFamily[K, T]) Built(env *Env, key K) (T, bool) {
	v, ok := env.services().built[familyKey[K]{f, key}].(T)
	return v, ok
}

// Provide sets the run's value for key, for a caller that built it itself
// (a spec giving its own profile engine).
func (f *ServiceFamily[K, T]) Provide(env *Env, key K, v T) {
	env.services().built[familyKey[K]{f, key}] = v
}

// Services holds what one run has built. The runner makes one per run and
// every Env of the run (each vendor's) carries it; an Env made without one,
// as a spec's or a single command's, gets its own on first use, so checks
// find their services the same way everywhere.
type Services struct {
	built map[any]any
}

// NewServices returns an empty set, for one run.
func NewServices() *Services { return &Services{built: map[any]any{}} }

func (e *Env) services() *Services {
	if e.Services == nil {
		e.Services = NewServices()
	}
	return e.Services
}

// get builds at most once per key. Builds are not concurrent: checks are
// compiled one after another.
func get[T any](env *Env, key any, build func() (T, error)) (T, error) {
	s := env.services()
	if v, ok := s.built[key]; ok {
		return v.(T), nil
	}
	v, err := build()
	if err != nil {
		var zero T
		return zero, err
	}
	s.built[key] = v
	return v, nil
}
