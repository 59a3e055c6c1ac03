// Package secret is carecert's one scrubber of credentials. A run collects
// the secrets it handles (tokens, API keys, passwords and secret query
// parameters of URLs) into a Set, and every string that reaches an output or
// the history passes through Set.Scrub last: a server that echoes the token
// in an OperationOutcome or a coded value gets "[REDACTED]" into the report,
// not the token. Each secret is also looked for in the forms it travels in
// (base64 as in Basic authentication, URL-escaped), and a secret cut short
// where a message or excerpt was clipped is removed as far as it goes.
package secret

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces a secret.
const Redacted = "[REDACTED]"

// minLength is the shortest value treated as a secret: shorter ones (a
// header such as "1") would redact ordinary words.
const minLength = 6

// minPrefix is the shortest start of a secret removed when the secret was
// cut short at the end of a string or before an ellipsis.
const minPrefix = 8

// Set holds a run's secrets. The zero value is empty and ready; a Set is
// safe for concurrent use.
type Set struct {
	mu    sync.RWMutex
	forms map[string]bool
	// sorted holds the forms longest first, so a longer form (a token) is
	// replaced before a shorter one it contains.
	sorted []string
}

// Add records secrets and the forms they travel in. Values shorter than six
// characters are ignored.
func (s *Set) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forms == nil {
		s.forms = map[string]bool{}
	}
	for _, v := range secrets {
		v = strings.TrimSpace(v)
		if len(v) < minLength {
			continue
		}
		for _, f := range forms(v) {
			if len(f) >= minLength && !s.forms[f] {
				s.forms[f] = true
				s.sorted = append(s.sorted, f)
			}
		}
	}
	sort.Slice(s.sorted, func(i, j int) bool {
		if len(s.sorted[i]) != len(s.sorted[j]) {
			return len(s.sorted[i]) > len(s.sorted[j])
		}
		return s.sorted[i] < s.sorted[j]
	})
}

// AddURL records the secrets of a URL: the password of its userinfo (and
// user:password in base64, as Basic authentication sends it) and the values
// of query parameters named like credentials (token, key, secret, password,
// auth, signature).
func (s *Set) AddURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			s.Add(p, u.User.Username()+":"+p)
		}
	}
	for k, vs := range u.Query() {
		if SecretName(k) {
			s.Add(vs...)
		}
	}
}

// SecretName reports whether a query parameter or header is named like a
// credential.
func SecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "password", "passwd", "key", "auth", "signature", "sig", "credential", "session"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// forms are the spellings of v to look for.
func forms(v string) []string {
	b := []byte(v)
	return []string{
		v,
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		url.QueryEscape(v),
		url.PathEscape(v),
	}
}

// Empty reports whether the set holds no secret.
func (s *Set) Empty() bool {
	if s == nil {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sorted) == 0
}

// Scrub returns str with every secret replaced by Redacted, including a
// secret's start (eight characters or more) that ends the string or an
// ellipsis, where something clipped it.
func (s *Set) Scrub(str string) string {
	if s == nil || str == "" {
		return str
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, f := range s.sorted {
		if strings.Contains(str, f) {
			str = strings.ReplaceAll(str, f, Redacted)
		}
		str = scrubCut(str, f)
	}
	return str
}

// scrubCut removes starts of f that a clip left at the end of str or before
// "…" or "...".
func scrubCut(str, f string) string {
	if len(f) <= minPrefix {
		return str
	}
	head := f[:minPrefix]
	from := 0
	for {
		i := strings.Index(str[from:], head)
		if i < 0 {
			return str
		}
		i += from
		n := minPrefix
		for n < len(f) && i+n < len(str) && str[i+n] == f[n] {
			n++
		}
		rest := str[i+n:]
		if rest == "" || strings.HasPrefix(rest, "…") || strings.HasPrefix(rest, "...") {
			str = str[:i] + Redacted + rest
			from = i + len(Redacted)
			continue
		}
		from = i + 1
	}
}

// ScrubValue scrubs, in place, every string reachable from ptr (a pointer to
// a struct such as a report): fields, slices, arrays, map keys and values,
// and interface values holding strings. It walks by reflection so that a
// field added to a report later cannot slip past it.
func (s *Set) ScrubValue(ptr any) {
	if s.Empty() {
		return
	}
	s.scrubValue(reflect.ValueOf(ptr))
}

func (s *Set) scrubValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Interface {
			e := v.Elem()
			if e.Kind() == reflect.String && v.CanSet() {
				if c := s.Scrub(e.String()); c != e.String() {
					v.Set(reflect.ValueOf(c).Convert(e.Type()))
				}
				return
			}
		}
		s.scrubValue(v.Elem())
	case reflect.String:
		if v.CanSet() {
			if c := s.Scrub(v.String()); c != v.String() {
				v.SetString(c)
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				s.scrubValue(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			s.scrubValue(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			val := v.MapIndex(k)
			nv := reflect.New(val.Type()).Elem()
			nv.Set(val)
			s.scrubValue(nv)
			nk := k
			if k.Kind() == reflect.String {
				if c := s.Scrub(k.String()); c != k.String() {
					nk = reflect.ValueOf(c).Convert(k.Type())
					v.SetMapIndex(k, reflect.Value{})
				}
			}
			v.SetMapIndex(nk, nv)
		}
	}
}
