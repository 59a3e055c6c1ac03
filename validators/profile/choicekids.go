package profile

// choiceKids returns the layout of the children of a choice of several types
// for a value of type t. Such a choice lists only the children every type
// shares (id, extension) when a profile constrains them
// ("effective[x].extension"): the rest come from t's definition, with the
// listed ones in place of t's own. Each merge is built once per node and type.
func (n *node) choiceKids(t *typeInfo) *layout {
	if l, ok := n.typed.Load(t.code); ok {
		return l.(*layout)
	}
	base := t.compiled.root.children
	list, index := make([]*node, 0, len(base)), make(map[string]*node, len(base))
	for _, k := range base {
		if own := n.kidIndex[k.name]; own != nil {
			k = own
		}
		list = append(list, k)
		index[k.name] = k
	}
	for _, k := range n.children {
		if index[k.name] == nil {
			list = append(list, k)
			index[k.name] = k
		}
	}
	actual, _ := n.typed.LoadOrStore(t.code, newLayout(list, index))
	return actual.(*layout)
}
