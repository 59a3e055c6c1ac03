package profile

import (
	"slices"
	"sync/atomic"
)

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
	// keys finds what a key of the object is (role).
	keys keyTable
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
	// slotPos is the first of kids each slot is for (-1 when none is: a
	// plain name whose child is a choice), the order the map walk visits
	// them in.
	slotPos []int
	// required are the kids an object must have (min > 0, or a slice
	// with min > 0), by index.
	required []int
}

// keyRole is what one key is: the value or "_" companion of a plain child
// (plain >= 0), of one or more choices (a profile may list choices whose
// names overlap, so a key is matched against each as the definition says),
// or both.
type keyRole struct {
	plain     int
	companion bool
	choices   []choiceKey
	// one is what the key is when it has one meaning, the value of one
	// plain child or of one choice's type (nil otherwise): what the stream
	// path's scan reads, resolved when the layout is built.
	one *keyTarget
}

// keyTarget is the one meaning of a key: its slot, the child, the type
// its value has and its JSON name (the child's, or the choice's for that
// type).
type keyTarget struct {
	slot int
	kid  *node
	t    *typeInfo
	name string
}

// choiceKey is a choice child's name for one of its types ("valueQuantity").
type choiceKey struct {
	slot int
	name string
	t    *typeInfo
}

// newLayout builds the layout of the children kids, indexed by index.
func newLayout(kids []*node, index map[string]*node) *layout {
	l := &layout{kids: kids, index: index, kidSlot: make([]int, len(kids))}
	keys := map[string]keyRole{}
	plain := map[string]int{}
	for name, q := range index {
		if q.choice {
			continue
		}
		plain[name] = l.slots
		keys[name] = keyRole{plain: l.slots}
		keys["_"+name] = keyRole{plain: l.slots, companion: true}
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
				r, ok := keys[key]
				if !ok {
					r = keyRole{plain: -1, companion: key[0] == '_'}
				}
				r.choices = append(r.choices, choiceKey{slot: l.slots, name: name, t: t})
				keys[key] = r
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
	l.slotPos = make([]int, l.slots)
	for s := range l.slotPos {
		l.slotPos[s] = slices.Index(l.kidSlot, s)
	}
	for i, k := range kids {
		if k.min > 0 || slices.ContainsFunc(k.slices, func(sl *node) bool { return sl.min > 0 }) {
			l.required = append(l.required, i)
		}
	}
	for key, r := range keys {
		r.one = l.target(r)
		keys[key] = r
	}
	l.keys = newKeyTable(keys)
	return l
}

// target is a key's one meaning, nil when it has none or several.
func (l *layout) target(r keyRole) *keyTarget {
	switch {
	case r.plain >= 0 && len(r.choices) == 0:
		kid := l.slotKids[r.plain]
		if kid == nil {
			return nil
		}
		tg := &keyTarget{slot: r.plain, kid: kid, name: kid.name}
		if len(kid.types) > 0 {
			tg.t = kid.types[0]
		}
		return tg
	case r.plain < 0 && len(r.choices) == 1:
		c := r.choices[0]
		return &keyTarget{slot: c.slot, kid: l.slotKids[c.slot], t: c.t, name: c.name}
	}
	return nil
}

// keyTable finds a key's role: an open-addressed table hashed on the
// key's length and three of its bytes, for keys looked up once per
// member of every object walked or scanned, where a Go map's hash of the
// whole key was a tenth of the stream path's time.
type keyTable struct {
	entries []keyEntry // a power of two long, at most half full
}

// keyEntry is one key and its role, kept apart so that a probe reads 24
// bytes, not the role's 64.
type keyEntry struct {
	key  string
	role *keyRole
}

func newKeyTable(keys map[string]keyRole) keyTable {
	size := 8
	for size < 2*len(keys) {
		size *= 2
	}
	t := keyTable{entries: make([]keyEntry, size)}
	for key, r := range keys {
		i := keyHash(key) & uint32(size-1)
		for t.entries[i].key != "" {
			i = (i + 1) & uint32(size-1)
		}
		t.entries[i] = keyEntry{key: key, role: &r}
	}
	return t
}

// keyHash mixes a key's length with its first, middle and last bytes:
// keys of one layout seldom agree on all four.
func keyHash(key string) uint32 {
	n := len(key)
	h := uint32(n)*0x9e3779b1 ^ uint32(key[0])*0x85ebca77 ^ uint32(key[n/2])*0xc2b2ae3d ^ uint32(key[n-1])*0x27d4eb2f
	return h ^ h>>15
}

// role returns what key is in the layout, nil when it is none of its
// keys.
func (l *layout) role(key string) *keyRole {
	size := uint32(len(l.keys.entries))
	if key == "" || size == 0 {
		return nil
	}
	for i := keyHash(key) & (size - 1); ; i = (i + 1) & (size - 1) {
		e := &l.keys.entries[i]
		if e.key == key {
			return e.role
		}
		if e.key == "" {
			return nil
		}
	}
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
