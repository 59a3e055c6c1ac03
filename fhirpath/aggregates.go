package fhirpath

// aggregate() of FHIRPath section 7.

func fnAggregate(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	var total []item
	if len(n.args) == 2 {
		t, err := n.arg(c, s, 1)
		if err != nil {
			return nil, err
		}
		total = t
	}
	for i := range in {
		sc := scope{this: in[i : i+1], index: i, total: total}
		r, err := n.args[0].eval(c, &sc, in[i:i+1])
		if err != nil {
			return nil, err
		}
		total = r
	}
	return total, nil
}
