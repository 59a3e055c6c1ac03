package target

import "reflect"

// DecodeOptions returns a spec's options decoded over its type's registered
// defaults by Spec.Decode, the call the type's opener makes (see Typed),
// so a spec can read what opening the target would get; declared is false
// for a type that reads its options itself.
func DecodeOptions(r *Registry, spec Spec) (o any, declared bool, err error) {
	typ := spec.Type
	if typ == "" {
		typ = Infer(spec)
	}
	defaults, declared := r.options[typ]
	if !declared {
		return nil, false, nil
	}
	dst := reflect.New(reflect.TypeOf(defaults))
	dst.Elem().Set(reflect.ValueOf(defaults))
	err = spec.Decode(dst.Interface())
	return dst.Elem().Interface(), true, err
}
