package tables

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/expr-lang/expr/vm"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
)

// Feed-level table checks keep a 64-bit hash per key, never the key text, so
// their state stays small (about 16 bytes per distinct key), serialises to
// JSON and merges across workers and shards. Two different keys colliding has
// a probability of about n²/2⁶⁵: one in 36 million for a million keys.

// keySpec names the columns of a key and how their values are compared.
type keySpec struct {
	columns []string
	// fold compares values ignoring case and punctuation, and dates by the day
	// they name whatever their format.
	fold bool
}

func parseKey(p check.Params, name string) (keySpec, error) {
	cols, err := p.Strings(name)
	if err != nil {
		return keySpec{}, err
	}
	if len(cols) == 0 {
		return keySpec{}, fmt.Errorf("parameter %q: name the key column(s)", name)
	}
	fold, err := p.Bool("fold", false)
	return keySpec{columns: cols, fold: fold}, err
}

// hash returns the key's hash within table and whether every column of the key
// has a value (rows with a blank key part are not keyed).
func (k keySpec) hash(buf []byte, table string, row *tabular.Row) (uint64, []byte, bool) {
	buf = append(buf[:0], table...)
	for _, c := range k.columns {
		v, _ := row.Get(c)
		v = strings.TrimSpace(v)
		if v == "" {
			return 0, buf, false
		}
		buf = append(buf, 0)
		buf = append(buf, k.value(v)...)
	}
	return xxhash.Sum64(buf), buf, true
}

func (k keySpec) value(v string) string {
	if !k.fold {
		return v
	}
	if t, ok := exprDate(v); ok {
		return t.Format("2006-01-02")
	}
	return Normalize(v)
}

func (k keySpec) text(row *tabular.Row) string {
	parts := make([]string, len(k.columns))
	for i, c := range k.columns {
		v, _ := row.Get(c)
		parts[i] = strings.TrimSpace(v)
	}
	return strings.Join(parts, " | ")
}

// common parameters of feed-level checks
type feedParams struct {
	table     string
	when      *Condition
	nulls     nullTokens
	severity  model.Severity
	code      string
	sensitive bool
}

func parseFeedParams(p check.Params, defCode string) (feedParams, error) {
	var fp feedParams
	var err error
	if fp.table, err = p.String("table", ""); err != nil {
		return fp, err
	}
	when, err := p.String("when", "")
	if err != nil {
		return fp, err
	}
	if when != "" {
		if fp.when, err = CompileCondition(when); err != nil {
			return fp, fmt.Errorf("when: %w", err)
		}
	}
	nulls, err := p.Strings("null_tokens")
	if err != nil {
		return fp, err
	}
	fp.nulls = newNullTokens(nulls)
	sev, err := p.String("severity", "error")
	if err != nil {
		return fp, err
	}
	if fp.severity, err = model.ParseSeverity(sev); err != nil {
		return fp, fmt.Errorf("severity: %w", err)
	}
	if fp.code, err = p.String("code", defCode); err != nil {
		return fp, err
	}
	fp.sensitive, err = p.Bool("sensitive", false)
	return fp, err
}

// selects reports whether the row is one the check keys (its when holds).
func (fp *feedParams) selects(m *vm.VM, row *tabular.Row) (bool, error) {
	if fp.when == nil {
		return true, nil
	}
	return fp.when.Eval(m, rowEnv(row, fp.nulls))
}

// ---- uniqueness ----

type uniqueCheck struct {
	feedParams
	key keySpec
}

func newUniqueCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	p := spec.Params
	if err := p.Reject("table", "key", "fold", "when", "null_tokens", "severity", "code", "sensitive"); err != nil {
		return nil, err
	}
	fp, err := parseFeedParams(p, "tabular.duplicate")
	if err != nil {
		return nil, err
	}
	k, err := parseKey(p, "key")
	if err != nil {
		return nil, err
	}
	return &uniqueCheck{feedParams: fp, key: k}, nil
}

func (c *uniqueCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *uniqueCheck) NewState() check.State {
	return &uniqueState{c: c, First: map[uint64]firstSeen{}}
}

