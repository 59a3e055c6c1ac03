package structure

import (
	"errors"
	"strconv"
)

// The schema is 3.4 MB of JSON of which one resource type reaches about a
// twentieth. splitSchema finds each definition's bytes with a scanner that
// skips values without decoding them; encoding/json would decode, or at least
// validate, the whole document.

var errSchemaJSON = errors.New("malformed JSON")

// splitSchema returns the schema's top-level strings ($schema, id) and the
// raw JSON of each of its definitions.
func splitSchema(data []byte) (map[string]any, map[string][]byte, error) {
	sc := &skipper{b: data}
	top := map[string]any{}
	defs := map[string][]byte{}
	err := sc.object(func(key string) error {
		switch key {
		case "definitions":
			return sc.object(func(name string) error {
				start := sc.ws()
				if err := sc.skip(); err != nil {
					return err
				}
				defs[name] = data[start:sc.i]
				return nil
			})
		case "$schema", "id":
			start := sc.ws()
			if err := sc.skip(); err != nil {
				return err
			}
			v, err := strconv.Unquote(string(data[start:sc.i]))
			if err != nil {
				return err
			}
			top[key] = v
			return nil
		}
		return sc.skip()
	})
	if err == nil && len(defs) == 0 {
		err = errors.New("no definitions")
	}
	return top, defs, err
}

// skipper walks JSON bytes.
type skipper struct {
	b []byte
	i int
}

// ws skips white space and returns the position of the next value.
func (s *skipper) ws() int {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return s.i
		}
	}
	return s.i
}

func (s *skipper) str() (string, error) {
	if s.ws(); s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", errSchemaJSON
	}
	start := s.i
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return strconv.Unquote(string(s.b[start:s.i]))
		}
	}
	return "", errSchemaJSON
}

// skip passes over one value of any kind.
func (s *skipper) skip() error {
	if s.ws(); s.i >= len(s.b) {
		return errSchemaJSON
	}
	switch s.b[s.i] {
	case '"':
		_, err := s.str()
		return err
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, err := s.str(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errSchemaJSON
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return nil
		}
		s.i++
	}
	return nil
}

// object calls f with each member's key, the cursor on its value; f must
// consume the value.
func (s *skipper) object(f func(key string) error) error {
	if s.ws(); s.i >= len(s.b) || s.b[s.i] != '{' {
		return errSchemaJSON
	}
	s.i++
	if s.ws(); s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return err
		}
		if s.ws(); s.i >= len(s.b) || s.b[s.i] != ':' {
			return errSchemaJSON
		}
		s.i++
		if err := f(k); err != nil {
			return err
		}
		if s.ws(); s.i >= len(s.b) {
			return errSchemaJSON
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errSchemaJSON
		}
	}
}
