// Package compare puts several vendors' reports side by side: a matrix of
// vendors by requirement and by suite, for procurement teams choosing between
// suppliers certified against the same suites. It renders the matrix for the
// console, as CSV and as a self-contained HTML page.
package compare

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/html"
)

// Column is one vendor's report.
type Column struct {
	// Label is the vendor with its release, so two releases of one product can
	// be compared too.
	Label    string
	Vendor   model.Vendor
	Decision model.Decision
	Reasons  []string
	// Defects counts the vendor's problems once however many requirements
	// report them; nil for reports written before carecert counted them.
	Defects *model.Defects
	// Plan, AsOf, Tool and Policy say what judged the vendor, and when.
	Plan, AsOf, Tool, Policy string
	// Link is the vendor's report.html relative to the comparison page, when
	// the caller knows where it is.
	Link string
	// SignedBy is the id of the key the manifest beside the vendor's report
	// is signed with; empty when it is not signed.
	SignedBy string
}

// Problems is the column's distinct problems in words.
func (c Column) Problems() string {
	if c.Defects == nil {
		return "—"
	}
	return fmt.Sprintf("%d (%d errors, %d warnings)", c.Defects.Total(), c.Defects.Errors, c.Defects.Warnings)
}

// Cell is one vendor's outcome for a requirement: the worst over its targets.
type Cell struct {
	Present  bool
	Outcome  model.Outcome
	Errors   int64
	Warnings int64
}

// Row is one requirement across vendors.
type Row struct {
	Key   string // suite/REQ
	Level model.Level
	Title string
	Cells []Cell
}

// SuiteCell is one vendor's results in one suite.
type SuiteCell struct {
	Present         bool
	Passed, Counted int
}

// Rate is the share of counted (not skipped) results that passed.
func (c SuiteCell) Rate() float64 {
	if c.Counted == 0 {
		return 0
	}
	return float64(c.Passed) / float64(c.Counted)
}

// SuiteRow is one suite across vendors.
type SuiteRow struct {
	ID    string
	Cells []SuiteCell
}

// MeasureCell is one vendor's measure, summed over its targets.
type MeasureCell struct {
	Present                bool
	Numerator, Denominator int64
}

// Rate is Numerator/Denominator, or 0 when nothing was counted.
func (c MeasureCell) Rate() float64 {
	return model.Measure{Numerator: c.Numerator, Denominator: c.Denominator}.Rate()
}

func (c MeasureCell) String() string {
	if !c.Present || c.Denominator == 0 {
		return "—"
	}
	return fmt.Sprintf("%s (%d/%d)", reports.MeasureValue(model.Measure{Numerator: c.Numerator, Denominator: c.Denominator}), c.Numerator, c.Denominator)
}

// MeasureRow is one measure (such as an element's completeness) across vendors.
type MeasureRow struct {
	// Requirement is suite/REQ; Name the measure's name.
	Requirement, Name string
	Cells             []MeasureCell
}

// Matrix is the comparison.
type Matrix struct {
	Columns      []Column
	Suites       []SuiteRow
	Requirements []Row
	Measures     []MeasureRow
}

// Build compares reports in the order given.
func Build(reps []*model.Report) *Matrix {
	m := &Matrix{}
	rows := map[string]*Row{}
	suites := map[string]*SuiteRow{}
	measures := map[string]*MeasureRow{}
	n := len(reps)
	for i, r := range reps {
		label := r.Vendor.Name
		if r.Vendor.Release != "" {
			label += " " + r.Vendor.Release
		}
		m.Columns = append(m.Columns, Column{Label: label, Vendor: r.Vendor, Decision: r.Verdict.Decision, Reasons: r.Verdict.Reasons, Defects: r.Summary.Defects,
			Plan: r.Plan, AsOf: r.AsOf, Tool: r.Tool.Name + " " + r.Tool.Version, Policy: r.Verdict.Policy})
		for _, t := range r.Targets {
			for _, res := range t.Results {
				key := res.Suite + "/" + res.Requirement
				row := rows[key]
				if row == nil {
					row = &Row{Key: key, Level: res.Level, Title: res.Title, Cells: make([]Cell, n)}
					rows[key] = row
				}
				c := &row.Cells[i]
				if !c.Present || res.Outcome.Rank() > c.Outcome.Rank() {
					c.Outcome = res.Outcome
				}
				c.Present = true
				c.Errors += res.Errors
				c.Warnings += res.Warnings
				for _, ms := range res.Measures {
					mk := key + "\x00" + ms.Name
					mr := measures[mk]
					if mr == nil {
						mr = &MeasureRow{Requirement: key, Name: ms.Name, Cells: make([]MeasureCell, n)}
						measures[mk] = mr
					}
					mc := &mr.Cells[i]
					mc.Present = true
					mc.Numerator += ms.Numerator
					mc.Denominator += ms.Denominator
				}

				s := suites[res.Suite]
				if s == nil {
					s = &SuiteRow{ID: res.Suite, Cells: make([]SuiteCell, n)}
					suites[res.Suite] = s
				}
				sc := &s.Cells[i]
				sc.Present = true
				if res.Outcome != model.Skip {
					sc.Counted++
					if res.Outcome != model.Fail && res.Outcome != model.Errored {
						sc.Passed++
					}
				}
			}
		}
	}
	for _, r := range rows {
		m.Requirements = append(m.Requirements, *r)
	}
	sort.Slice(m.Requirements, func(i, j int) bool { return m.Requirements[i].Key < m.Requirements[j].Key })
	for _, s := range suites {
		m.Suites = append(m.Suites, *s)
	}
	sort.Slice(m.Suites, func(i, j int) bool { return m.Suites[i].ID < m.Suites[j].ID })
	for _, r := range measures {
		m.Measures = append(m.Measures, *r)
	}
	sort.Slice(m.Measures, func(i, j int) bool {
		a, b := m.Measures[i], m.Measures[j]
		if a.Requirement != b.Requirement {
			return a.Requirement < b.Requirement
		}
		return a.Name < b.Name
	})
	return m
}

