package profile

// kidSet is a list of child nodes with its index by name.
type kidSet struct {
	list  []*node
	index map[string]*node
}

// choiceKids returns the children of a choice of several types for a value of
// type t. Such a choice lists only the children every type shares (id,
// extension) when a profile constrains them ("effective[x].extension"): the
// rest come from t's definition, with the listed ones in place of t's own.
// Each merge is built once per node and type.
func (n *node) choiceKids(t *typeInfo) ([]*node, map[string]*node) {
	if ks, ok := n.typed.Load(t.code); ok {
		return ks.(*kidSet).list, ks.(*kidSet).index
	}
	base := t.plan.root.children
	ks := &kidSet{list: make([]*node, 0, len(base)), index: make(map[string]*node, len(base))}
	for _, k := range base {
		if own := n.kidIndex[k.name]; own != nil {
			k = own
		}
		ks.list = append(ks.list, k)
		ks.index[k.name] = k
	}
	for _, k := range n.children {
		if ks.index[k.name] == nil {
			ks.list = append(ks.list, k)
			ks.index[k.name] = k
		}
	}
	actual, _ := n.typed.LoadOrStore(t.code, ks)
	return actual.(*kidSet).list, actual.(*kidSet).index
}
