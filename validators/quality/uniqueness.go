package quality

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/quality/phonetic"
)

// dq-unique: a key is unique across the feed. The key is the record's own
// Type/id (resource_id: true), one element (an identifier value) or a
// combination of elements (name, birth date and postcode for likely duplicate
// patients, normalised so that case and spacing do not hide a match).
//
// With names: phonetic, the key elements that are parts of a person's name
// (…name.family, …name.given, …name.text) count by their Metaphone code
// (package phonetic), so "Smyth" matches "Smith". The other key elements
// (birth date, postcode) still have to agree exactly: they block the
// comparison, so one key per record stays enough, the cost stays linear and
// the state is the same set of hashed keys as for exact matching.

func (e *engine) unique(spec check.Spec, p uniqueParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	byID, exprs, norm := p.ResourceID, p.Key, p.Normalize
	// Per file, for folders of per-patient Bundles that each repeat the
	// shared organisations and practitioners by design.
	perFile := p.PerFile
	if byID == (len(exprs) > 0) {
		return nil, fmt.Errorf("give either resource_id: true or key (a list of elements)")
	}
	sels, err := r.compileAll("key", exprs)
	if err != nil {
		return nil, err
	}
	names := p.Names
	// sounds[i] says key element i is a name compared by sound.
	sounds := make([]bool, len(exprs))
	switch names {
	case "exact":
	case "phonetic":
		named := false
		for i, x := range exprs {
			sounds[i] = isNamePart(x)
			named = named || sounds[i]
		}
		if !named {
			return nil, fmt.Errorf("names: phonetic needs a key element that is part of a name (…name.family, …name.given or …name.text); key has %s", strings.Join(exprs, ", "))
		}
	default:
		return nil, fmt.Errorf("names: %q: want exact or phonetic", names)
	}
	r.defaultTypes(exprs...)
	what := p.What
	problem := "duplicate-key"
	switch {
	case byID:
		problem = "duplicate-id"
		if what == "" {
			what = "resource id"
		}
	case what == "":
		what = strings.Join(exprs, " + ")
	}
	keyOf := func(rec *model.Record, pk *picker) (uint64, string, bool) {
		if byID {
			if rec.ID == "" {
				return 0, "", false
			}
			if perFile {
				return keyHash(rec.Source, scope(rec), rec.ID), "", true
			}
			return keyHash(scope(rec), rec.ID), "", true
		}
		parts := make([]string, 0, len(sels))
		path := ""
		for i, s := range sels {
			v, at := firstScalar(pk.get(s))
			if v == "" {
				return 0, "", false
			}
			switch {
			case sounds[i]:
				v = soundOf(v)
			case norm:
				v = normalize(v)
			}
			if i == 0 {
				path = at
			}
			parts = append(parts, v)
		}
		if perFile {
			parts = append(parts, rec.Source)
		}
		return keyHash(append([]string{scope(rec)}, parts...)...), path, true
	}
	measure := r.name(problem)
	r.gradeBy(measure, "record(s) repeating the "+what+" of an earlier record")
	return &checkWith{grading: r.grade, appliesTo: r.applies, newState: func() check.State {
		return &uniqueState{rule: r, key: keyOf, measure: measure, problem: problem, what: what, Keys: map[uint64]keyEntry{}}
	}}, nil
}

// scope is the part of a key that keeps keys of different record types apart:
// the same id on a Patient and an Observation is no duplicate, nor the same
// value in two CSV tables. HL7 v2 message control ids and fields are unique
// across message types, so messages share one scope.
func scope(rec *model.Record) string {
	if rec.Kind == model.KindHL7v2 {
		return ""
	}
	return rec.Type
}

// isNamePart says whether a key element selects part of a FHIR HumanName.
func isNamePart(expr string) bool {
	x := strings.TrimSpace(expr)
	for _, part := range []string{"name.family", "name.given", "name.text"} {
		if x == part || strings.HasSuffix(x, "."+part) {
			return true
		}
	}
	return false
}

// soundOf is the key part of a name compared by sound: the code of its
// normalised letters taken as one word, so that names equal under normalize
// always share a code ("Mary Ann", "Mary-Ann", "MaryAnn"). A name without a
// letter A–Z has no code; it is compared normalised instead, marked so that
// it never equals a code.
func soundOf(v string) string {
	n := normalize(v)
	if c := phonetic.Name(n); c != "" {
		return c
	}
	return "=" + n
}

// firstScalar returns the first present scalar value and its path.
func firstScalar(nodes []Node) (string, string) {
	for _, n := range nodes {
		if s, ok := scalar(n.Value); ok && strings.TrimSpace(s) != "" {
			return s, n.Path
		}
	}
	return "", ""
}

// normalize folds case and drops everything but letters and digits.
func normalize(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// keyEntry is what the state keeps per distinct key: how many records carry it
// and the canonically first of them.
type keyEntry struct {
	N     uint32 `json:"n"`
	First place  `json:"at"`
}

// dupEntry is a record carrying a key some canonically earlier record has.
type dupEntry struct {
	Key uint64 `json:"k"`
	At  place  `json:"at"`
}

type uniqueState struct {
	Book    book                `json:"book"`
	Records int64               `json:"records"`
	Keys    map[uint64]keyEntry `json:"keys"`
	Dups    []dupEntry          `json:"dups,omitempty"`

	rule    *rule
	key     func(*model.Record, *picker) (uint64, string, bool)
	measure string
	problem string
	what    string
}

func (s *uniqueState) Observe(rec *model.Record) []model.Finding {
	pk := s.rule.picker(rec)
	h, path, ok := s.key(rec, pk)
	if !ok {
		return pk.errs
	}
	s.Records++
	s.add(h, s.Book.place(rec, path), 1)
	return pk.errs
}

// add records n occurrences of key h whose canonically first is at p.
func (s *uniqueState) add(h uint64, p place, n uint32) {
	e, seen := s.Keys[h]
	if !seen {
		s.Keys[h] = keyEntry{N: n, First: p}
		return
	}
	later := p
	if s.Book.less(p, e.First) {
		later, e.First = e.First, p
	}
	e.N += n
	s.Keys[h] = e
	s.Dups = append(s.Dups, dupEntry{Key: h, At: later})
}

func (s *uniqueState) Merge(other check.State) error {
	o, ok := other.(*uniqueState)
	if !ok {
		return mergeError(s, other)
	}
	m := s.Book.absorb(&o.Book)
	s.Records += o.Records
	for h, e := range o.Keys {
		s.add(h, m.place(e.First), e.N)
	}
	for _, d := range o.Dups {
		s.Dups = append(s.Dups, dupEntry{Key: d.Key, At: m.place(d.At)})
	}
	return nil
}

func (s *uniqueState) Finish(t *model.Tally) {
	t.Measure(s.measure, int64(len(s.Dups)), s.Records)
	for _, d := range s.Dups {
		first := s.Keys[d.Key].First
		loc := s.Book.location(d.At)
		t.Add(s.rule.feedFinding(s.problem, loc, fmt.Sprintf("same %s as %s", s.what, s.Book.describe(first)), ""))
	}
}
