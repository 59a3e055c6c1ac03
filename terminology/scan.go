package terminology

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/carecert/carecert/fhir/r4core"
)

// A guide's terminology bundles can be tens of MB of JSON of which a run uses
// a few code systems and value sets. encoding/json would decode (or at least
// fully validate) all of it; this scanner only finds where each Bundle entry's
// resource starts and ends and reads its top-level resourceType, url and
// content, so the rest is decoded on first use. (The embedded core needs no
// scan: its archives carry an index.)

var errScan = errors.New("malformed JSON")

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// scanString reads the JSON string at b[i] (a quote) and returns its value
// and the index past it.
func scanString(b []byte, i int) (string, int, error) {
	if i >= len(b) || b[i] != '"' {
		return "", i, errScan
	}
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return string(b[i+1 : j]), j + 1, nil
			}
			s, err := strconv.Unquote(string(b[i : j+1]))
			if err != nil {
				// JSON escapes Go does not know (\/) are rare in keys and URLs.
				var v string
				if err := json.Unmarshal(b[i:j+1], &v); err != nil {
					return "", j + 1, errScan
				}
				s = v
			}
			return s, j + 1, nil
		}
	}
	return "", len(b), errScan
}

// skipString returns the index past the JSON string at b[i] (a quote).
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return len(b), errScan
}

// skipValue returns the index past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return i, errScan
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				k, err := skipString(b, j)
				if err != nil {
					return k, err
				}
				j = k - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return len(b), errScan
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	if j == i {
		return j, errScan
	}
	return j, nil
}

// scanObject calls field for each member of the object at b[i] with its key
// and the bounds of its value, and returns the index past the object.
func scanObject(b []byte, i int, field func(key string, start, end int) error) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return i, errScan
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		key, j, err := scanString(b, skipSpace(b, i))
		if err != nil {
			return j, err
		}
		j = skipSpace(b, j)
		if j >= len(b) || b[j] != ':' {
			return j, errScan
		}
		start := skipSpace(b, j+1)
		end, err := skipValue(b, start)
		if err != nil {
			return end, err
		}
		if err := field(key, start, end); err != nil {
			return end, err
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		return i, errScan
	}
}

// scanArray calls elem for the bounds of each element of the array at b[i].
func scanArray(b []byte, i int, elem func(start, end int) error) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '[' {
		return i, errScan
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		start := skipSpace(b, i)
		end, err := skipValue(b, start)
		if err != nil {
			return end, err
		}
		if err := elem(start, end); err != nil {
			return end, err
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		return i, errScan
	}
}

// entryHeader is what the lazy index needs of a resource.
type entryHeader struct {
	resourceType, url, content string
	// core is set for an embedded core resource, raw for one read from a file.
	core *r4core.Resource
	raw  []byte
}

// scanBundle returns the resources of a Bundle's entries with their headers.
func scanBundle(b []byte) ([]entryHeader, error) {
	var out []entryHeader
	_, err := scanObject(b, 0, func(key string, start, end int) error {
		if key != "entry" {
			return nil
		}
		_, err := scanArray(b, start, func(es, ee int) error {
			_, err := scanObject(b, es, func(k string, rs, re int) error {
				if k != "resource" {
					return nil
				}
				h := entryHeader{raw: b[rs:re]}
				_, err := scanObject(b, rs, func(f string, vs, ve int) error {
					switch f {
					case "resourceType", "url", "content":
						s, _, err := scanString(b, vs)
						if err != nil {
							return fmt.Errorf("%s is not a string", f)
						}
						switch f {
						case "resourceType":
							h.resourceType = s
						case "url":
							h.url = s
						default:
							h.content = s
						}
					}
					return nil
				})
				out = append(out, h)
				return err
			})
			return err
		})
		return err
	})
	return out, err
}
