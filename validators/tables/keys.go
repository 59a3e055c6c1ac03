package tables

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
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
func (c *uniqueCheck) NewState() check.State          { return &uniqueState{c: c} }

// uniqueState remembers every keyed row as 16 bytes (key hash and place) and
// finds the repeats when everything is merged, by sorting. Merging is
// appending, and the state has no per-key overhead beyond those 16 bytes.
// Evidence is not kept: the key's values identify the person.
type uniqueState struct {
	c     *uniqueCheck
	Files []string `json:"files,omitempty"`
	// Seen holds [key hash, place] per keyed row; see pack.
	Seen    [][2]uint64 `json:"seen"`
	machine vm.VM
	buf     []byte
}

// pack places a row in 64 bits: its file's position in Files (8 bits), line
// (28 bits) and row number (28 bits), so that sorting places sorts by file,
// then line. Lines and rows past 2²⁸ saturate; their findings lose the row.
func pack(file, line int, row int64) uint64 {
	const max = 1<<28 - 1
	l, r := uint64(min(line, max)), uint64(min(row, max))
	return uint64(file)<<56 | l<<28 | r
}

func unpack(p uint64) (file, line int, row int64) {
	return int(p >> 56), int(p >> 28 & (1<<28 - 1)), int64(p & (1<<28 - 1))
}

func fileIndex(files *[]string, name string) int {
	for i, f := range *files {
		if f == name {
			return i
		}
	}
	*files = append(*files, name)
	return len(*files) - 1
}

// remap rewrites the file positions of places packed against from into
// positions in *to.
func remap(places []uint64, from []string, to *[]string) {
	idx := make([]uint64, len(from))
	for i, f := range from {
		idx[i] = uint64(fileIndex(to, f))
	}
	for i, p := range places {
		places[i] = idx[p>>56]<<56 | p&(1<<56-1)
	}
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
	if ok {
		s.Seen = append(s.Seen, [2]uint64{h, pack(fileIndex(&s.Files, rec.Source), rec.Line, row.Number)})
	}
	return nil
}

func (s *uniqueState) Merge(other check.State) error {
	o, ok := other.(*uniqueState)
	if !ok {
		return fmt.Errorf("table-unique: cannot merge %T", other)
	}
	places := make([]uint64, len(o.Seen))
	for i, e := range o.Seen {
		places[i] = e[1]
	}
	remap(places, o.Files, &s.Files)
	for i, e := range o.Seen {
		s.Seen = append(s.Seen, [2]uint64{e[0], places[i]})
	}
	return nil
}

func (s *uniqueState) Finish(t *model.Tally) {
	slices.SortFunc(s.Seen, func(a, b [2]uint64) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	keys, first := int64(0), 0
	for i, e := range s.Seen {
		if i == 0 || s.Seen[i-1][0] != e[0] {
			keys, first = keys+1, i
			continue
		}
		ff, fl, _ := unpack(s.Seen[first][1])
		f, l, r := unpack(e[1])
		fd := model.Finding{Severity: s.c.severity, Code: s.c.code,
			Message:   fmt.Sprintf("duplicate of the row at %s:%d: same %s", s.Files[ff], fl, strings.Join(s.c.key.columns, ", ")),
			Location:  model.Location{File: s.Files[f], Line: l, Path: strings.Join(s.c.key.columns, "+")},
			Sensitive: s.c.sensitive}
		if r < 1<<28-1 {
			fd.Record = tabular.RowName(r)
		}
		t.Add(fd)
	}
	t.Measure("unique.rows", keys, int64(len(s.Seen)))
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
	return &consistentState{c: c, Texts: map[uint64]string{}}
}

// maxTexts bounds how many distinct values a consistency check keeps the text
// of, for messages; past it, messages name lines instead of values.
const maxTexts = 4096

// consistentState remembers every row with a value as 24 bytes (key hash,
// value hash, place) and finds disagreements when everything is merged, by
// sorting: for each key, the first row whose value differs from the key's
// first row's value is the finding.
type consistentState struct {
	c     *consistentCheck
	Files []string `json:"files,omitempty"`
	// Seen holds [key hash, value hash, place] per row; see pack.
	Seen [][3]uint64 `json:"seen"`
	// Texts maps value hashes to the values, for up to maxTexts values.
	Texts   map[uint64]string `json:"texts"`
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
	vh := xxhash.Sum64String(Normalize(v))
	if _, known := s.Texts[vh]; !known && len(s.Texts) < maxTexts {
		s.Texts[vh] = strings.Clone(v)
	}
	s.Seen = append(s.Seen, [3]uint64{h, vh, pack(fileIndex(&s.Files, rec.Source), rec.Line, row.Number)})
	return nil
}

func (s *consistentState) Merge(other check.State) error {
	o, ok := other.(*consistentState)
	if !ok {
		return fmt.Errorf("table-consistent: cannot merge %T", other)
	}
	places := make([]uint64, len(o.Seen))
	for i, e := range o.Seen {
		places[i] = e[2]
	}
	remap(places, o.Files, &s.Files)
	for i, e := range o.Seen {
		s.Seen = append(s.Seen, [3]uint64{e[0], e[1], places[i]})
	}
	for h, t := range o.Texts {
		if _, known := s.Texts[h]; !known && len(s.Texts) < maxTexts {
			s.Texts[h] = t
		}
	}
	return nil
}

func (s *consistentState) Finish(t *model.Tally) {
	slices.SortFunc(s.Seen, func(a, b [3]uint64) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[2], b[2])
	})
	var keys, conflicts int64
	for i := 0; i < len(s.Seen); {
		j := i + 1
		for j < len(s.Seen) && s.Seen[j][0] == s.Seen[i][0] {
			j++
		}
		keys++
		for k := i + 1; k < j; k++ {
			if s.Seen[k][1] != s.Seen[i][1] {
				conflicts++
				t.Add(s.conflict(s.Seen[i], s.Seen[k]))
				break
			}
		}
		i = j
	}
	t.Measure("consistent.keys", keys-conflicts, keys)
}

func (s *consistentState) conflict(first, other [3]uint64) model.Finding {
	_, fl, _ := unpack(first[2])
	f, l, r := unpack(other[2])
	cols := strings.Join(s.c.key.columns, ", ")
	fd := model.Finding{Severity: s.c.severity, Code: s.c.code,
		Location: model.Location{File: s.Files[f], Line: l, Record: tabular.RowName(r), Path: s.c.field}}
	a, okA := s.Texts[first[1]]
	b, okB := s.Texts[other[1]]
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
