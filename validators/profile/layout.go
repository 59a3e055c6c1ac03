package profile

import "sync/atomic"

// layout is how the JSON object of one element and type holds its children:
// the children and their index by name, and every key a child may take in
// the object — its name, its "_" companion and, for a choice, each type's
// name ("valueQuantity", "_valueString"). A walk looks each key of an object
// up once in it, where it would otherwise trim, cut and compare the key
// against every choice for every object. Built once per node and type (the
// first walk that meets them), immutable, shared by every walk.
type layout struct {
	kids  []*node
	index map[string]*node
	// keys finds what a key of the object is.
	keys map[string]keyRole
	// slots counts the distinct places keys fill: one per plain child name
	// and one per choice child.
	slots int
	// kidSlot is the slot of each of kids: the slot of the plain child its
	// name finds in index (-1 when that is a choice: the child is never
	// present), or the choice's own.
	kidSlot []int
	// slotKids is the child each slot is for: the plain child of its name,
	// or the choice (the stream path's scan finds a key's child by it).
	slotKids []*node
}

// keyRole is what one key is: the value or "_" companion of a plain child
// (plain >= 0), of one or more choices (a profile may list choices whose
// names overlap, so a key is matched against each as the definition says),
// or both.
type keyRole struct {
	plain     int
	companion bool
	choices   []choiceKey
}

// choiceKey is a choice child's name for one of its types ("valueQuantity").
type choiceKey struct {
	slot int
	name string
	t    *typeInfo
}

// newLayout builds the layout of the children kids, indexed by index.
func newLayout(kids []*node, index map[string]*node) *layout {
	l := &layout{kids: kids, index: index, keys: map[string]keyRole{}, kidSlot: make([]int, len(kids))}
	plain := map[string]int{}
	for name, q := range index {
		if q.choice {
			continue
		}
		plain[name] = l.slots
		l.keys[name] = keyRole{plain: l.slots}
		l.keys["_"+name] = keyRole{plain: l.slots, companion: true}
		l.slots++
	}
	for i, k := range kids {
		if !k.choice {
			s, ok := plain[k.name]
			if !ok {
				s = -1
			}
			l.kidSlot[i] = s
			continue
		}
		l.kidSlot[i] = l.slots
		for _, t := range k.types {
			// a key names the first type with its suffix (typeBySuffix)
			if t.suffix == "" || t.suffix[0] < 'A' || t.suffix[0] > 'Z' || k.typeBySuffix(t.suffix) != t {
				continue
			}
			name := k.name + t.suffix
			for _, key := range []string{name, "_" + name} {
				r, ok := l.keys[key]
				if !ok {
					r = keyRole{plain: -1, companion: key[0] == '_'}
				}
				r.choices = append(r.choices, choiceKey{slot: l.slots, name: name, t: t})
				l.keys[key] = r
			}
		}
		l.slots++
	}
	l.slotKids = make([]*node, l.slots)
	for name, s := range plain {
		l.slotKids[s] = index[name]
	}
	for i, k := range kids {
		if k.choice {
			l.slotKids[l.kidSlot[i]] = k
		}
	}
	return l
}

// ownLayout is the layout of n's own children, built on first use.
func (n *node) ownLayout() *layout {
	if l := n.layout.Load(); l != nil {
		return l
	}
	n.layout.CompareAndSwap(nil, newLayout(n.children, n.kidIndex))
	return n.layout.Load()
}

// layoutPtr holds a node's layout, built by whichever walk needs it first.
type layoutPtr = atomic.Pointer[layout]
