package tables

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
	"github.com/expr-lang/expr/vm"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/tabular"
)

// Feed-level table checks keep a 64-bit hash per key, never the key text.
// Uniqueness, consistency and references keep one fixed-size entry per row in
// a key set that spills sorted runs to temporary files (see spill.go), so
// memory stays flat however long the file; their state serialises to JSON and
// merges across workers and shards. Two different keys colliding has a probability of
// about n²/2⁶⁵: one in 36 million for a million keys.

// keySpec names the columns of a key and how their values are compared.
type keySpec struct {
	columns []string
	// fold compares values ignoring case and punctuation, and dates by the day
	// they name whatever their format.
	fold bool
}

func parseKey(cols []string, fold bool) (keySpec, error) {
	if len(cols) == 0 {
		return keySpec{}, fmt.Errorf("parameter \"key\": name the key column(s)")
	}
	return keySpec{columns: cols, fold: fold}, nil
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
		buf = k.appendValue(buf, v)
	}
	return xxhash.Sum64(buf), buf, true
}

// appendValue appends the value as the key compares it.
func (k keySpec) appendValue(buf []byte, v string) []byte {
	if !k.fold {
		return append(buf, v...)
	}
	if t, ok := exprDate(v); ok {
		return t.AppendFormat(buf, "2006-01-02")
	}
	start := len(buf)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= utf8.RuneSelf:
			return append(buf[:start], Normalize(v)...) // rare: let Normalize handle Unicode
		case isAlnumASCII(c):
			buf = append(buf, lowerASCII(c))
		}
	}
	return buf
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
	env       envSpec
	nulls     nullTokens
	severity  model.Severity
	code      string
	sensitive bool
	spill     *spillArea
}

// parseFeedParams reads the common parameters; quoted are the columns the
// check names (key and field), personal when any of them is.
func parseFeedParams(p feed, env *check.Env, quoted ...string) (feedParams, error) {
	fp := feedParams{spill: spillAreaOf(env), table: p.Table, severity: p.Severity, code: p.Code}
	if p.When != "" {
		var err error
		if fp.when, err = CompileCondition(p.When); err != nil {
			return fp, fmt.Errorf("when: %w", err)
		}
	}
	cols := sharedColumns(env)
	cols.add(fp.when)
	fp.nulls = newNullTokens(p.NullTokens)
	fp.env = newEnvSpec(fp.nulls, cols)
	// Unmarked, a check is personal when a column it quotes is.
	fp.sensitive = slices.ContainsFunc(quoted, personal.Column)
	if p.Sensitive != nil {
		fp.sensitive = *p.Sensitive
	}
	return fp, nil
}

// selects reports whether the row is one the check keys (its when holds).
func (fp *feedParams) selects(m *vm.VM, row *tabular.Row) (bool, error) {
	if fp.when == nil {
		return true, nil
	}
	return fp.when.Eval(m, rowEnv(row, fp.env))
}

// ---- uniqueness ----

type uniqueCheck struct {
	feedParams
	key keySpec
}

func newUniqueCheck(_ check.Spec, p uniqueParams, env *check.Env) (check.Check, error) {
	fp, err := parseFeedParams(p.feed, env, p.Key...)
	if err != nil {
		return nil, err
	}
	k, err := parseKey(p.Key, p.Fold)
	if err != nil {
		return nil, err
	}
	return &uniqueCheck{feedParams: fp, key: k}, nil
}

func (c *uniqueCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *uniqueCheck) NewState() check.State {
	return &uniqueState{c: c, Files: map[uint64]string{}, seen: newKeySet(3, c.spill)}
}

// uniqueState remembers every keyed row as 24 bytes (key hash, file id, line
// and row) in a key set that spills sorted runs to disk, and finds the repeats
// when everything is merged, in one sorted pass. Merging is appending; memory
// stays flat however long the file. Evidence is not kept: the key's values
// identify the person.
type uniqueState struct {
	c *uniqueCheck
	// Files maps file ids (hashes of the names) to names.
	Files   map[uint64]string
	seen    *keySet
	machine vm.VM
	buf     []byte
}

