package check

import (
	"fmt"
	"time"
)

// Params are a check's parameters as decoded from YAML. The accessors return
// errors that name the parameter, so suite authors learn what to fix.
type Params map[string]any

// String returns the string parameter key, or def when absent.
func (p Params) String(key, def string) (string, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("parameter %q: want a string, got %T", key, v)
	}
	return s, nil
}

// Strings returns a list of strings (a single string is a list of one).
func (p Params) Strings(key string) ([]string, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("parameter %q[%d]: want a string, got %T", key, i, e)
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		return x, nil
	}
	return nil, fmt.Errorf("parameter %q: want a list of strings, got %T", key, v)
}

// Float returns a number parameter. Percentages written as "95%" become 0.95.
func (p Params) Float(key string, def float64) (float64, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	f, err := number(v)
	if err != nil {
		return 0, fmt.Errorf("parameter %q: %w", key, err)
	}
	return f, nil
}

// Int returns an integer parameter.
func (p Params) Int(key string, def int) (int, error) {
	f, err := p.Float(key, float64(def))
	if err != nil {
		return 0, err
	}
	if f != float64(int(f)) {
		return 0, fmt.Errorf("parameter %q: want a whole number, got %g", key, f)
	}
	return int(f), nil
}

// Bool returns a boolean parameter.
func (p Params) Bool(key string, def bool) (bool, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("parameter %q: want true or false, got %T", key, v)
	}
	return b, nil
}

// Duration returns a duration parameter written as Go durations ("90s", "36h")
// or with a day suffix ("7d").
func (p Params) Duration(key string, def time.Duration) (time.Duration, error) {
	s, err := p.String(key, "")
	if err != nil || s == "" {
		return def, err
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("parameter %q: %w", key, err)
	}
	return d, nil
}

// Map returns a nested mapping parameter.
func (p Params) Map(key string) (Params, error) {
	v, ok := p[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch m := v.(type) {
	case map[string]any:
		return Params(m), nil
	case Params:
		return m, nil
	}
	return nil, fmt.Errorf("parameter %q: want a mapping, got %T", key, v)
}
