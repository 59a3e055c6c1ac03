package fhirpath

import "slices"

// The tree navigation functions of FHIRPath section 5.8.

func fnChildren(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	var out []item
	for _, it := range in {
		out = c.allChildren(out, it)
	}
	return out, nil
}

func fnDescendants(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	// breadth first, using the result itself as the queue
	var out []item
	for _, it := range in {
		out = c.allChildren(out, it)
	}
	for i := 0; i < len(out); i++ {
		out = c.allChildren(out, out[i])
	}
	return out, nil
}

// allChildren appends every child element of it, in a stable order.
func (c *evalCtx) allChildren(out []item, it item) []item {
	m, ok := it.v.(map[string]any)
	if !ok {
		if it.ext != nil {
			return c.allChildren(out, item{v: it.ext, t: "Element", p: "Element", fhir: true, loc: it.loc})
		}
		return out
	}
	var buf [32]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if cap(out)-len(out) < len(keys) {
		out = slices.Grow(out, len(keys))
	}
	for _, k := range keys {
		if k == "resourceType" {
			continue
		}
		if k[0] == '_' {
			if _, has := m[k[1:]]; has {
				continue
			}
			k = k[1:]
		}
		out = c.childrenByKey(out, it, m, k)
	}
	return out
}

// childrenByKey is children() for one JSON name, which for a choice element
// carries the type suffix.
func (c *evalCtx) childrenByKey(out []item, it item, m map[string]any, k string) []item {
	if c.model != nil && it.p != "" {
		if typ, path, choice, known := c.model.Child(it.p, k); known && !choice {
			if typ == "" {
				typ, path = guessType(m[k])
			}
			return appendValues(out, m[k], m["_"+k], typ, path, c.locate(it, k))
		}
		for i := len(k) - 1; i > 0; i-- {
			if k[i] >= 'A' && k[i] <= 'Z' {
				if t, ok := choiceType(k[i:]); ok {
					if _, _, choice, known := c.model.Child(it.p, k[:i]); known && choice {
						return appendValues(out, m[k], m["_"+k], t, t, c.locate(it, k))
					}
				}
			}
		}
	}
	typ, path := guessType(m[k])
	return appendValues(out, m[k], m["_"+k], typ, path, c.locate(it, k))
}