// placeOf identifies a row: its file's id and its line and row number packed
// so that entries sort by file, then line.
func placeOf(files map[uint64]string, file string, line int, row int64) (uint64, uint64) {
	id := xxhash.Sum64String(file)
	if _, ok := files[id]; !ok {
		files[id] = file
	}
	return id, uint64(uint32(line))<<32 | uint64(uint32(row))
}

func linesOf(lr uint64) (int, int64) { return int(lr >> 32), int64(lr & (1<<32 - 1)) }

type keySetJSON struct {
	Files   map[uint64]string `json:"files"`
	Entries []uint64          `json:"entries"`
}

func marshalKeySet(files map[uint64]string, k *keySet) ([]byte, error) {
	all, err := k.all()
	if err != nil {
		return nil, err
	}
	return json.Marshal(keySetJSON{Files: files, Entries: all})
}

func unmarshalKeySet(data []byte, files map[uint64]string, k *keySet) error {
	var j keySetJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if len(j.Entries)%k.width != 0 {
		return fmt.Errorf("key set: %d words is not a whole number of %d-word entries", len(j.Entries), k.width)
	}
	for id, f := range j.Files {
		files[id] = f
	}
	k.mem = append(k.mem[:0], j.Entries...)
	return nil
}

func (s *uniqueState) MarshalJSON() ([]byte, error) { return marshalKeySet(s.Files, s.seen) }
func (s *uniqueState) UnmarshalJSON(b []byte) error { return unmarshalKeySet(b, s.Files, s.seen) }

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
	if ok {
		fid, lr := placeOf(s.Files, rec.Source, rec.Line, row.Number)
		s.seen.add(h, fid, lr)
	}
	return nil
}

func (s *uniqueState) Merge(other check.State) error {
	o, ok := other.(*uniqueState)
	if !ok {
		return fmt.Errorf("table-unique: cannot merge %T", other)
	}
	maps.Copy(s.Files, o.Files)
	s.seen.merge(o.seen)
	return nil
}

func (s *uniqueState) Finish(t *model.Tally) {
	var keys, rows int64
	var cur, firstFile, firstLR uint64
	cols := strings.Join(s.c.key.columns, ", ")
	err := s.seen.each(func(e []uint64) {
		rows++
		if rows == 1 || e[0] != cur {
			keys++
			cur, firstFile, firstLR = e[0], e[1], e[2]
			return
		}
		fl, _ := linesOf(firstLR)
		l, r := linesOf(e[2])
		t.Add(model.Finding{Severity: s.c.severity, Code: s.c.code,
			Message:   fmt.Sprintf("duplicate of the row at %s:%d: same %s", s.Files[firstFile], fl, cols),
			Location:  model.Location{File: s.Files[e[1]], Line: l, Record: tabular.RowName(r), Path: strings.Join(s.c.key.columns, "+")},
			Sensitive: s.c.sensitive})
	})
	if err != nil {
		t.Add(model.Finding{Severity: model.Error, Code: "tabular.state", Message: err.Error()})
	}
	t.Measure("unique.rows", keys, rows)
}

// ---- consistency: one value per key ----

type consistentCheck struct {
	feedParams
	key   keySpec
	field string
}

func newConsistentCheck(_ check.Spec, p consistentParams, env *check.Env) (check.Check, error) {
	fp, err := parseFeedParams(p.feed, env, append(slices.Clone(p.Key), p.Field)...)
	if err != nil {
		return nil, err
	}
	k, err := parseKey(p.Key, p.Fold)
	if err != nil {
		return nil, err
	}
	field := p.Field
	if field == "" {
		return nil, errors.New("parameter \"field\": name the column that must agree across a key's rows")
	}
	return &consistentCheck{feedParams: fp, key: k, field: field}, nil
}

func (c *consistentCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *consistentCheck) NewState() check.State {
	return &consistentState{c: c, Files: map[uint64]string{}, Texts: map[uint64]string{}, seen: newKeySet(4, c.spill)}
}

// maxTexts bounds how many distinct values a consistency check keeps the text
// of, for messages; past it, messages name lines instead of values.
const maxTexts = 4096

// keepTexts adds src's value texts to dst while dst holds fewer than maxTexts;
// a text already kept is not replaced.
func keepTexts(dst, src map[uint64]string) {
	for h, t := range src {
		if _, known := dst[h]; !known && len(dst) < maxTexts {
			dst[h] = t
		}
	}
}

