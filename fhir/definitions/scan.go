package definitions

import (
	"errors"
	"strconv"
)

// The embedded core is tens of megabytes of JSON. Indexing it needs only a few
// top-level strings of each resource, so a small scanner that skips values
// without decoding them replaces encoding/json there; each resource is
// decoded in full only when asked for.

var errScan = errors.New("malformed JSON")

// scanner walks JSON bytes.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) expect(c byte) error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != c {
		return errScan
	}
	s.i++
	return nil
}

// str reads a string and returns its raw (still escaped) content.
func (s *scanner) str() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.b[start : s.i-1], nil
		default:
			s.i++
		}
	}
	return nil, errScan
}

// skip passes over one value of any kind.
func (s *scanner) skip() error {
	s.ws()
	if s.i >= len(s.b) {
		return errScan
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
		return errScan
	default:
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return nil
			}
			s.i++
		}
		return nil
	}
}

// object calls f for each member of the object at the cursor; f must consume
// the value (read it or call skip).
func (s *scanner) object(f func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := f(k); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return errScan
		}
		if s.b[s.i] == ',' {
			s.i++
			s.ws()
			continue
		}
		if s.b[s.i] == '}' {
			s.i++
			return nil
		}
		return errScan
	}
}

// array calls f for each element of the array at the cursor.
func (s *scanner) array(f func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		if err := f(); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return errScan
		}
		if s.b[s.i] == ',' {
			s.i++
			continue
		}
		if s.b[s.i] == ']' {
			s.i++
			return nil
		}
		return errScan
	}
}

func unquote(raw []byte) string {
	for _, c := range raw {
		if c == '\\' {
			if s, err := strconv.Unquote(`"` + string(raw) + `"`); err == nil {
				return s
			}
			break
		}
	}
	return string(raw)
}

// scanBundle returns the raw resources of a Bundle's entries.
func scanBundle(data []byte) ([][]byte, error) {
	s := &scanner{b: data}
	var out [][]byte
	err := s.object(func(key []byte) error {
		if string(key) != "entry" {
			return s.skip()
		}
		return s.array(func() error {
			return s.object(func(key []byte) error {
				if string(key) != "resource" {
					return s.skip()
				}
				s.ws()
				start := s.i
				if err := s.skip(); err != nil {
					return err
				}
				out = append(out, data[start:s.i])
				return nil
			})
		})
	})
	return out, err
}

// scanHeader reads the top-level strings indexing needs from a resource.
func scanHeader(raw []byte) (header, error) {
	var h header
	s := &scanner{b: raw}
	err := s.object(func(key []byte) error {
		var dst *string
		switch string(key) {
		case "resourceType":
			dst = &h.ResourceType
		case "url":
			dst = &h.URL
		case "version":
			dst = &h.Version
		case "name":
			dst = &h.Name
		default:
			return s.skip()
		}
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '"' {
			v, err := s.str()
			if err != nil {
				return err
			}
			*dst = unquote(v)
			return nil
		}
		return s.skip()
	})
	return h, err
}
