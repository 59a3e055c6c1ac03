package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// slice assigns each repetition of a sliced element to the first slice whose
// discriminators it satisfies, checks slice cardinalities and the slicing
// rules (closed, ordered, open at end), and returns the slice of each item
// (nil for none). Messages name every slice tried and why it rejected the item.
func (w *walker) slice(items []any, k *node, t *typeInfo, path, name string) []*node {
	matched := make([]*node, len(items))
	reasons := make([][]string, len(items))
	counts := make([]int, len(k.slices))
	lastSlice := -1
	firstUnmatched := -1
	ordered := k.slicing.Ordered
	for i, item := range items {
		for si, s := range k.slices {
			ok, why := w.sliceMatch(item, k, s, t)
			if ok {
				matched[i] = s
				counts[si]++
				if ordered && si < lastSlice {
					w.add(model.Error, CodeSlicing, itemPath(path, k, i), fmt.Sprintf("%s is in slice %q, which the ordered slicing puts before slice %q of an earlier item", name, s.sliceName, k.slices[lastSlice].sliceName), "")
				}
				lastSlice = max(lastSlice, si)
				break
			}
			reasons[i] = append(reasons[i], fmt.Sprintf("slice %q: %s", s.sliceName, why))
		}
		if matched[i] == nil {
			switch k.slicing.Rules {
			case "closed":
				w.add(model.Error, CodeSlicing, itemPath(path, k, i), fmt.Sprintf("%s matches none of the slices and the slicing is closed; tried %s", name, strings.Join(reasons[i], "; ")), "")
			}
		} else if k.slicing.Rules == "openAtEnd" && firstUnmatched >= 0 {
			w.add(model.Error, CodeSlicing, itemPath(path, k, firstUnmatched), fmt.Sprintf("%s matches no slice but comes before sliced items: the slicing is open only at the end", name), "")
			firstUnmatched = len(items) // report once
		}
		if matched[i] == nil && firstUnmatched < 0 {
			firstUnmatched = i
		}
	}
	for si, s := range k.slices {
		if counts[si] < s.min {
			msg := fmt.Sprintf("slice %q of %s requires at least %d value(s) but %d matched", s.sliceName, name, s.min, counts[si])
			var tried []string
			for i := range items {
				if matched[i] != s {
					for _, r := range reasons[i] {
						if strings.HasPrefix(r, fmt.Sprintf("slice %q:", s.sliceName)) {
							tried = append(tried, fmt.Sprintf("item %d rejected: %s", i, strings.TrimPrefix(r, fmt.Sprintf("slice %q: ", s.sliceName))))
						}
					}
				}
			}
			if len(tried) > 0 {
				msg += " (" + strings.Join(tried, "; ") + ")"
			}
			w.add(model.Error, CodeSlicing, path, msg, "")
		}
		if s.max >= 0 && counts[si] > s.max {
			w.add(model.Error, CodeSlicing, path, fmt.Sprintf("slice %q of %s allows at most %d value(s) but %d matched", s.sliceName, name, s.max, counts[si]), "")
		}
	}
	return matched
}

func itemPath(path string, k *node, i int) string {
	if k.baseMax1 {
		return path
	}
	return fmt.Sprintf("%s[%d]", path, i)
}

// sliceMatch reports whether item satisfies every discriminator of slice s;
// when not, it says why.
func (w *walker) sliceMatch(item any, k, s *node, t *typeInfo) (bool, string) {
	if len(k.slicing.Discriminator) == 0 {
		return false, "the slicing has no discriminator, so items cannot be assigned"
	}
	for _, d := range k.slicing.Discriminator {
		if ok, why := w.discriminate(item, s, t, d); !ok {
			return false, why
		}
	}
	return true, ""
}