// uniqueState keeps where every key was first seen and every later occurrence.
// Evidence is not kept: the key's values identify the person, and keeping them
// for every key would cost memory a million-row file cannot spare.
type uniqueState struct {
	c *uniqueCheck
	// First maps a key's hash to where it was first seen.
	First map[uint64]firstSeen `json:"first"`
	Files []string             `json:"files,omitempty"`
	// Repeats are the other occurrences.
	Repeats []occurrence `json:"repeats,omitempty"`
	machine vm.VM
	buf     []byte
}

// firstSeen is a place: P packs a file's position in Files and a line (so
// that comparing P orders places by file, then line); R is the row number.
type firstSeen struct {
	P uint64 `json:"p"`
	R int64  `json:"r"`
}

func place(file, line int) uint64 { return uint64(file)<<40 | uint64(line) }
func unplace(p uint64) (int, int) { return int(p >> 40), int(p & (1<<40 - 1)) }

func fileIndex(files *[]string, name string) int {
	for i, f := range *files {
		if f == name {
			return i
		}
	}
	*files = append(*files, name)
	return len(*files) - 1
}

// occurrence is a row remembered for a feed-level finding.
type occurrence struct {
	Hash     uint64 `json:"hash"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Row      int64  `json:"row,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

func (s *uniqueState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	ok, err := s.c.selects(&s.machine, row)
	if err != nil {
		return []model.Finding{rowFinding(rec, row, model.Error, "tabular.expression", "", err.Error())}
	}
	if !ok {
		return nil
	}
	var h uint64
	h, s.buf, ok = s.c.key.hash(s.buf, rec.Type, row)
	if !ok {
		return nil
	}
	if _, seen := s.First[h]; !seen {
		s.First[h] = firstSeen{P: place(fileIndex(&s.Files, rec.Source), rec.Line), R: row.Number}
		return nil
	}
	s.Repeats = append(s.Repeats, occurrence{Hash: h, File: rec.Source, Line: rec.Line, Row: row.Number})
	return nil
}

func (s *uniqueState) Merge(other check.State) error {
	o, ok := other.(*uniqueState)
	if !ok {
		return fmt.Errorf("table-unique: cannot merge %T", other)
	}
	for h, ofs := range o.First {
		of, ol := unplace(ofs.P)
		theirs := firstSeen{P: place(fileIndex(&s.Files, o.Files[of]), ol), R: ofs.R}
		mine, seen := s.First[h]
		if !seen {
			s.First[h] = theirs
			continue
		}
		// The earlier of the two stays first; the later is a repeat.
		if theirs.P < mine.P {
			s.First[h], theirs = theirs, mine
		}
		f, l := unplace(theirs.P)
		s.Repeats = append(s.Repeats, occurrence{Hash: h, File: s.Files[f], Line: l, Row: theirs.R})
	}
	s.Repeats = append(s.Repeats, o.Repeats...)
	return nil
}

func (s *uniqueState) Finish(t *model.Tally) {
	for _, r := range s.Repeats {
		f, l := unplace(s.First[r.Hash].P)
		t.Add(model.Finding{Severity: s.c.severity, Code: s.c.code,
			Message:   fmt.Sprintf("duplicate of the row at %s:%d: same %s", s.Files[f], l, strings.Join(s.c.key.columns, ", ")),
			Location:  model.Location{File: r.File, Line: r.Line, Record: tabular.RowName(r.Row), Path: strings.Join(s.c.key.columns, "+")},
			Sensitive: s.c.sensitive})
	}
	keys := int64(len(s.First))
	t.Measure("unique.rows", keys, keys+int64(len(s.Repeats)))
}

// ---- consistency: one value per key ----

type consistentCheck struct {
	feedParams
	key   keySpec
	field string
}

func newConsistentCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	p := spec.Params
	if err := p.Reject("table", "key", "field", "fold", "when", "null_tokens", "severity", "code", "sensitive"); err != nil {
		return nil, err
	}
	fp, err := parseFeedParams(p, "tabular.conflict")
	if err != nil {
		return nil, err
	}
	k, err := parseKey(p, "key")
	if err != nil {
		return nil, err
	}
	field, err := p.String("field", "")
	if err != nil {
		return nil, err
	}
	if field == "" {
		return nil, errors.New("parameter \"field\": name the column that must agree across a key's rows")
	}
	return &consistentCheck{feedParams: fp, key: k, field: field}, nil
}

func (c *consistentCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *consistentCheck) NewState() check.State {
	return &consistentState{c: c, Keys: map[uint64]*seenValues{}}
}

