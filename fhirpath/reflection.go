package fhirpath

// type() of FHIRPath section 10 (reflection): each value's namespace and
// type name.

func fnType(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	out := make([]item, 0, len(in))
	for _, it := range in {
		ns, name := "System", systemType(sysVal(it))
		if it.fhir && it.t != "" {
			ns, name = "FHIR", it.t
		}
		out = append(out, item{v: map[string]any{"namespace": ns, "name": name}})
	}
	return out, nil
}
