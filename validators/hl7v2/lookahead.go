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
	// opens is, for a segment edge that opens a group instance (its
	// anchor), the most that instance can lack (node.lacks): what placing
	// the segment there instead of leaving it unplaced may cost.
	opens int32
}

type nfa struct {
	edges         [][]edge
	start, accept int32
	// anchored holds, by segment name, what leaving that segment unplaced
	// costs beyond one in each state: the most an instance it opens from
	// there, freely (past optional elements, no required one skipped), can
	// lack, and readable more where it can be read there at all.
	anchored map[string][]int32
	// settled marks the states a placement stands in after reading a
	// segment (an edge's target), and the start: a segment is left
	// unplaced only there, where what it could have opened is known
	// (after free moves past optional elements, a later state no longer
	// sees the group the segment could open).
	settled []bool
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
		a.anchored = a.anchorsReached()
		a.settled = make([]bool, len(a.edges))
		a.settled[a.start] = true
		for _, es := range a.edges {
			for _, e := range es {
				if e.seg != "" {
					a.settled[e.to] = true
				}
			}
		}
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
		if n.isGroup() {
			a.markOpeners(n, bs)
		}
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

// markOpeners labels the segment edges that open an instance of group n
// whose body starts at in: those reached from in freely (past optional
// members, never skipping a required one), its anchors. Each gets the most
// the instance it opens can lack.
func (a *nfa) markOpeners(n *node, in int32) {
	seen := map[int32]bool{in: true}
	for stack := []int32{in}; len(stack) > 0; {
		st := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for i := range a.edges[st] {
			e := &a.edges[st][i]
			switch {
			case e.seg != "":
				e.opens = max(e.opens, n.lacks(e.seg))
			case e.skip == nil && !seen[e.to]:
				seen[e.to] = true
				stack = append(stack, e.to)
			}
		}
	}
}

// readable is what leaving unplaced a segment that can be read where the
// placement stands costs beyond one, before what an instance it opens
// lacks: a segment the structure takes there, past optional elements
// alone, is read there, as a receiver's parser reads it (HAPI's places a
// segment at the first place ahead that takes it), whatever that leaves
// later segments. Without it a placement could leave such a segment out of
// order only to leave the next one a state that opens nothing (2.8 OML_O21:
// OBR unplaced so that the PID after it opens no PRIOR_RESULT).
const readable = 16

// anchorsReached computes anchored: for each segment edge, every state that
// reaches the edge's source freely gets readable and what the instance the
// edge opens can lack, at most.
func (a *nfa) anchorsReached() map[string][]int32 {
	back := make([][]int32, len(a.edges))
	for st, es := range a.edges {
		for _, e := range es {
			if e.seg == "" && e.skip == nil {
				back[e.to] = append(back[e.to], int32(st))
			}
		}
	}
	out := map[string][]int32{}
	for src, es := range a.edges {
		for _, e := range es {
			if e.seg == "" {
				continue
			}
			cost := readable + e.opens
			reach := out[e.seg]
			if reach == nil {
				reach = make([]int32, len(a.edges))
				out[e.seg] = reach
			}
			// A state already given as much was reached, with all that
			// reaches it, from another such edge.
			for stack := []int32{int32(src)}; len(stack) > 0; {
				st := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if reach[st] >= cost {
					continue
				}
				reach[st] = cost
				stack = append(stack, back[st]...)
			}
		}
	}
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

// placementCost is what a list of problems costs: one for each segment
// left unplaced, a missing element's absence for the others. (The search
// prices an unplaced segment higher where it could open a group, but a
// placement's problems are weighed against the greedy walk's by this: the
// greedy walk leaves a segment unplaced only where nothing ahead takes it.)
func placementCost(issues []issue) int32 {
	var sum int32
	for _, x := range issues {
		if x.seg >= 0 {
			sum++
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
		// Leaving a segment unplaced costs one, and more where it could open
		// a group instance: a segment that opens a group opens it, as a
		// receiver's parser places it (HAPI's, on a segment among a group's
		// possible first children), and what the instance lacks is its
		// members missing, never the segment out of order because that was
		// the cheaper explanation (RDE_O11's later ORDER of ORC alone).
		anchored := a.anchored[name]
		for st, c := range cost {
			if !a.settled[st] {
				continue
			}
			u := int32(1)
			if anchored != nil {
				u += anchored[st]
			}
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
