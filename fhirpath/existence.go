package fhirpath

// The existence functions of FHIRPath section 5.1.

func fnEmpty(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boolItems(len(in) == 0), nil
}

func fnExists(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(n.args) == 0 {
		return boolItems(len(in) > 0), nil
	}
	found := false
	err := n.each(c, s, in, 0, func(_ int, r []item) (bool, error) {
		b, ok, err := singletonBool(r)
		found = ok && b
		return found, err
	})
	return boolItems(found), err
}

func fnAll(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	all := true
	err := n.each(c, s, in, 0, func(_ int, r []item) (bool, error) {
		b, ok, err := singletonBool(r)
		if !ok || !b {
			all = false
		}
		return !all, err
	})
	return boolItems(all), err
}

func fnAllTrue(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boolsAgg(in, n, func(b bool) bool { return !b }, true)
}

func fnAnyTrue(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boolsAgg(in, n, func(b bool) bool { return b }, false)
}

func fnAllFalse(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boolsAgg(in, n, func(b bool) bool { return b }, true)
}

func fnAnyFalse(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boolsAgg(in, n, func(b bool) bool { return !b }, false)
}

// boolsAgg is allTrue() and its kin: the answer is !ifNone as soon as a
// boolean stops the scan, ifNone when none does.
func boolsAgg(in []item, n *funcNode, stopOn func(bool) bool, ifNone bool) ([]item, error) {
	for _, it := range in {
		b, ok := it.v.(bool)
		if !ok {
			return nil, errf("%s() needs booleans, got %s", n.name, describe(it))
		}
		if stopOn(b) {
			return boolItems(!ifNone), nil
		}
	}
	return boolItems(ifNone), nil
}

func fnSubsetOf(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	other, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	return boolItems(isSubset(in, other)), nil
}

func fnSupersetOf(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	other, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	return boolItems(isSubset(other, in)), nil
}

// isSubset reports whether every item of a is in b.
func isSubset(a, b []item) bool {
	for _, it := range a {
		if !containsItem(b, it) {
			return false
		}
	}
	return true
}

func fnCount(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return integer(int64(len(in))), nil
}

func fnDistinct(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return union(in, nil), nil
}

func fnIsDistinct(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boolItems(len(union(in, nil)) == len(in)), nil
}
