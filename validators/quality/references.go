package quality

import (
	"fmt"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// dq-references: every reference named by the suite resolves to a record of the
// feed (any record of the kind counts as a target, whatever its type) or to a
// declared external set ("Organization/RX1", "Practitioner/*"). The state keeps
// the hashed Type/id of every record and, per distinct (element, target) pair
// not yet resolved when seen, a count and the canonically first referring
// record. A reference to a record this state has already seen is counted and
// forgotten; one that never resolves is never forgotten, so its count and
// first place are exact however the feed was split.

func (e *engine) references(spec check.Spec, p referencesParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	if r.kind != model.KindFHIR {
		return nil, fmt.Errorf("dq-references reads FHIR references; kind %q is not supported", r.kind)
	}
	exprs := p.References
	sels, err := r.compileAll("references", exprs)
	if err != nil {
		return nil, err
	}
	ext := p.External
	measure := r.name("dangling")
	r.gradeBy(measure, "reference(s) that do not resolve")
	c := &refCheck{rule: r, exprs: exprs, sels: sels, external: ext, measure: measure}
	return &checkWith{grading: r.grade, appliesTo: r.applies, newState: func() check.State {
		return &refState{check: c, Present: map[uint64]struct{}{}, Refs: map[uint64]refEntry{}, Totals: map[string]int64{}}
	}}, nil
}

type refCheck struct {
	rule     *rule
	exprs    []string
	sels     []Selector
	external []string
	measure  string
}

// isExternal reports whether ref is in the declared external set.
func (c *refCheck) isExternal(ref string) bool {
	for _, x := range c.external {
		if x == ref || strings.HasSuffix(x, "*") && strings.HasPrefix(ref, strings.TrimSuffix(x, "*")) {
			return true
		}
	}
	return false
}

// target parses a literal reference to its type and id: "Patient/1",
// "https://host/fhir/Patient/1/_history/2". "urn:uuid:X" names a Bundle
// entry's fullUrl and nothing else (R4 §2.36.4.1): the entry's resource may
// have any id, so it is returned whole as the id, with the type urnTarget,
// to be found among the fullUrls of the feed's Bundles (entryTargets).
// Contained ("#x"), identifier-only and other urn: references have no target
// the feed can be searched for and are not counted.
func target(ref string) (string, string, bool) {
	if strings.HasPrefix(ref, "urn:uuid:") && len(ref) > len("urn:uuid:") {
		return urnTarget, ref, true
	}
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "urn:") {
		return "", "", false
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(strings.TrimSuffix(ref, "/"), "/")
	if len(parts) < 2 {
		return "", "", false
	}
	return parts[len(parts)-2], parts[len(parts)-1], true
}

// urnTarget stands for the type of a urn:uuid reference's target, whose
// "id" is the whole URN: it is keyed on no record's type.
const urnTarget = "urn"

// entryTargets is what a urn:uuid reference made inside a Bundle resolves
// to (R4 §2.36.4.1): the entry whose fullUrl it is, if that entry holds a
// resource, whatever the resource's id. Read from the entries' summaries
// (whether the Bundle was read whole or with its entries apart, as a file
// or an NDJSON line), once per Bundle: its entries arrive together. The one
// resolution dq-references (which marks the URNs present) and dq-within-life
// (which joins a subject to its patient) share.
type entryTargets struct {
	bundle *model.Record
	byURN  map[string]entryTarget
}

// entryTarget is the type and id of an entry's resource ("" when it has
// none).
type entryTarget struct{ typ, id string }

// of returns the targets of Bundle b's urn:uuid fullUrls; fresh is true
// when they were read now, b not being the Bundle asked of last.
func (t *entryTargets) of(b *model.Record) (byURN map[string]entryTarget, fresh bool) {
	if b == t.bundle {
		return t.byURN, false
	}
	t.bundle, t.byURN = b, map[string]entryTarget{}
	entries := fhir.BundleEntries(b)
	// The first entry of a fullUrl answers: read last to first, an earlier
	// entry overwrites a later one.
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		if !e.HasResource || !strings.HasPrefix(e.FullURL, "urn:uuid:") {
			continue
		}
		t.byURN[e.FullURL] = entryTarget{typ: e.ResourceType, id: e.ID}
	}
	return t.byURN, true
}

// resolveURN returns the target of a urn:uuid reference made in record rec:
// an entry of the Bundle rec is an entry of. A urn:uuid names nothing
// outside its Bundle.
func (t *entryTargets) resolveURN(rec *model.Record, urn string) (entryTarget, bool) {
	if rec.Container == nil || rec.Container.Type != "Bundle" {
		return entryTarget{}, false
	}
	byURN, _ := t.of(rec.Container)
	e, ok := byURN[urn]
	return e, ok
}

