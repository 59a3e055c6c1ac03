package fhirpath

// The combining functions of FHIRPath section 5.4.

func fnUnion(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	other, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	return union(in, other), nil
}

func fnCombine(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	other, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	out := make([]item, 0, len(in)+len(other))
	return append(append(out, in...), other...), nil
}
