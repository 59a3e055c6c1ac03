package profile

import "github.com/carecert/carecert/check"

// DifferentialChecks counts the distinct profiles (canonical URL and
// content) whose differential the engine has checked: specs use it to see
// that copies of one profile cost one snapshot generation.
func DifferentialChecks(e *Engine) int64 { return e.sdChecks.n.Load() }

// UseEngine makes e the engine of env's run (for the default FHIR options),
// as if the run had built it, and returns env: specs validate against
// definitions of their own through the same lookup the checks use.
func UseEngine(env *check.Env, e *Engine) *check.Env {
	engines.Provide(env, engineKey{terminology: env.Terminology}, e)
	return env
}

// ValidDay is the calendar check of date, dateTime and instant values.
var ValidDay = validDay

// QuickInvariant is the Go shortcut of a core invariant (nil: none).
var QuickInvariant = quickInvariant

// NamedType is the type a relative reference of the shape Type/id names.
var NamedType = namedType

// HasTypeRules reports whether the map walk runs rules of its own for a
// resource type (typeRules).
func HasTypeRules(typ string) bool { return typeRules(typ) != nil }

// WellKnownSystems are the code systems Coding.system is held near to.
var WellKnownSystems = wellKnownSystems

// NearMiss says what is wrong with a Coding.system near a known one ("":
// nothing).
func NearMiss(e *Engine, system string) string {
	_, msg := e.nearMiss(system)
	return msg
}

// LayoutKeys returns the keys the layout of a core type's root holds and a
// lookup of the role a key finds there: the role's own key ("" when it
// finds none), so a spec can tell a key found from a key confused.
func LayoutKeys(e *Engine, typ string) (keys []string, lookup func(string) string) {
	p, err := e.CompiledType(typ)
	if err != nil {
		panic(err)
	}
	lay := p.root.layoutFor(nil)
	for _, k := range lay.keys.entries {
		if k.key != "" {
			keys = append(keys, k.key)
		}
	}
	return keys, func(key string) string {
		r := lay.role(key)
		if r == nil {
			return ""
		}
		for i := range lay.keys.entries {
			if lay.keys.entries[i].role == r {
				return lay.keys.entries[i].key
			}
		}
		return "?"
	}
}

// CachedResourceTypes counts the names IsResourceType keeps answers for.
func CachedResourceTypes(e *Engine) int {
	if known := e.resourceTypes.Load(); known != nil {
		return len(*known)
	}
	return 0
}

// ExistenceOnly is the names a root invariant only asks whether they
// exist, which the scan stands in for without decoding.
var ExistenceOnly = existenceOnly

// ScanString reads the JSON string at the start of src as the stream
// scan does, returning where it ends (after its closing quote), whether it
// holds escapes, and whether it could be read.
func ScanString(src []byte) (end int, escaped, ok bool) {
	s := &scan{src: src}
	_, escaped, ok = s.str()
	return s.i, escaped, ok
}
