package tables

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/tabular"
	"github.com/carecert/carecert/ukid"
)

// Field is one column of a table schema.
type Field struct {
	Name string
	// Type is string, integer, number, date, boolean or nhs-number.
	Type string
	// Required is true, or RequiredIf decides per row.
	Required   bool
	RequiredIf *Condition
	// Values is the code list, matched ignoring case and punctuation.
	Values *CodeList
	// Unconfirmed marks a code list the suite could not confirm: any non-empty
	// value is accepted.
	Unconfirmed bool
	Pattern     *regexp.Regexp
	Formats     []DateFormat
	Minimum     *float64
	Maximum     *float64
	MinLength   int
	MaxLength   int
	// Sensitive fields identify a person: their evidence is redacted. Unmarked
	// in the suite, a field is sensitive when personal.Column says its name is.
	Sensitive bool
	// NHS is the suite's strictness for an nhs-number field (params ranges and
	// grouped).
	NHS ukid.NHSRules
}

// Field scores, as the national data-quality checks give them per row.
const (
	scoreValid         = iota // 1: present and valid
	scoreBlankAllowed         // 0: blank and not required here
	scoreBlankRequired        // -1: blank but required
	scoreInvalid              // below -1: present but invalid
	nScores
)

var scoreNames = [nScores]string{"valid", "blank-allowed", "blank-required", "invalid"}

var fieldTypes = []string{"string", "integer", "number", "date", "boolean", "nhs-number"}

// parseField reads one field of a table-schema's fields parameter.
func parseField(p fieldParams) (*Field, error) {
	f := &Field{Name: p.Name, Type: p.Type, MinLength: p.MinLength, MaxLength: p.MaxLength, Minimum: p.Minimum, Maximum: p.Maximum}
	if f.Name == "" {
		return nil, errors.New("every field needs a name")
	}
	wrap := func(err error) error { return fmt.Errorf("field %s: %w", f.Name, err) }
	if f.Type == "" {
		f.Type = "string"
	}
	if !slices.Contains(fieldTypes, f.Type) {
		return nil, wrap(fmt.Errorf("type %q: want one of %s", f.Type, strings.Join(fieldTypes, ", ")))
	}
	var err error
	if req := p.Required; req.Expr != "" {
		if f.RequiredIf, err = CompileCondition(req.Expr); err != nil {
			return nil, wrap(fmt.Errorf("required: %w", err))
		}
	} else {
		f.Required = req.Bool
	}
	confirmed := p.ValuesConfirmed == nil || *p.ValuesConfirmed
	f.Unconfirmed = !confirmed
	if len(p.Values) > 0 && confirmed {
		if f.Values, err = NewCodeList(p.Values); err != nil {
			return nil, wrap(err)
		}
	}
	if pat := p.Pattern; pat != "" {
		// Anchored, as Frictionless and JSON Schema authors expect of a field pattern.
		if f.Pattern, err = regexp.Compile("^(?:" + pat + ")$"); err != nil {
			return nil, wrap(fmt.Errorf("pattern: %w", err))
		}
	}
	if f.Type == "date" || len(p.Formats) > 0 {
		if f.Formats, err = ParseDateFormats(p.Formats); err != nil {
			return nil, wrap(err)
		}
	}
	f.Sensitive = personal.Column(f.Name)
	if p.Sensitive != nil {
		f.Sensitive = *p.Sensitive
	}
	if f.Type != "nhs-number" && (p.Ranges != nil || p.Grouped != nil) {
		return nil, wrap(errors.New("ranges and grouped apply to type nhs-number"))
	}
	f.NHS = ukid.DefaultNHSRules
	if p.Ranges != nil {
		if f.NHS.Ranges, err = ukid.ParseRanges(p.Ranges); err != nil {
			return nil, wrap(fmt.Errorf("ranges: %w", err))
		}
	}
	if p.Grouped != nil {
		f.NHS.Grouped = *p.Grouped
	}
	return f, nil
}

// schemaCheck checks the fields of rows against a table schema and scores each
// field as the national checks do.
type schemaCheck struct {
	table  string
	fields []*Field
	nulls  nullTokens
	env    envSpec
	min    float64 // minimum validity rate per field; 0: no threshold
}

func newSchemaCheck(_ check.Spec, p tableSchemaParams, env *check.Env) (check.Check, error) {
	c := &schemaCheck{table: p.Table, nulls: newNullTokens(p.NullTokens, p.MissingValues...), min: p.MinValidity}
	seen := map[string]bool{}
	for i, fp := range p.Fields {
		f, err := parseField(fp)
		if err != nil {
			return nil, fmt.Errorf("fields[%d]: %w", i, err)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("fields[%d]: field %s is listed twice", i, f.Name)
		}
		seen[f.Name] = true
		c.fields = append(c.fields, f)
	}
	cols := sharedColumns(env)
	for _, f := range c.fields {
		cols.add(f.RequiredIf)
	}
	c.env = newEnvSpec(c.nulls, cols)
	return c, nil
}