type refEntry struct {
	// Target is the hash of the referenced Type/id.
	Target uint64 `json:"t"`
	N      uint32 `json:"n"`
	First  place  `json:"at"`
	// Ref is the reference text, in the book's arena.
	RefOff uint32 `json:"ro"`
	RefLen uint16 `json:"rn"`
	// Expr is the position of the element expression in the suite's list.
	Expr uint16 `json:"x"`
}

type refState struct {
	Book book `json:"book"`
	// Present holds the hashed Type/id of every record seen, and the hashed
	// urn:uuid fullUrl of every Bundle entry holding a resource.
	Present map[uint64]struct{} `json:"present"`
	// Refs maps a hashed (element, target) pair to its references.
	Refs map[uint64]refEntry `json:"refs"`
	// Totals counts references by element expression.
	Totals map[string]int64 `json:"totals"`

	check *refCheck
	// urns are the targets of the Bundle whose entries' fullUrls were last
	// marked present.
	urns entryTargets
}

func (s *refState) Observe(rec *model.Record) []model.Finding {
	if rec.ID != "" {
		s.Present[keyHash(rec.Type, rec.ID)] = struct{}{}
	}
	if rec.Container != nil && rec.Container.Type == "Bundle" {
		// Only Bundle entries can be the target of a urn:uuid reference
		// (a Bulk export's resources carry their kick-off as container).
		if byURN, fresh := s.urns.of(rec.Container); fresh {
			for urn := range byURN {
				s.Present[keyHash(urnTarget, urn)] = struct{}{}
			}
		}
	}
	c := s.check
	p := c.rule.picker(rec)
	for i, sel := range c.sels {
		for _, n := range p.get(sel) {
			m, ok := n.Value.(map[string]any)
			if !ok {
				continue
			}
			ref, _ := m["reference"].(string)
			typ, id, ok := target(ref)
			if !ok {
				continue
			}
			s.Totals[c.exprs[i]]++
			if c.isExternal(ref) {
				continue
			}
			th := keyHash(typ, id)
			if _, ok := s.Present[th]; ok {
				continue // resolved already: nothing to remember
			}
			h := keyHash(c.exprs[i], typ, id)
			e, seen := s.Refs[h]
			if !seen {
				e = refEntry{Target: th, First: s.Book.place(rec, n.Path+".reference"), Expr: uint16(i)}
				e.RefOff, e.RefLen = s.Book.Names.add(ref)
			} else if s.Book.before(rec, e.First) {
				e.First = s.Book.place(rec, n.Path+".reference")
			}
			e.N++
			s.Refs[h] = e
		}
	}
	return p.errs
}

func (s *refState) Merge(other check.State) error {
	o, ok := other.(*refState)
	if !ok {
		return mergeError(s, other)
	}
	m := s.Book.absorb(&o.Book)
	for h := range o.Present {
		s.Present[h] = struct{}{}
	}
	for k, n := range o.Totals {
		s.Totals[k] += n
	}
	for h, oe := range o.Refs {
		oe.First = m.place(oe.First)
		oe.RefOff += m.off
		e, seen := s.Refs[h]
		if !seen {
			s.Refs[h] = oe
			continue
		}
		if s.Book.less(oe.First, e.First) {
			e.First = oe.First
		}
		e.N += oe.N
		s.Refs[h] = e
	}
	return nil
}

func (s *refState) Finish(t *model.Tally) {
	c := s.check
	dangling := map[string]int64{}
	var total, bad int64
	for _, n := range s.Totals {
		total += n
	}
	for _, e := range s.Refs {
		if _, ok := s.Present[e.Target]; ok {
			continue
		}
		loc := s.Book.location(e.First)
		expr := c.exprs[int(e.Expr)%len(c.exprs)]
		bad += int64(e.N)
		dangling[expr] += int64(e.N)
		ref := s.Book.Names.get(e.RefOff, e.RefLen)
		msg := fmt.Sprintf("%s does not resolve to a record of the feed: %d reference(s) from %s, first here", ref, e.N, expr)
		t.Add(c.rule.feedFinding("dangling", loc, msg, ref))
	}
	t.Measure(c.measure, bad, total)
	exprs := make([]string, 0, len(s.Totals))
	for x := range s.Totals {
		exprs = append(exprs, x)
	}
	sort.Strings(exprs)
	for _, x := range exprs {
		t.Measure(c.measure+":"+x, dangling[x], s.Totals[x])
	}
}
