package hl7v2

import (
	"github.com/carecert/carecert/hl7v2"
)

// The look-ahead matcher: a message structure compiled into a nondeterministic
// automaton over segment ids, and a search for the placement of a message's
// segments that costs the fewest problems, where a problem is a segment
// left unplaced or a required element skipped. It is the standard's grammar
// read exactly, choices and ambiguous optional groups included, so a valid
// message always costs nothing; the greedy walk stays the fast path and this
// runs only when the greedy walk finds a problem.

// edge is a transition of the automaton: on a segment id, or free (seg ""),
// or, when skip is set, at the cost of a missing required element
// (node.absence).
type edge struct {
	to   int32
	seg  string
	skip *missing
	cost int32
}

type nfa struct {
	edges         [][]edge
	start, accept int32
	// unplaced is what leaving a segment unplaced costs, by the name it is
	// placed by: more than an instance it can open could lack (anchors).
	unplaced map[string]int32
}

// unrollLimit bounds how many copies of an element with a finite maximum
// above one (ADT_A24's two PID blocks are separate elements, not one with
// max 2) the automaton spells out; beyond it the element is read as unbounded.
const unrollLimit = 8

// searchLimit caps the work (segments × states) of one search; a message
// beyond it keeps the greedy walk's findings rather than risk memory.
const searchLimit = 4_000_000

func (s *structure) nfaOf() *nfa {
	s.nfaOnce.Do(func() {
		a := &nfa{}
		// The root is the message itself, there once whatever it holds: as
		// an element it could be skipped as one missing group, which a
		// message with only its header would "explain" more cheaply than
		// by its missing segments (MSH out of order, ADT_A01 missing).
		a.start, a.accept = a.body(s.root)
		a.unplaced = anchors(s.root)
		s.nfa = a
	})
	return s.nfa
}

func (a *nfa) state() int32 {
	a.edges = append(a.edges, nil)
	return int32(len(a.edges) - 1)
}

func (a *nfa) link(from, to int32, seg string, skip *missing) {
	e := edge{to: to, seg: seg, skip: skip}
	if skip != nil {
		e.cost = skip.el.absence()
	}
	a.edges[from] = append(a.edges[from], e)
}

// element builds n with its cardinality; parent names the group it is in.
func (a *nfa) element(n *node, parent string) (in, out int32) {
	in, out = a.state(), a.state()
	miss := &missing{el: n, group: parent}
	required := max(n.min, 0)
	copies := n.max
	if copies < 0 || copies > unrollLimit {
		copies = -1
	}
	cur := in
	for i := 0; copies < 0 && i < max(required, 1) || copies >= 0 && i < copies; i++ {
		bs, bt := a.body(n)
		a.link(cur, bs, "", nil)
		next := a.state()
		a.link(bt, next, "", nil)
		if i < required {
			a.link(cur, out, "", miss)
		} else {
			a.link(cur, out, "", nil)
		}
		if copies < 0 && i == max(required, 1)-1 {
			a.link(next, bs, "", nil) // repeats without limit
		}
		cur = next
	}
	a.link(cur, out, "", nil)
	return in, out
}

// body builds one occurrence of n. An occurrence of a group holds at least
// one segment: ER7 has no mark for a group, so an instance without a segment
// is no instance, and a required group whose members are all optional is
// missing when none of them is there (nonEmpty).
func (a *nfa) body(n *node) (in, out int32) {
	lo := int32(len(a.edges))
	in, out = a.state(), a.state()
	switch {
	case n.isGroup():
		cur := in
		for _, c := range n.children {
			cs, ct := a.element(c, n.name)
			a.link(cur, cs, "", nil)
			cur = ct
		}
		a.link(cur, out, "", nil)
		if n.nullable() {
			out = a.nonEmpty(lo, out)
		}
	case n.alts != nil:
		for _, alt := range n.alts {
			a.link(in, out, alt, nil)
		}
	default:
		a.link(in, out, n.name, nil)
	}
	return in, out
}

// nullable reports whether one occurrence of group n could be crossed
// reading nothing and skipping nothing: all its members are optional.
func (n *node) nullable() bool {
	for _, c := range n.children {
		if c.min > 0 {
			return false
		}
	}
	return true
}

// nonEmpty makes the states from lo on, one occurrence of a group whose
// members are all optional, read at least one segment: it copies them as a
// second layer, "a segment read", and turns every segment edge of the
// first layer into the second. The occurrence still starts in the first
// layer; it ends only from the second, at the copy of out, which it returns.
func (a *nfa) nonEmpty(lo, out int32) int32 {
	hi := int32(len(a.edges))
	off := hi - lo
	for st := lo; st < hi; st++ {
		a.state()
	}
	for st := lo; st < hi; st++ {
		for i, e := range a.edges[st] {
			e.to += off
			a.edges[st+off] = append(a.edges[st+off], e)
			if e.seg != "" {
				a.edges[st][i].to = e.to
			}
		}
	}
	return out + off
}

// anchors returns, for each segment that can open a group of the structure
// (its anchor: the group's first segment, or one after optional ones), what
// leaving it unplaced costs: one more than the most an instance it opens can
// lack. A segment that opens a group opens it, as a receiver's parser places
// it (HAPI's, and the standard's groups, identified by their first segment):
// what the instance then lacks is its members missing, never the segment
// out of order because that was the cheaper explanation. Other segments
// cost one.
func anchors(root *node) map[string]int32 {
	out := map[string]int32{}
	var visit func(g *node)
	visit = func(g *node) {
		for _, c := range g.children {
			if !c.isGroup() {
				continue
			}
			for name := range c.first {
				out[name] = max(out[name], 1+c.lacks(name))
			}
			visit(c)
		}
	}
	visit(root)
	return out
}