func (c *schemaCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }

func (c *schemaCheck) NewState() check.State {
	return &schemaState{c: c, Counts: make([][nScores]int64, len(c.fields))}
}

// Grade fails a field whose validity rate is under min_validity (when set);
// otherwise the usual grading applies. It reads only the tally.
func (c *schemaCheck) Grade(t *model.Tally) (model.Outcome, string) {
	if c.min > 0 {
		var low []string
		for _, f := range c.fields {
			if m, ok := t.Lookup(validityMeasure(f.Name)); ok && m.Denominator > 0 && m.Rate() < c.min {
				low = append(low, fmt.Sprintf("%s %.1f%%", f.Name, 100*m.Rate()))
			}
		}
		if len(low) > 0 {
			return model.Fail, fmt.Sprintf("validity under %.1f%%: %s", 100*c.min, strings.Join(low, ", "))
		}
	}
	return t.Grade()
}

func validityMeasure(field string) string { return "validity." + field }
func scoreMeasure(field string, s int) string {
	return "score." + field + "." + scoreNames[s]
}

// schemaState counts scores per field; MissingColumns remembers, per file,
// the schema fields the header lacks (reported once, at the header).
type schemaState struct {
	c              *schemaCheck
	Counts         [][nScores]int64 `json:"counts"`
	MissingColumns map[string]int   `json:"missing_columns,omitempty"`
	machine        vm.VM
	// header and columns cache the position of each field in the header
	// last seen, saving a lookup per field and row.
	header  *tabular.Header
	columns []int
}

func (s *schemaState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	if row.Header != s.header {
		s.header = row.Header
		s.columns = s.columns[:0]
		for _, f := range s.c.fields {
			s.columns = append(s.columns, row.Header.Index(f.Name))
		}
	}
	var out []model.Finding
	for i, f := range s.c.fields {
		score, fs := s.field(rec, row, f, s.columns[i])
		s.Counts[i][score]++
		out = append(out, fs...)
	}
	return out
}

func (s *schemaState) field(rec *model.Record, row *tabular.Row, f *Field, col int) (int, []model.Finding) {
	hasColumn := col >= 0
	var raw string
	if hasColumn && col < len(row.Fields) {
		raw = row.Fields[col]
	}
	if !hasColumn {
		if s.MissingColumns == nil {
			s.MissingColumns = map[string]int{}
		}
		s.MissingColumns[rec.Source+"\x00"+f.Name] = row.Header.Line
	}
	v := strings.TrimSpace(raw)
	finding := func(sev model.Severity, code, msg string) model.Finding {
		fd := rowFinding(rec, row, sev, code, f.Name, msg)
		fd.Evidence = v
		fd.Sensitive = f.Sensitive
		return fd
	}
	if v != "" && s.c.nulls.has(v) && !s.c.nulls.flagged(v) {
		v = "" // a missing value the schema allows
	}
	if v != "" && s.c.nulls.flagged(v) {
		return scoreInvalid, []model.Finding{finding(model.Error, "tabular.null-literal",
			fmt.Sprintf("%s holds the text %q where a blank is meant: leave the field empty", f.Name, v))}
	}
	if v == "" {
		required := f.Required
		if f.RequiredIf != nil {
			ok, err := f.RequiredIf.Eval(&s.machine, rowEnv(row, s.c.env))
			if err != nil {
				return scoreBlankAllowed, []model.Finding{finding(model.Error, "tabular.expression", err.Error())}
			}
			required = ok
		}
		if !required {
			return scoreBlankAllowed, nil
		}
		why := ""
		if f.RequiredIf != nil {
			why = " (required when " + f.RequiredIf.Source + ")"
		}
		msg := f.Name + " is blank but required" + why
		if !hasColumn {
			msg = f.Name + " is required but the file has no such column" + why
		}
		return scoreBlankRequired, []model.Finding{finding(model.Error, "tabular.required", msg)}
	}
	if fs := f.validate(v, finding); fs != nil {
		for _, fd := range fs {
			if fd.Severity == model.Error {
				return scoreInvalid, fs
			}
		}
		return scoreValid, fs
	}
	return scoreValid, nil
}

