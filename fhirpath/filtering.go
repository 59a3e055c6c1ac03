package fhirpath

import "sort"

// The filtering and projection functions of FHIRPath section 5.2, and sort(),
// which FHIRPath 3.0 adds (trial use): like where() and select() it evaluates
// its arguments once per item.

func fnWhere(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	var out []item
	err := n.each(c, s, in, 0, func(i int, r []item) (bool, error) {
		b, ok, err := singletonBool(r)
		if ok && b {
			out = append(out, in[i])
		}
		return false, err
	})
	return out, err
}

func fnSelect(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	var out []item
	err := n.each(c, s, in, 0, func(_ int, r []item) (bool, error) {
		out = append(out, r...)
		return false, nil
	})
	return out, err
}

func fnRepeat(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	var out []item
	work := in
	for len(work) > 0 {
		var next []item
		err := n.each(c, s, work, 0, func(_ int, r []item) (bool, error) {
			for _, it := range r {
				if !containsItem(out, it) {
					out = append(out, it)
					next = append(next, it)
				}
			}
			// Each round can double the work: spend the budget per round.
			return false, c.spend(out)
		})
		if err != nil {
			return nil, err
		}
		work = next
	}
	return out, nil
}

func fnOfType(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if err := c.checkType(n.typ); err != nil {
		return nil, err
	}
	var out []item
	for _, it := range in {
		if isType(it, n.typ, true) {
			out = append(out, it)
		}
	}
	return out, nil
}

func fnSort(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	type keyed struct {
		it   item
		keys [][]item
	}
	rows := make([]keyed, len(in))
	for i, it := range in {
		rows[i].it = it
		for _, k := range n.args {
			if neg, ok := k.(*negateNode); ok {
				k = neg.operand
			}
			sc := scope{this: in[i : i+1], index: i, total: s.total}
			v, err := k.eval(c, &sc, in[i:i+1])
			if err != nil {
				return nil, err
			}
			rows[i].keys = append(rows[i].keys, v)
		}
		if len(n.args) == 0 {
			rows[i].keys = [][]item{{it}}
		}
	}
	var failed error
	sort.SliceStable(rows, func(a, b int) bool {
		for k := range rows[a].keys {
			x, y := rows[a].keys[k], rows[b].keys[k]
			desc := k < len(n.args) && isNegate(n.args[k])
			if len(x) == 0 || len(y) == 0 {
				if len(x) != len(y) {
					return len(x) == 0 // empty keys first, either direction
				}
				continue
			}
			cmp, ok, err := order(x[0], y[0])
			if err != nil {
				failed = err
				return false
			}
			if !ok || cmp == 0 {
				continue
			}
			return (cmp < 0) != desc
		}
		return false
	})
	if failed != nil {
		return nil, failed
	}
	out := make([]item, len(rows))
	for i, r := range rows {
		out[i] = r.it
	}
	return out, nil
}

func isNegate(n node) bool {
	_, ok := n.(*negateNode)
	return ok
}