func (c Cell) String() string {
	if !c.Present {
		return "—"
	}
	switch c.Outcome {
	case model.Fail, model.Errored:
		return fmt.Sprintf("%s (%d errors)", c.Outcome, c.Errors)
	case model.Warn:
		return fmt.Sprintf("warn (%d warnings)", c.Warnings)
	}
	return string(c.Outcome)
}

func (c SuiteCell) String() string {
	if !c.Present {
		return "—"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*c.Rate(), c.Passed, c.Counted)
}

func (m *Matrix) header(first ...string) []string {
	h := append([]string{}, first...)
	for _, c := range m.Columns {
		h = append(h, c.Label)
	}
	return h
}

// Console prints the verdicts, the suite matrix and the requirement matrix.
func (m *Matrix) Console(w io.Writer) error {
	tables := []struct {
		head []string
		rows [][]string
	}{{head: m.header("", "")}, {head: m.header("Suite", "")}, {head: m.header("Requirement", "Level")}, {head: m.header("Measure", "Requirement")}}
	verdict := []string{"Verdict", ""}
	for _, c := range m.Columns {
		verdict = append(verdict, string(c.Decision))
	}
	problems := []string{"Distinct problems", ""}
	for _, c := range m.Columns {
		problems = append(problems, c.Problems())
	}
	tables[0].rows = append(tables[0].rows, verdict, problems)
	for _, s := range m.Suites {
		row := []string{s.ID, "pass rate"}
		for _, c := range s.Cells {
			row = append(row, c.String())
		}
		tables[1].rows = append(tables[1].rows, row)
	}
	for _, r := range m.Requirements {
		row := []string{r.Key, string(r.Level)}
		for _, c := range r.Cells {
			row = append(row, c.String())
		}
		tables[2].rows = append(tables[2].rows, row)
	}
	for _, r := range m.Measures {
		row := []string{r.Name, r.Requirement}
		for _, c := range r.Cells {
			row = append(row, c.String())
		}
		tables[3].rows = append(tables[3].rows, row)
	}
	for _, tb := range tables {
		if len(tb.rows) == 0 {
			continue
		}
		t := tablewriter.NewTable(w, plainHeader)
		t.Header(tb.head)
		for _, r := range tb.rows {
			if err := t.Append(r); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	return nil
}

// CSV writes one table: a verdict row, one row per suite (passed over counted
// results), one per requirement (outcome and counts) and one per measure (the
// id is "suite/REQ name"). Each vendor has the same six columns, so that a
// spreadsheet can sort and filter them.
func (m *Matrix) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"kind", "id", "level", "title"}
	for _, c := range m.Columns {
		head = append(head, c.Label+" outcome", c.Label+" errors", c.Label+" warnings", c.Label+" numerator", c.Label+" denominator", c.Label+" rate")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	row := []string{"verdict", "", "", ""}
	for _, c := range m.Columns {
		row = append(row, string(c.Decision), "", "", "", "", "")
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	// Problems counted once (a defect several requirements report is one).
	row = []string{"problems", "", "", "distinct problems"}
	for _, c := range m.Columns {
		if c.Defects == nil {
			row = append(row, "", "", "", "", "", "")
			continue
		}
		row = append(row, "", strconv.FormatInt(c.Defects.Errors, 10), strconv.FormatInt(c.Defects.Warnings, 10), "", "", "")
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for _, s := range m.Suites {
		row := []string{"suite", s.ID, "", ""}
		for _, c := range s.Cells {
			if !c.Present {
				row = append(row, "", "", "", "", "", "")
				continue
			}
			rate := ""
			if c.Counted > 0 {
				rate = strconv.FormatFloat(c.Rate(), 'f', 4, 64)
			}
			row = append(row, "", "", "", strconv.Itoa(c.Passed), strconv.Itoa(c.Counted), rate)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for _, r := range m.Requirements {
		row := []string{"requirement", r.Key, string(r.Level), r.Title}
		for _, c := range r.Cells {
			if !c.Present {
				row = append(row, "", "", "", "", "", "")
				continue
			}
			row = append(row, string(c.Outcome), strconv.FormatInt(c.Errors, 10), strconv.FormatInt(c.Warnings, 10), "", "", "")
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for _, r := range m.Measures {
		row := []string{"measure", r.Requirement + " " + r.Name, "", ""}
		for _, c := range r.Cells {
			if !c.Present {
				row = append(row, "", "", "", "", "", "")
				continue
			}
			rate := ""
			if c.Denominator > 0 {
				rate = strconv.FormatFloat(c.Rate(), 'f', 4, 64)
			}
			row = append(row, "", "", "", strconv.FormatInt(c.Numerator, 10), strconv.FormatInt(c.Denominator, 10), rate)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

var pageTemplate = template.Must(template.New("compare").Funcs(html.Funcs()).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>carecert vendor comparison</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>Vendor comparison</h1>
<p class="meta">{{len .M.Columns}} report(s) compared requirement by requirement. Each cell is the worst outcome over the vendor's targets.</p>
<table id="verdicts">
<thead><tr><th></th>{{range .M.Columns}}<th>{{if .Link}}<a href="{{.Link}}">{{.Label}}</a>{{else}}{{.Label}}{{end}}</th>{{end}}</tr></thead>
<tbody><tr><th>Judged by</th>{{range .M.Columns}}<td class="note">plan <b>{{.Plan}}</b> · as of {{.AsOf}} · {{.Tool}} · policy {{.Policy}}</td>{{end}}</tr>
<tr><th>Signature</th>{{range .M.Columns}}<td class="note">{{signature .SignedBy}}</td>{{end}}</tr>
<tr><th>Report</th>{{range .M.Columns}}<td>{{if .Link}}<a href="{{.Link}}">report.html</a>{{else}}—{{end}}</td>{{end}}</tr>
<tr><th>Verdict</th>{{range .M.Columns}}<td><span class="badge {{decisionClass .Decision}}-badge">{{.Decision}}</span></td>{{end}}</tr>
<tr><th>Distinct problems</th>{{range .M.Columns}}<td class="num">{{.Problems}}</td>{{end}}</tr></tbody>
</table>
<p class="note">Distinct problems count each problem once: when several requirements report the same element of the same record (a bad birth date rejected by the schema, the profile and a data-quality rule), it is one problem. The requirement rows below keep every requirement's own outcome and counts.</p>
<h2>Pass rate by suite</h2>
<table id="suites">
<thead><tr><th>Suite</th>{{range .M.Columns}}<th class="num">{{.Label}}</th>{{end}}</tr></thead>
<tbody>{{range .M.Suites}}<tr><td class="mono">{{.ID}}</td>{{range .Cells}}<td class="num">{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table>
{{.Chart}}
<h2>Requirements</h2>
<table id="requirements">
<thead><tr><th>Requirement</th><th>Level</th><th>Title</th>{{range .M.Columns}}<th>{{.Label}}</th>{{end}}</tr></thead>
<tbody>{{range .M.Requirements}}<tr><td class="mono">{{.Key}}</td><td>{{.Level}}</td><td>{{.Title}}</td>{{range .Cells}}<td>{{if .Present}}<span class="badge o-{{.Outcome}}">{{.Outcome}}</span>{{if .Errors}} {{.Errors}} errors{{end}}{{else}}—{{end}}</td>{{end}}</tr>{{end}}</tbody>
</table>
{{if .M.Measures}}
<h2>Measures</h2>
<p class="note">Each measure is a numerator over a denominator, summed over the vendor's targets: a share shown as a percentage, or another ratio such as a mean. Whether higher is better depends on the measure.</p>
<table id="measures">
<thead><tr><th>Measure</th><th>Requirement</th>{{range .M.Columns}}<th class="num">{{.Label}}</th>{{end}}</tr></thead>
<tbody>{{range .M.Measures}}<tr><td class="mono">{{.Name}}</td><td class="mono">{{.Requirement}}</td>{{range .Cells}}<td class="num">{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table>
{{end}}
</main>
</body>
</html>
`))

// SuiteChart draws each column's pass rate per suite as bars.
func (m *Matrix) SuiteChart() template.HTML {
	var bars []html.Bar
	for _, s := range m.Suites {
		for i, c := range s.Cells {
			if c.Present {
				bars = append(bars, html.Bar{Label: s.ID + " · " + m.Columns[i].Label, Value: c.Rate(), Max: 1, Text: c.String(), Class: html.RateClass(c.Rate())})
			}
		}
	}
	return html.BarChart("Pass rate by suite and vendor", bars)
}

// HTML writes the matrix as a self-contained page.
func (m *Matrix) HTML(w io.Writer) error {
	return pageTemplate.Execute(w, map[string]any{
		"M": m, "Style": html.Style() + compareCSS, "CSP": html.ContentSecurityPolicy,
		"Chart": m.SuiteChart(),
	})
}

const compareCSS = `.certified-badge{background:var(--ok)}.conditional-badge{background:var(--warn)}.not-certified-badge{background:var(--bad)}`

// plainHeader keeps header cells as written: vendor names and releases
// ("11.0.4") must not be re-cased or re-spaced.
var plainHeader = tablewriter.WithConfig(tablewriter.NewConfigBuilder().WithHeaderAutoFormat(tw.Off).Build())