// validate returns the findings about a present value, nil when it is valid.
func (f *Field) validate(v string, finding func(model.Severity, string, string) model.Finding) []model.Finding {
	one := func(sev model.Severity, code, msg string) []model.Finding {
		return []model.Finding{finding(sev, code, msg)}
	}
	switch f.Type {
	case "integer", "number":
		n, ok := parseNumber(v, f.Type == "integer")
		if !ok {
			return one(model.Error, "tabular.type", fmt.Sprintf("%s is not a%s %s", f.Name, map[bool]string{true: "n", false: ""}[f.Type == "integer"], f.Type))
		}
		if (f.Minimum != nil && n < *f.Minimum) || (f.Maximum != nil && n > *f.Maximum) {
			return one(model.Error, "tabular.range", fmt.Sprintf("%s is out of range%s", f.Name, rangeText(f.Minimum, f.Maximum)))
		}
	case "date":
		if _, _, ok := ParseDate(v, f.Formats); !ok {
			if IsPartialDate(v) {
				return one(model.Error, "tabular.partial-date", fmt.Sprintf("%s is a partial date: day or month missing", f.Name))
			}
			return one(model.Error, "tabular.date", fmt.Sprintf("%s is not a date in %s", f.Name, formatNames(f.Formats)))
		}
	case "boolean":
		if !parseBool(v) {
			return one(model.Error, "tabular.type", f.Name+" is not a yes/no value (Y, N, Yes, No, true, false, 1, 0)")
		}
	case "nhs-number":
		if p, ok := f.NHS.Check(v); !ok {
			sev := model.Error
			if p.Warning {
				sev = model.Warning
			}
			return one(sev, p.Code, f.Name+" "+p.Message)
		}
	}
	if f.MinLength > 0 && len([]rune(v)) < f.MinLength || f.MaxLength > 0 && len([]rune(v)) > f.MaxLength {
		return one(model.Error, "tabular.length", fmt.Sprintf("%s has %d character(s); allowed %d to %d", f.Name, len([]rune(v)), f.MinLength, f.MaxLength))
	}
	if f.Pattern != nil && !f.Pattern.MatchString(v) {
		return one(model.Error, "tabular.pattern", fmt.Sprintf("%s does not match the pattern %s", f.Name, f.Pattern.String()))
	}
	if f.Values != nil {
		label, ok := f.Values.Match(v)
		if !ok {
			return one(model.Error, "tabular.code", f.Name+" is not a value of its code list")
		}
		if label != v {
			return one(model.Information, "tabular.label", fmt.Sprintf("%s is written differently from its canonical label %q", f.Name, label))
		}
	}
	return nil
}

func rangeText(lo, hi *float64) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf(" %s to %s", f(*lo), f(*hi))
	case lo != nil:
		return " (minimum " + f(*lo) + ")"
	case hi != nil:
		return " (maximum " + f(*hi) + ")"
	}
	return ""
}

func formatNames(fs []DateFormat) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, " or ")
}

func (s *schemaState) Merge(other check.State) error {
	o, ok := other.(*schemaState)
	if !ok || len(o.Counts) != len(s.Counts) {
		return fmt.Errorf("table-schema: cannot merge %T", other)
	}
	for i := range s.Counts {
		for j := range s.Counts[i] {
			s.Counts[i][j] += o.Counts[i][j]
		}
	}
	for k, v := range o.MissingColumns {
		if s.MissingColumns == nil {
			s.MissingColumns = map[string]int{}
		}
		s.MissingColumns[k] = v
	}
	return nil
}

func (s *schemaState) Finish(t *model.Tally) {
	for i, f := range s.c.fields {
		c := s.Counts[i]
		rows := c[0] + c[1] + c[2] + c[3]
		for sc := range nScores {
			t.Measure(scoreMeasure(f.Name, sc), c[sc], rows)
		}
		t.Measure(validityMeasure(f.Name), c[scoreValid]+c[scoreBlankAllowed], rows)
	}
	for k, line := range s.MissingColumns {
		file, col, _ := strings.Cut(k, "\x00")
		t.Add(model.Finding{Severity: model.Error, Code: "tabular.column",
			Message:  fmt.Sprintf("the header has no column %s", col),
			Location: model.Location{File: file, Line: line, Record: "header", Path: col}})
	}
}

// applies is the Applies of every table check: rows of the current submission
// (not the baseline) of the named table, or of any table.
func applies(rec *model.Record, table string) bool {
	row := tabular.RowOf(rec)
	return row != nil && !row.Baseline && (table == "" || rec.Type == table)
}

// rowFinding locates a finding at a column of a row.
func rowFinding(rec *model.Record, row *tabular.Row, sev model.Severity, code, column, msg string) model.Finding {
	return model.Finding{Severity: sev, Code: code, Message: msg,
		Location: model.Location{File: rec.Source, Line: rec.Line, Record: tabular.RowName(row.Number), Path: column}}
}