// seenValues keeps, for one key, the two distinct values seen earliest. That
// is enough to find every key with conflicting values and to name the first
// conflict, and it merges exactly: the two earliest of a union are among the
// two earliest of each part.
type seenValues struct {
	V [2]valueAt `json:"v"`
	N int        `json:"n"`
}

type valueAt struct {
	Hash  uint64 `json:"hash"`
	Text  string `json:"text"`
	File  string `json:"file"`
	Line  int    `json:"line"`
	Row   int64  `json:"row"`
	Valid bool   `json:"ok,omitempty"`
}

func (sv *seenValues) add(v valueAt) {
	for i := 0; i < sv.N; i++ {
		if sv.V[i].Hash == v.Hash {
			if v.File < sv.V[i].File || v.File == sv.V[i].File && v.Line < sv.V[i].Line {
				sv.V[i] = v
				sv.sort()
			}
			return
		}
	}
	if sv.N < 2 {
		sv.V[sv.N] = v
		sv.N++
		sv.sort()
		return
	}
	if v.File < sv.V[1].File || v.File == sv.V[1].File && v.Line < sv.V[1].Line {
		sv.V[1] = v
		sv.sort()
	}
}

func (sv *seenValues) sort() {
	a, b := sv.V[0], sv.V[1]
	if sv.N == 2 && (b.File < a.File || b.File == a.File && b.Line < a.Line) {
		sv.V[0], sv.V[1] = b, a
	}
}

type consistentState struct {
	c       *consistentCheck
	Keys    map[uint64]*seenValues `json:"keys"`
	machine vm.VM
	buf     []byte
}

func (s *consistentState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	ok, err := s.c.selects(&s.machine, row)
	if err != nil {
		return []model.Finding{rowFinding(rec, row, model.Error, "tabular.expression", s.c.field, err.Error())}
	}
	if !ok {
		return nil
	}
	v, _ := row.Get(s.c.field)
	v = strings.TrimSpace(v)
	if v == "" || s.c.nulls.has(v) {
		return nil
	}
	var h uint64
	h, s.buf, ok = s.c.key.hash(s.buf, rec.Type, row)
	if !ok {
		return nil
	}
	sv := s.Keys[h]
	if sv == nil {
		sv = &seenValues{}
		s.Keys[h] = sv
	}
	norm := Normalize(v)
	sv.add(valueAt{Hash: xxhash.Sum64String(norm), Text: strings.Clone(v), File: rec.Source, Line: rec.Line, Row: row.Number})
	return nil
}

func (s *consistentState) Merge(other check.State) error {
	o, ok := other.(*consistentState)
	if !ok {
		return fmt.Errorf("table-consistent: cannot merge %T", other)
	}
	for h, theirs := range o.Keys {
		mine := s.Keys[h]
		if mine == nil {
			s.Keys[h] = theirs
			continue
		}
		for i := 0; i < theirs.N; i++ {
			mine.add(theirs.V[i])
		}
	}
	return nil
}

func (s *consistentState) Finish(t *model.Tally) {
	conflicts := int64(0)
	for _, sv := range s.Keys {
		if sv.N < 2 {
			continue
		}
		conflicts++
		first, second := sv.V[0], sv.V[1]
		f := model.Finding{Severity: s.c.severity, Code: s.c.code,
			Message: fmt.Sprintf("%s %q disagrees with %q at line %d for the same %s",
				s.c.field, second.Text, first.Text, first.Line, strings.Join(s.c.key.columns, ", ")),
			Location: model.Location{File: second.File, Line: second.Line, Record: tabular.RowName(second.Row), Path: s.c.field},
			Evidence: second.Text}
		if s.c.sensitive {
			// Feed-level findings are made after the runner redacts evidence:
			// identifying values stay out of them altogether.
			f.Message = fmt.Sprintf("%s disagrees with the value at line %d for the same %s", s.c.field, first.Line, strings.Join(s.c.key.columns, ", "))
			f.Evidence, f.Sensitive = "", true
		}
		t.Add(f)
	}
	keys := int64(len(s.Keys))
	t.Measure("consistent.keys", keys-conflicts, keys)
}

// ---- references between tables ----

type referenceCheck struct {
	feedParams
	field    string
	toTable  string
	toColumn string
	fold     bool
}

func newReferenceCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	p := spec.Params
	if err := p.Reject("table", "field", "references", "fold", "when", "null_tokens", "severity", "code", "sensitive"); err != nil {
		return nil, err
	}
	fp, err := parseFeedParams(p, "tabular.reference")
	if err != nil {
		return nil, err
	}
	c := &referenceCheck{feedParams: fp}
	if c.field, err = p.String("field", ""); err != nil {
		return nil, err
	}
	to, err := p.Map("references")
	if err != nil {
		return nil, err
	}
	if c.field == "" || to == nil {
		return nil, errors.New("give field (the referring column) and references: {table, field}")
	}
	if err := to.Reject("table", "field"); err != nil {
		return nil, fmt.Errorf("references: %w", err)
	}
	if c.toTable, err = to.String("table", c.table); err != nil {
		return nil, err
	}
	if c.toColumn, err = to.String("field", ""); err != nil || c.toColumn == "" {
		return nil, errors.Join(errors.New("references.field: name the referenced column"), err)
	}
	if c.fold, err = p.Bool("fold", false); err != nil {
		return nil, err
	}
	return c, nil
}

// Applies takes rows of both tables: referring rows and referenced rows.
func (c *referenceCheck) Applies(rec *model.Record) bool {
	return applies(rec, "") && (c.table == "" || rec.Type == c.table || rec.Type == c.toTable)
}

func (c *referenceCheck) NewState() check.State {
	return &referenceState{c: c, Targets: map[uint64]bool{}}
}

// referenceState keeps the hashes of referenced keys and the references not
// yet resolved (a reference may come before the row it names, or in another
// worker's share).
type referenceState struct {
	c       *referenceCheck
	Targets map[uint64]bool `json:"targets"`
	Refs    []occurrence    `json:"refs,omitempty"`
	// Total counts every reference seen, resolved or not.
	Total   int64 `json:"total"`
	machine vm.VM
}

func (s *referenceState) hash(v string) uint64 {
	if s.c.fold {
		v = Normalize(v)
	}
	return xxhash.Sum64String(v)
}

func (s *referenceState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	if s.c.toTable == "" || rec.Type == s.c.toTable {
		if v, _ := row.Get(s.c.toColumn); strings.TrimSpace(v) != "" {
			s.Targets[s.hash(strings.TrimSpace(v))] = true
		}
	}
	if s.c.table != "" && rec.Type != s.c.table {
		return nil
	}
	v, has := row.Get(s.c.field)
	v = strings.TrimSpace(v)
	if !has || v == "" || s.c.nulls.has(v) {
		return nil
	}
	ok, err := s.c.selects(&s.machine, row)
	if err != nil {
		return []model.Finding{rowFinding(rec, row, model.Error, "tabular.expression", s.c.field, err.Error())}
	}
	if ok {
		s.Total++
		ev := strings.Clone(v)
		if s.c.sensitive {
			ev = "" // see consistentState.Finish: feed-level evidence is never redacted later
		}
		s.Refs = append(s.Refs, occurrence{Hash: s.hash(v), File: rec.Source, Line: rec.Line, Row: row.Number, Evidence: ev})
	}
	return nil
}

func (s *referenceState) Merge(other check.State) error {
	o, ok := other.(*referenceState)
	if !ok {
		return fmt.Errorf("table-reference: cannot merge %T", other)
	}
	for h := range o.Targets {
		s.Targets[h] = true
	}
	s.Total += o.Total
	// Drop references already resolved, so that the state shrinks as it merges.
	kept := s.Refs[:0]
	for _, r := range append(s.Refs, o.Refs...) {
		if !s.Targets[r.Hash] {
			kept = append(kept, r)
		}
	}
	s.Refs = kept
	return nil
}

func (s *referenceState) Finish(t *model.Tally) {
	broken := int64(0)
	for _, r := range s.Refs {
		if s.Targets[r.Hash] {
			continue
		}
		broken++
		t.Add(model.Finding{Severity: s.c.severity, Code: s.c.code,
			Message:  fmt.Sprintf("%s names no row of %s by %s", s.c.field, s.c.toTable, s.c.toColumn),
			Location: model.Location{File: r.File, Line: r.Line, Record: tabular.RowName(r.Row), Path: s.c.field},
			Evidence: r.Evidence, Sensitive: s.c.sensitive})
	}
	t.Measure("reference.resolved", s.Total-broken, s.Total)
}