// consistentState remembers every row with a value as 32 bytes (key hash,
// file id, line and row, value hash) in a key set that spills to disk, and
// finds disagreements when everything is merged, in one sorted pass: for each
// key, the first row whose value differs from the key's first row's is the
// finding.
type consistentState struct {
	c     *consistentCheck
	Files map[uint64]string
	// Texts maps value hashes to the values, for up to maxTexts values.
	Texts   map[uint64]string
	seen    *keySet
	machine vm.VM
	buf     []byte
}

// textKeysJSON is a key set with the texts of some of its values, as the
// consistency and reference checks write their states.
type textKeysJSON struct {
	Keys  json.RawMessage   `json:"keys"`
	Texts map[uint64]string `json:"texts"`
}

func marshalTextKeys(files, texts map[uint64]string, k *keySet) ([]byte, error) {
	keys, err := marshalKeySet(files, k)
	if err != nil {
		return nil, err
	}
	return json.Marshal(textKeysJSON{Keys: keys, Texts: texts})
}

func unmarshalTextKeys(b []byte, files, texts map[uint64]string, k *keySet) error {
	var j textKeysJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	maps.Copy(texts, j.Texts)
	return unmarshalKeySet(j.Keys, files, k)
}

func (s *consistentState) MarshalJSON() ([]byte, error) {
	return marshalTextKeys(s.Files, s.Texts, s.seen)
}

func (s *consistentState) UnmarshalJSON(b []byte) error {
	return unmarshalTextKeys(b, s.Files, s.Texts, s.seen)
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
	vh := xxhash.Sum64String(Normalize(v))
	if _, known := s.Texts[vh]; !known && len(s.Texts) < maxTexts {
		s.Texts[vh] = strings.Clone(v)
	}
	fid, lr := placeOf(s.Files, rec.Source, rec.Line, row.Number)
	s.seen.add(h, fid, lr, vh)
	return nil
}

func (s *consistentState) Merge(other check.State) error {
	o, ok := other.(*consistentState)
	if !ok {
		return fmt.Errorf("table-consistent: cannot merge %T", other)
	}
	maps.Copy(s.Files, o.Files)
	keepTexts(s.Texts, o.Texts)
	s.seen.merge(o.seen)
	return nil
}

func (s *consistentState) Finish(t *model.Tally) {
	var keys, conflicts int64
	var cur, firstLR, firstValue uint64
	reported := false
	err := s.seen.each(func(e []uint64) {
		if keys == 0 || e[0] != cur {
			keys++
			cur, firstLR, firstValue, reported = e[0], e[2], e[3], false
			return
		}
		if reported || e[3] == firstValue {
			return
		}
		reported = true
		conflicts++
		t.Add(s.conflict(firstLR, firstValue, e))
	})
	if err != nil {
		t.Add(model.Finding{Severity: model.Error, Code: "tabular.state", Message: err.Error()})
	}
	t.Measure("consistent.keys", keys-conflicts, keys)
}

func (s *consistentState) conflict(firstLR, firstValue uint64, e []uint64) model.Finding {
	fl, _ := linesOf(firstLR)
	l, r := linesOf(e[2])
	cols := strings.Join(s.c.key.columns, ", ")
	fd := model.Finding{Severity: s.c.severity, Code: s.c.code,
		Location: model.Location{File: s.Files[e[1]], Line: l, Record: tabular.RowName(r), Path: s.c.field}}
	a, okA := s.Texts[firstValue]
	b, okB := s.Texts[e[3]]
	switch {
	case s.c.sensitive || !okA || !okB:
		// Feed-level findings are made after the runner redacts evidence:
		// identifying values stay out of them altogether.
		fd.Message = fmt.Sprintf("%s disagrees with the value at line %d for the same %s", s.c.field, fl, cols)
		fd.Sensitive = s.c.sensitive
	default:
		fd.Message = fmt.Sprintf("%s %q disagrees with %q at line %d for the same %s", s.c.field, b, a, fl, cols)
		fd.Evidence = b
	}
	return fd
}

// ---- references between tables ----

type referenceCheck struct {
	feedParams
	field    string
	toTable  string
	toColumn string
	fold     bool
}