// lacks is what an instance of group g opened by segment name and holding
// nothing more costs: the absence of its required members after the one
// name opens, and of those inside that one.
func (g *node) lacks(name string) int32 {
	for j, c := range g.children {
		if !c.starts(name) {
			continue
		}
		var sum int32
		if c.isGroup() {
			sum = c.lacks(name)
		}
		for _, d := range g.children[j+1:] {
			sum += int32(max(d.min, 0)) * d.absence()
		}
		return sum
	}
	return 0
}

// unplacedCost is what leaving a segment placed by name unplaced costs.
func (a *nfa) unplacedCost(name string) int32 {
	if c, ok := a.unplaced[name]; ok {
		return c
	}
	return 1
}

// step kinds of a back pointer.
const (
	viaNone uint8 = iota
	viaFree
	viaSegment
	viaUnplaced
)

type back struct {
	prev int32
	via  uint8
	skip *missing
}

// absence is what a required element's absence costs a placement: one for
// a segment, and for a group what its required members' absence costs (at
// least one). A group counted as one problem would explain a message whose
// group opens but lacks three required members more cheaply as the group
// missing and its opening segment out of order; the members missing are
// what the standard's structure says is wrong.
func (n *node) absence() int32 {
	if !n.isGroup() {
		return 1
	}
	var sum int32
	for _, c := range n.children {
		sum += int32(max(c.min, 0)) * c.absence()
	}
	return max(sum, 1)
}

// placementCost is what a list of problems of m costs, as the search
// counts it: a segment left unplaced its unplacedCost, a missing element its
// absence.
func (s *structure) placementCost(m *hl7v2.Message, issues []issue) int32 {
	var sum int32
	for _, x := range issues {
		if x.seg >= 0 {
			sum += s.nfaOf().unplacedCost(s.placeName(m.Segments[x.seg].Name))
		} else {
			sum += x.miss.el.absence()
		}
	}
	return sum
}

// fewest returns the problems of the cheapest placement of the segments
// seq (indexes into m.Segments), in message order, placed by names (the
// name each is placed by: structure.placeName); ok is false when the
// message is too large to search.
func (a *nfa) fewest(m *hl7v2.Message, seq []int, names []string) (issues []issue, ok bool) {
	ns := len(a.edges)
	if (len(seq)+1)*ns > searchLimit {
		return nil, false
	}
	const inf = int32(1 << 30)
	cost := make([]int32, ns)
	next := make([]int32, ns)
	backs := make([][]back, len(seq)+1)
	var buckets [][]int32
	// closure spreads costs along free edges (cost 0) and skips (cost 1),
	// cheapest first: Dijkstra with a queue bucketed by cost.
	closure := func(c []int32, bk []back) {
		lo := inf
		for _, x := range c {
			lo = min(lo, x)
		}
		if lo == inf {
			return
		}
		for i := range buckets {
			buckets[i] = buckets[i][:0]
		}
		push := func(st int32) {
			b := int(c[st] - lo)
			for len(buckets) <= b {
				buckets = append(buckets, nil)
			}
			buckets[b] = append(buckets[b], st)
		}
		for st, x := range c {
			if x < inf {
				push(int32(st))
			}
		}
		for b := 0; b < len(buckets); b++ {
			for j := 0; j < len(buckets[b]); j++ {
				st := buckets[b][j]
				if int(c[st]-lo) != b {
					continue // queued again at a lower cost
				}
				for _, e := range a.edges[st] {
					if e.seg != "" {
						continue
					}
					w := c[st] + e.cost
					if w < c[e.to] {
						c[e.to] = w
						bk[e.to] = back{prev: st, via: viaFree, skip: e.skip}
						push(e.to)
					}
				}
			}
		}
	}
	for i := range cost {
		cost[i] = inf
	}
	cost[a.start] = 0
	backs[0] = make([]back, ns)
	closure(cost, backs[0])
	for k := range seq {
		name := names[k]
		bk := make([]back, ns)
		for i := range next {
			next[i] = inf
		}
		for st, c := range cost {
			if c == inf {
				continue
			}
			for _, e := range a.edges[st] {
				if e.seg == name && c < next[e.to] {
					next[e.to] = c
					bk[e.to] = back{prev: int32(st), via: viaSegment}
				}
			}
		}
		u := a.unplacedCost(name)
		for st, c := range cost {
			if c < inf && c+u < next[st] {
				next[st] = c + u
				bk[st] = back{prev: int32(st), via: viaUnplaced}
			}
		}
		closure(next, bk)
		backs[k+1] = bk
		cost, next = next, cost
	}
	if cost[a.accept] == inf {
		return nil, false
	}
	// Walk back from the end, collecting problems in reverse.
	st, k := a.accept, len(seq)
	for {
		b := backs[k][st]
		switch b.via {
		case viaNone:
			for i, j := 0, len(issues)-1; i < j; i, j = i+1, j-1 {
				issues[i], issues[j] = issues[j], issues[i]
			}
			return issues, true
		case viaFree:
			if b.skip != nil {
				at := len(m.Segments)
				if k < len(seq) {
					at = seq[k]
				}
				issues = append(issues, issue{at: at, seg: -1, miss: *b.skip})
			}
		case viaUnplaced:
			issues = append(issues, issue{at: seq[k-1], seg: seq[k-1]})
			k--
		case viaSegment:
			k--
		}
		st = b.prev
	}
}
