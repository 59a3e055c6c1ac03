package tables

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
)

// ---- one date format per file ----

type dateFormatsCheck struct {
	table    string
	fields   []string
	formats  []DateFormat
	severity model.Severity
}

func newDateFormatsCheck(_ check.Spec, p dateFormatsParams, _ *check.Env) (check.Check, error) {
	c := &dateFormatsCheck{table: p.Table, fields: p.Fields, severity: p.Severity}
	if len(c.fields) == 0 {
		return nil, errors.New("parameter \"fields\": name the date columns")
	}
	var err error
	if c.formats, err = ParseDateFormats(p.Formats); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *dateFormatsCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *dateFormatsCheck) NewState() check.State {
	return &dateFormatsState{c: c, Uses: map[string]*formatUse{}}
}

// formatUse counts the dates of one file written in one format, and where the
// first of them is.
type formatUse struct {
	Count int64  `json:"count"`
	Line  int    `json:"line"`
	Row   int64  `json:"row"`
	Field string `json:"field"`
}

type dateFormatsState struct {
	c *dateFormatsCheck
	// Uses is keyed by file and format name.
	Uses map[string]*formatUse `json:"uses"`
}

func (s *dateFormatsState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	for _, f := range s.c.fields {
		v, _ := row.Get(f)
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		_, name, ok := ParseDate(v, s.c.formats)
		if !ok {
			continue // not a date at all: the schema check says so
		}
		s.add(rec.Source+"\x00"+name, formatUse{Count: 1, Line: rec.Line, Row: row.Number, Field: f})
	}
	return nil
}

func (s *dateFormatsState) add(key string, u formatUse) {
	cur := s.Uses[key]
	if cur == nil {
		s.Uses[key] = &u
		return
	}
	cur.Count += u.Count
	if u.Line < cur.Line || u.Line == cur.Line && u.Field < cur.Field {
		cur.Line, cur.Row, cur.Field = u.Line, u.Row, u.Field
	}
}

func (s *dateFormatsState) Merge(other check.State) error {
	o, ok := other.(*dateFormatsState)
	if !ok {
		return fmt.Errorf("table-date-formats: cannot merge %T", other)
	}
	for k, u := range o.Uses {
		s.add(k, *u)
	}
	return nil
}

func (s *dateFormatsState) Finish(t *model.Tally) {
	byFile := map[string][]string{}
	var total int64
	for k, u := range s.Uses {
		file, format, _ := strings.Cut(k, "\x00")
		byFile[file] = append(byFile[file], format)
		total += u.Count
	}
	for k, u := range s.Uses {
		_, format, _ := strings.Cut(k, "\x00")
		t.Measure("date-format."+format, u.Count, 0)
	}
	for i := range t.Measures {
		if strings.HasPrefix(t.Measures[i].Name, "date-format.") {
			t.Measures[i].Denominator += total
		}
	}
	for file, formats := range byFile {
		if len(formats) < 2 {
			continue
		}
		// The format most dates use is the file's; the others are the finding.
		sort.Slice(formats, func(i, j int) bool {
			a, b := s.Uses[file+"\x00"+formats[i]], s.Uses[file+"\x00"+formats[j]]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return formats[i] < formats[j]
		})
		main := s.Uses[file+"\x00"+formats[0]]
		for _, f := range formats[1:] {
			u := s.Uses[file+"\x00"+f]
			t.Add(model.Finding{Severity: s.c.severity, Code: "tabular.date-format-mixed",
				Message: fmt.Sprintf("the file writes %d date(s) as %s (first here) but %d as %s (first at line %d): use one format",
					u.Count, f, main.Count, formats[0], main.Line),
				Location: model.Location{File: file, Line: u.Line, Record: tabular.RowName(u.Row), Path: u.Field}})
		}
	}
}

// ---- encoding ----

type encodingCheck struct {
	table  string
	expect tabular.Encoding
}

func newEncodingCheck(_ check.Spec, p encodingParams, _ *check.Env) (check.Check, error) {
	c := &encodingCheck{table: p.Table}
	exp := p.Expect
	switch tabular.Encoding(exp) {
	case "", tabular.UTF8, tabular.Windows1252:
		c.expect = tabular.Encoding(exp)
	default:
		return nil, fmt.Errorf("expect %q: want utf-8 or windows-1252", exp)
	}
	return c, nil
}

func (c *encodingCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *encodingCheck) NewState() check.State {
	return &encodingState{c: c, Files: map[string]*formatUse{}}
}

// encodingState counts rows per file and encoding ("mixed" for rows whose
// bytes did not fit the file's encoding).
type encodingState struct {
	c     *encodingCheck
	Files map[string]*formatUse `json:"files"`
}

func (s *encodingState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	enc := string(row.Encoding)
	if row.Encoding == tabular.UTF8BOM {
		enc = string(tabular.UTF8)
	}
	if row.Recoded {
		enc = "mixed"
	}
	key := rec.Source + "\x00" + enc
	if u := s.Files[key]; u == nil {
		s.Files[key] = &formatUse{Count: 1, Line: rec.Line, Row: row.Number}
	} else {
		u.Count++
		if rec.Line < u.Line {
			u.Line, u.Row = rec.Line, row.Number
		}
	}
	if row.Recoded {
		return []model.Finding{rowFinding(rec, row, model.Error, "csv.encoding", "",
			fmt.Sprintf("the row's bytes are not valid in the file's encoding; read as %s", row.Encoding))}
	}
	return nil
}

func (s *encodingState) Merge(other check.State) error {
	o, ok := other.(*encodingState)
	if !ok {
		return fmt.Errorf("table-encoding: cannot merge %T", other)
	}
	for k, u := range o.Files {
		if cur := s.Files[k]; cur == nil {
			s.Files[k] = u
		} else {
			cur.Count += u.Count
			if u.Line < cur.Line {
				cur.Line, cur.Row = u.Line, u.Row
			}
		}
	}
	return nil
}

func (s *encodingState) Finish(t *model.Tally) {
	var total int64
	for _, u := range s.Files {
		total += u.Count
	}
	for k, u := range s.Files {
		file, enc, _ := strings.Cut(k, "\x00")
		t.Measure("encoding."+enc, u.Count, 0)
		if enc != string(tabular.Windows1252) {
			continue
		}
		f := model.Finding{Severity: model.Information, Code: "csv.encoding-detected",
			Message:  "the file is encoded as Windows-1252 (first non-UTF-8 byte here); it was decoded as such",
			Location: model.Location{File: file, Line: u.Line, Record: tabular.RowName(u.Row)}}
		if s.c.expect == tabular.UTF8 {
			f.Severity = model.Warning
			f.Message = "the file is encoded as Windows-1252 (first non-UTF-8 byte here), not UTF-8; it was decoded as Windows-1252"
		}
		t.Add(f)
	}
	for i := range t.Measures {
		if strings.HasPrefix(t.Measures[i].Name, "encoding.") {
			t.Measures[i].Denominator += total
		}
	}
}
