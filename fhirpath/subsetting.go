package fhirpath

// The subsetting functions of FHIRPath section 5.3.

func fnSingle(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(in) > 1 {
		return nil, errf("single() found %d values", len(in))
	}
	return in, nil
}

func fnFirst(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(in) == 0 {
		return nil, nil
	}
	return in[:1], nil
}

func fnLast(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(in) == 0 {
		return nil, nil
	}
	return in[len(in)-1:], nil
}

func fnTail(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(in) < 2 {
		return nil, nil
	}
	return in[1:], nil
}

func fnSkip(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	k, ok, err := n.intArg(c, s, 0)
	if err != nil || !ok {
		return nil, err
	}
	if k <= 0 {
		return in, nil
	}
	if int(k) >= len(in) {
		return nil, nil
	}
	return in[k:], nil
}

func fnTake(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	k, ok, err := n.intArg(c, s, 0)
	if err != nil || !ok || k <= 0 {
		return nil, err
	}
	if int(k) >= len(in) {
		return in, nil
	}
	return in[:k], nil
}

func fnIntersect(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	other, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	var out []item
	for _, it := range in {
		if containsItem(other, it) && !containsItem(out, it) {
			out = append(out, it)
		}
	}
	return out, nil
}

func fnExclude(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	other, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	var out []item
	for _, it := range in {
		if !containsItem(other, it) {
			out = append(out, it)
		}
	}
	return out, nil
}