func (w *walker) discriminate(item any, s *node, t *typeInfo, d definitions.Discriminator) (bool, string) {
	values := w.evalPath(item, d.Path)
	switch d.Type {
	case "value", "pattern":
		want, isPattern, binding := expected(s, d.Path)
		switch {
		case want != nil:
			for _, v := range values {
				if (isPattern && matchesPattern(want, v)) || (!isPattern && equalValue(want, v)) {
					return true, ""
				}
			}
			return false, fmt.Sprintf("%s is %s, the slice requires %s", d.Path, shownValues(values), compact(want))
		case binding != nil:
			for _, v := range values {
				if ok := w.inBinding(v, binding); ok {
					return true, ""
				}
			}
			return false, fmt.Sprintf("%s is %s, not in the value set %s", d.Path, shownValues(values), binding.valueSet)
		}
		// The slice does not constrain this path: any value satisfies it.
		return true, ""
	case "exists":
		n := descend(s, d.Path)
		if n == nil {
			return false, fmt.Sprintf("the slice does not constrain %s", d.Path)
		}
		if n.min >= 1 && len(values) == 0 {
			return false, fmt.Sprintf("%s is absent, the slice requires it", d.Path)
		}
		if n.max == 0 && len(values) > 0 {
			return false, fmt.Sprintf("%s is present, the slice forbids it", d.Path)
		}
		return true, ""
	case "type":
		got := ""
		if d.Path == "$this" && t != nil {
			got = t.code
		} else if len(values) > 0 {
			if m, ok := values[0].(map[string]any); ok {
				got, _ = m["resourceType"].(string)
			}
		}
		n := descend(s, d.Path)
		if n == nil || len(n.types) == 0 {
			return false, fmt.Sprintf("the slice does not constrain the type of %s", d.Path)
		}
		for _, nt := range n.types {
			if nt.code == got {
				return true, ""
			}
			for _, tp := range nt.targetProfiles {
				if strings.HasSuffix(tp, "/"+got) {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%s is of type %q, the slice requires %s", d.Path, got, typeList(n))
	case "profile":
		n := descend(s, d.Path)
		if n == nil || len(n.types) == 0 || len(values) == 0 {
			return false, fmt.Sprintf("cannot evaluate profile discriminator on %s", d.Path)
		}
		for _, nt := range n.types {
			for _, prof := range append(append([]string{}, nt.profiles...), nt.targetProfiles...) {
				p, err := w.e.Plan(prof)
				if err != nil {
					continue
				}
				m, ok := values[0].(map[string]any)
				if !ok {
					continue
				}
				if !hasError(w.conformance(m, p, d.Path)) {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%s does not conform to the slice's profile", d.Path)
	}
	return false, fmt.Sprintf("discriminator type %q is not supported", d.Type)
}

func hasError(fs []model.Finding) bool {
	for _, f := range fs {
		if f.Severity == model.Error {
			return true
		}
	}
	return false
}

func (w *walker) inBinding(v any, b *binding) bool {
	switch x := v.(type) {
	case string:
		in, known := w.e.codes.Contains(b.valueSet, "", x)
		return in && known
	case map[string]any:
		if codings, ok := x["coding"].([]any); ok {
			for _, c := range codings {
				if w.inBinding(c, b) {
					return true
				}
			}
			return false
		}
		system, _ := x["system"].(string)
		code, _ := x["code"].(string)
		in, known := w.e.codes.Contains(b.valueSet, system, code)
		return in && known
	}
	return false
}

func shownValues(vs []any) string {
	switch len(vs) {
	case 0:
		return "absent"
	case 1:
		return compact(vs[0])
	}
	return compact(vs)
}

// expected finds what a value/pattern discriminator requires of a slice at
// path: a fixed or pattern value on the element the path reaches, a value
// read from a pattern higher up, the profile URL of an extension slice, or a
// required binding.
func expected(s *node, path string) (want any, isPattern bool, b *binding) {
	segs := splitPath(path)
	n := s
	var inherited any
	inheritedPattern := false
	if s.fixed != nil {
		inherited = s.fixed
	} else if s.pattern != nil {
		inherited, inheritedPattern = s.pattern, true
	}
	for _, seg := range segs {
		if seg == "$this" {
			continue
		}
		if inherited != nil {
			if m, ok := inherited.(map[string]any); ok {
				inherited = m[seg]
			} else if arr, ok := inherited.([]any); ok && len(arr) > 0 {
				if m, ok := arr[0].(map[string]any); ok {
					inherited = m[seg]
				} else {
					inherited = nil
				}
			} else {
				inherited = nil
			}
		}
		if seg == "url" && n != nil && len(n.types) == 1 && n.types[0].code == "Extension" && len(n.types[0].profiles) > 0 {
			if c := child(n, "url"); c == nil || (c.fixed == nil && c.pattern == nil) {
				u, _ := definitions.SplitCanonical(n.types[0].profiles[0])
				return u, false, nil
			}
		}
		if n != nil {
			n = child(n, seg)
		}
		if n != nil {
			if n.fixed != nil {
				inherited, inheritedPattern = n.fixed, false
			} else if n.pattern != nil {
				inherited, inheritedPattern = n.pattern, true
			}
		}
	}
	if inherited != nil {
		return inherited, inheritedPattern, nil
	}
	if n != nil && n.binding != nil && n.binding.strength == "required" {
		return nil, false, n.binding
	}
	return nil, false, nil
}

// descend follows a discriminator path through a slice's own children.
func descend(s *node, path string) *node {
	n := s
	for _, seg := range splitPath(path) {
		if seg == "$this" {
			continue
		}
		if n = child(n, seg); n == nil {
			return nil
		}
	}
	return n
}

func child(n *node, name string) *node {
	var t *typeInfo
	if len(n.types) == 1 {
		t = n.types[0]
	}
	_, idx := n.kids(t)
	if c := idx[name]; c != nil {
		return c
	}
	return nil
}

// splitPath splits a discriminator path, dropping function calls it does not
// navigate ("resolve()", "ofType(X)").
func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		if strings.HasSuffix(seg, ")") && !strings.HasPrefix(seg, "extension(") {
			continue
		}
		out = append(out, seg)
	}
	return out
}

// evalPath evaluates the small FHIRPath subset discriminators use: names,
// $this, extension('url') and resolve().
func (w *walker) evalPath(item any, path string) []any {
	cur := []any{item}
	for _, seg := range strings.Split(path, ".") {
		var next []any
		switch {
		case seg == "$this":
			continue
		case seg == "resolve()":
			for _, c := range cur {
				if m, ok := c.(map[string]any); ok {
					if r := w.resolveLocal(m); r != nil {
						next = append(next, r)
					}
				}
			}
		case strings.HasPrefix(seg, "extension(") && strings.HasSuffix(seg, ")"):
			url := strings.Trim(seg[len("extension("):len(seg)-1], `'"`)
			for _, c := range cur {
				m, _ := c.(map[string]any)
				exts, _ := m["extension"].([]any)
				for _, e := range exts {
					if em, ok := e.(map[string]any); ok && em["url"] == url {
						next = append(next, em)
					}
				}
			}
		case strings.HasSuffix(seg, ")"):
			next = cur // ofType(X) and the like: keep the values
		default:
			for _, c := range cur {
				m, ok := c.(map[string]any)
				if !ok {
					continue
				}
				v, ok := m[seg]
				if !ok {
					// a choice element named without its type ("value")
					for key, cv := range m {
						if rest, ok := strings.CutPrefix(key, seg); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
							v = cv
							break
						}
					}
				}
				if arr, ok := v.([]any); ok {
					next = append(next, arr...)
				} else if v != nil {
					next = append(next, v)
				}
			}
		}
		cur = next
	}
	return cur
}

// resolveLocal resolves a Reference to a contained resource, a resource of the
// record's Parameters or a Bundle entry.
func (w *walker) resolveLocal(ref map[string]any) map[string]any {
	r, _ := ref["reference"].(string)
	if strings.HasPrefix(r, "#") {
		return w.containedByID(r[1:])
	}
	e := w.findLocal(r)
	if e == nil {
		return nil
	}
	return map[string]any{"resourceType": e.typ, "id": e.id}
}
