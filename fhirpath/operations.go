package fhirpath

// Operators of FHIRPath section 6 that are also written as functions: is()
// and as() (6.3 types) and not() (6.5 boolean logic).

func fnIs(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return c.typeTest("is", in, n.typ)
}

// fnAs on a collection filters it like ofType(): R4 invariants rely on that
// (dom-3: descendants().as(canonical)), although FHIRPath 2 makes it an error.
func fnAs(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if err := c.checkType(n.typ); err != nil {
		return nil, err
	}
	var out []item
	for _, it := range in {
		if isType(it, n.typ, true) || asSystemType(it, n.typ) {
			out = append(out, it)
		}
	}
	return out, nil
}

func fnNot(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	b, ok, err := singletonBool(in)
	if err != nil || !ok {
		return nil, err
	}
	return boolItems(!b), nil
}