func newReferenceCheck(_ check.Spec, p referenceParams, env *check.Env) (check.Check, error) {
	fp, err := parseFeedParams(p.feed, env, p.Field)
	if err != nil {
		return nil, err
	}
	c := &referenceCheck{feedParams: fp, field: p.Field, fold: p.Fold}
	to := p.References
	if c.field == "" || to == nil {
		return nil, errors.New("give field (the referring column) and references: {table, field}")
	}
	c.toTable, c.toColumn = to.Table, to.Field
	if c.toTable == "" {
		c.toTable = c.table
	}
	if c.toColumn == "" {
		return nil, errors.New("references.field: name the referenced column")
	}
	return c, nil
}

// Applies takes rows of both tables: referring rows and referenced rows.
func (c *referenceCheck) Applies(rec *model.Record) bool {
	return applies(rec, "") && (c.table == "" || rec.Type == c.table || rec.Type == c.toTable)
}

func (c *referenceCheck) NewState() check.State {
	return &referenceState{c: c, Files: map[uint64]string{}, Texts: map[uint64]string{}, seen: newKeySet(4, c.spill)}
}

// Entry kinds of a reference check: a referenced value sorts before the
// references to it.
const (
	sideTarget = 0
	sideRef    = 1
)

// referenceState keeps [value hash, kind, file, line/row] for every referenced
// value and every reference in a key set that spills to disk; Finish finds, in
// one sorted pass, the references whose value no row holds. Texts keeps the
// referring values' text (up to maxTexts) for evidence.
type referenceState struct {
	c       *referenceCheck
	Files   map[uint64]string
	Texts   map[uint64]string
	seen    *keySet
	machine vm.VM
}

func (s *referenceState) MarshalJSON() ([]byte, error) {
	return marshalTextKeys(s.Files, s.Texts, s.seen)
}

func (s *referenceState) UnmarshalJSON(b []byte) error {
	return unmarshalTextKeys(b, s.Files, s.Texts, s.seen)
}

func (s *referenceState) hash(v string) uint64 {
	if s.c.fold {
		v = Normalize(v)
	}
	return xxhash.Sum64String(v)
}

func (s *referenceState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	fid, lr := placeOf(s.Files, rec.Source, rec.Line, row.Number)
	if s.c.toTable == "" || rec.Type == s.c.toTable {
		if v, _ := row.Get(s.c.toColumn); strings.TrimSpace(v) != "" {
			s.seen.add(s.hash(strings.TrimSpace(v)), sideTarget, fid, lr)
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
		h := s.hash(v)
		if _, known := s.Texts[h]; !known && len(s.Texts) < maxTexts && !s.c.sensitive {
			// Feed-level findings are made after the runner redacts evidence:
			// identifying values are never kept for them.
			s.Texts[h] = strings.Clone(v)
		}
		s.seen.add(h, sideRef, fid, lr)
	}
	return nil
}

func (s *referenceState) Merge(other check.State) error {
	o, ok := other.(*referenceState)
	if !ok {
		return fmt.Errorf("table-reference: cannot merge %T", other)
	}
	maps.Copy(s.Files, o.Files)
	keepTexts(s.Texts, o.Texts)
	s.seen.merge(o.seen)
	return nil
}

func (s *referenceState) Finish(t *model.Tally) {
	var refs, broken int64
	var cur uint64
	first, resolved := true, false
	err := s.seen.each(func(e []uint64) {
		if first || e[0] != cur {
			first, cur, resolved = false, e[0], false
		}
		if e[1] == sideTarget {
			resolved = true
			return
		}
		refs++
		if resolved {
			return
		}
		broken++
		l, r := linesOf(e[3])
		t.Add(model.Finding{Severity: s.c.severity, Code: s.c.code,
			Message:  fmt.Sprintf("%s names no row of %s by %s", s.c.field, orSame(s.c.toTable), s.c.toColumn),
			Location: model.Location{File: s.Files[e[2]], Line: l, Record: tabular.RowName(r), Path: s.c.field},
			Evidence: s.Texts[e[0]], Sensitive: s.c.sensitive})
	})
	if err != nil {
		t.Add(model.Finding{Severity: model.Error, Code: "tabular.state", Message: err.Error()})
	}
	t.Measure("reference.resolved", refs-broken, refs)
}
