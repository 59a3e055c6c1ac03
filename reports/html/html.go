// Package html renders a vendor's certification report as one self-contained
// HTML page for people who file it: a verdict banner, suite and requirement
// summaries, inline SVG charts and a findings table that filters, searches and
// pages offline. The page loads nothing from anywhere (its content security
// policy forbids it); findings travel as embedded JSON and are drawn a page at a
// time, so a report with 100,000 findings stays quick to open.
package html

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

//go:embed page.css
var pageCSS string

//go:embed findings.js
var findingsJS string

//go:embed report.html.tmpl
var reportTemplate string

// Options tune the page.
type Options struct {
	// FullEvidence keeps identifying evidence; by default it is redacted again
	// here, whatever the report holds, because the page is meant to be passed on.
	FullEvidence bool
	// PageSize is how many findings the table draws at a time (default 100).
	PageSize int
	// SignedBy is the id of the key the manifest beside the page is signed
	// with; empty when it is not signed.
	SignedBy string
}

// Style is the stylesheet every carecert page shares.
func Style() template.CSS { return template.CSS(pageCSS) }

// ContentSecurityPolicy forbids the page from loading anything: it must work
// offline and must not leak that it was opened.
const ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

// Render returns the page for one report.
func Render(rep *model.Report, opt Options) ([]byte, error) {
	var buf bytes.Buffer
	if err := Write(&buf, rep, opt); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write renders the page for one report to w.
func Write(w io.Writer, rep *model.Report, opt Options) error {
	if opt.PageSize <= 0 {
		opt.PageSize = 100
	}
	tmpl, err := template.New("report").Funcs(Funcs()).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("html template: %w", err)
	}
	v, err := newView(rep, opt)
	if err != nil {
		return err
	}
	if err := tmpl.Execute(w, v); err != nil {
		return fmt.Errorf("html report for %s: %w", rep.Vendor.Name, err)
	}
	return nil
}

// Funcs are the template helpers shared by carecert's pages.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"decisionClass": DecisionClass,
		"pct":           func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
		"signature":     Signature,
	}
}

// Signature says in a few words whether a report folder's manifest is signed
// and with which key (keyID empty: not signed), the same words on every page.
func Signature(keyID string) template.HTML {
	if keyID == "" {
		return "not signed"
	}
	return template.HTML("signed with Ed25519 key <b>" + template.HTMLEscapeString(keyID) + "</b>")
}

// DecisionClass is the CSS class of a verdict.
func DecisionClass(d model.Decision) string {
	switch d {
	case model.Certified:
		return "certified"
	case model.ConditionallyCertified:
		return "conditional"
	}
	return "not-certified"
}

// maxReasons is how many of the verdict's reasons the banner shows unfolded.
const maxReasons = 10

// view is what the template reads.
type view struct {
	Report       *model.Report
	Title        string
	Style        template.CSS
	CSP          string
	Script       template.JS
	Data         template.JS
	Suites       []suiteRow
	Results      []resultRow
	Measures     []measureRow
	SuiteChart   template.HTML
	LevelChart   template.HTML
	MeasureChart template.HTML
	// MeasuresNotCharted is how many proportions the chart leaves to the table.
	MeasuresNotCharted int
	TopCodes           template.HTML
	TopReqs            template.HTML
	Findings           int64
	Kept               int
	Dropped            bool
	Reasons            []string
	MoreReasons        []string
	Outcomes           []count
	Severities         []count
	Evidence           string
	SignedBy           string
	// The executive summary: what the verdict means for a buyer, the share of
	// records without errors per area (suite) and the top problems in words.
	Meaning     string
	Areas       []area
	AreaChart   template.HTML
	TopProblems []string
	// Attested are the manual requirements an assessor decided.
	Attested []model.AttestedRequirement
}

// area is one suite's records, counted once whatever its requirements say.
type area struct {
	ID, Title string
	model.Defects
}

type count struct {
	Name  string
	Class string
	N     int64
}

type suiteRow struct {
	ID, Title, Version string
	Passed, Counted    int
	Failed, Skipped    int
	Rate               float64
}

type resultRow struct {
	Target string
	model.Result
	// WaivedUntil is set when a waiver excused the result.
	WaivedUntil string
}

type measureRow struct {
	Target, Requirement, Name string
	// Label says in words what is measured; Better which way is good; Judge
	// is good, fair or poor when the direction tells.
	Label, Better, Judge   string
	Numerator, Denominator int64
	// Value is the measure formatted: a percentage for a proportion.
	Value      string
	Proportion bool
	Rate       float64
}

// findingsData is the JSON the script reads. Findings are arrays rather than
// objects, and repeated strings are indices into tables, to keep a page with
// 100,000 findings small.
type findingsData struct {
	PageSize     int      `json:"pageSize"`
	Targets      []string `json:"targets"`
	Requirements []string `json:"requirements"`
	Files        []string `json:"files"`
	// Findings: severity, target, requirement, file, line, record, path, code,
	// message, evidence, and the other requirements that report the same defect.
	Findings [][]any `json:"findings"`
}

func newView(rep *model.Report, opt Options) (*view, error) {
	v := &view{
		Report: rep, Style: Style(), CSP: ContentSecurityPolicy, Script: template.JS(findingsJS),
		Evidence: "redacted", SignedBy: opt.SignedBy,
	}
	if opt.FullEvidence {
		v.Evidence = "full"
	}
	v.Title = rep.Vendor.Name
	if rep.Vendor.Product != "" {
		v.Title += " — " + rep.Vendor.Product
	}
	if rep.Vendor.Release != "" {
		v.Title += " " + rep.Vendor.Release
	}

	data := findingsData{PageSize: opt.PageSize, Findings: [][]any{}}
	index := func(list *[]string, seen map[string]int, s string) int {
		if i, ok := seen[s]; ok {
			return i
		}
		seen[s] = len(*list)
		*list = append(*list, s)
		return seen[s]
	}
	tIdx, rIdx, fIdx := map[string]int{}, map[string]int{}, map[string]int{}
	suites := map[string]*suiteRow{}
	for _, s := range rep.Suites {
		suites[s.ID] = &suiteRow{ID: s.ID, Title: s.Title, Version: s.Version}
	}
	outcomes := map[model.Outcome]int64{}
	var severities [3]int64
	for _, t := range rep.Targets {
		ti := index(&data.Targets, tIdx, t.Name)
		for _, res := range t.Results {
			row := resultRow{Target: t.Name, Result: res}
			if until, ok := rep.Verdict.WaivedUntil(res.Suite, res.Requirement); ok {
				row.WaivedUntil = until
			}
			v.Results = append(v.Results, row)
			outcomes[res.Outcome]++
			severities[model.Error] += res.Errors
			severities[model.Warning] += res.Warnings
			severities[model.Information] += res.Information
			v.Findings += res.Total()
			s := suites[res.Suite]
			if s == nil {
				s = &suiteRow{ID: res.Suite, Title: res.Suite}
				suites[res.Suite] = s
			}
			switch res.Outcome {
			case model.Skip:
				s.Skipped++
			case model.Fail, model.Errored:
				s.Failed++
				s.Counted++
			default:
				s.Passed++
				s.Counted++
			}
			key := res.Suite + "/" + res.Requirement
			ri := index(&data.Requirements, rIdx, key)
			for _, m := range res.Measures {
				label, dir := reports.MeasureLabel(m.Name)
				v.Measures = append(v.Measures, measureRow{Target: t.Name, Requirement: key, Name: m.Name, Numerator: m.Numerator, Denominator: m.Denominator,
					Label: label, Better: dir.Arrow(), Judge: dir.Judge(m),
					Value: reports.MeasureValue(m), Proportion: reports.IsProportion(m), Rate: m.Rate()})
			}
			for _, f := range res.Findings {
				f = reports.Redact(f, opt.FullEvidence)
				var fi any
				if f.File != "" {
					fi = index(&data.Files, fIdx, f.File)
				}
				data.Findings = append(data.Findings, []any{int(f.Severity), ti, ri, fi, f.Line, f.Record, f.Path, f.Code, f.Message, f.Evidence, f.AlsoReported()})
			}
		}
	}
	// A long list of reasons buries the first ones: the rest fold away.
	v.Reasons = rep.Verdict.Reasons
	if len(v.Reasons) > maxReasons {
		v.Reasons, v.MoreReasons = v.Reasons[:maxReasons], v.Reasons[maxReasons:]
	}
	v.Kept = len(data.Findings)
	v.Dropped = v.Findings > int64(v.Kept)
	for _, o := range []model.Outcome{model.Pass, model.Warn, model.Fail, model.Errored, model.Skip} {
		v.Outcomes = append(v.Outcomes, count{Name: string(o), Class: "o-" + string(o), N: outcomes[o]})
	}
	for _, s := range []model.Severity{model.Error, model.Warning, model.Information} {
		v.Severities = append(v.Severities, count{Name: s.String(), Class: "s-" + s.String(), N: severities[s]})
	}
	for _, s := range suites {
		if s.Counted > 0 {
			s.Rate = float64(s.Passed) / float64(s.Counted)
		}
		v.Suites = append(v.Suites, *s)
	}
	sort.Slice(v.Suites, func(i, j int) bool { return v.Suites[i].ID < v.Suites[j].ID })
	v.SuiteChart = suiteChart(v.Suites)
	v.LevelChart = levelChart(v.Results)
	v.Attested = rep.Attested()
	v.MeasureChart, v.MeasuresNotCharted = measureChart(v.Measures)
	v.TopCodes, v.TopReqs = topCharts(v.Results)
	v.Meaning = meaning(rep)
	v.Areas = areas(rep, v.Suites)
	v.AreaChart = areaChart(v.Areas)
	v.TopProblems = topProblems(v.Results, v.Suites)

	js, err := json.Marshal(data) // escapes <, > and & so the data cannot end its script element
	if err != nil {
		return nil, fmt.Errorf("html report: findings: %w", err)
	}
	v.Data = template.JS(js)
	return v, nil
}

// meaning says what the verdict means for a buyer, in plain words.
func meaning(rep *model.Report) string {
	switch rep.Verdict.Decision {
	case model.Certified:
		return "This release met every requirement the policy makes mandatory, on every feed or system tested. A buyer can accept it against the suites below; any recommendations it missed are listed as warnings."
	case model.ConditionallyCertified:
		return "This release is acceptable only under the conditions listed above: a buyer should accept it on those terms and check that the supplier meets them by the dates given."
	}
	return "This release does not meet requirements the policy makes mandatory. A buyer should not accept it against these suites until the supplier fixes the problems below and a new run certifies it."
}

// areas sums each suite's records and problems over the report's targets;
// nil for reports written before problems were counted once.
func areas(rep *model.Report, suites []suiteRow) []area {
	sum := map[string]*model.Defects{}
	for _, t := range rep.Targets {
		for id, d := range t.SuiteDefects {
			if sum[id] == nil {
				sum[id] = &model.Defects{}
			}
			sum[id].Merge(d)
		}
	}
	var out []area
	for _, s := range suites {
		if d := sum[s.ID]; d != nil {
			out = append(out, area{ID: s.ID, Title: s.Title, Defects: *d})
		}
	}
	return out
}

func areaChart(as []area) template.HTML {
	var bars []Bar
	for _, a := range as {
		if a.Records == 0 {
			continue
		}
		bars = append(bars, Bar{Label: a.Title, Value: a.Clean(), Max: 1,
			Text:  fmt.Sprintf("%.1f%% (%d of %d)", 100*a.Clean(), a.Records-a.Failing, a.Records),
			Class: RateClass(a.Clean())})
	}
	return BarChart("Records without errors, by area", bars)
}

// maxTopProblems is how many problems the summary names.
const maxTopProblems = 5

// topProblems names the requirements with most failing records, in the
// words of their titles: what a non-technical reader can act on.
func topProblems(rows []resultRow, suites []suiteRow) []string {
	titles := map[string]string{}
	for _, s := range suites {
		titles[s.ID] = s.Title
	}
	var bad []resultRow
	for _, r := range rows {
		if r.Outcome == model.Fail || r.Outcome == model.Errored || r.Outcome == model.Warn {
			bad = append(bad, r)
		}
	}
	weight := func(r resultRow) int64 {
		if r.Failing > 0 {
			return r.Failing
		}
		return r.Warnings
	}
	sort.SliceStable(bad, func(i, j int) bool {
		if bad[i].Outcome.Rank() != bad[j].Outcome.Rank() {
			return bad[i].Outcome.Rank() > bad[j].Outcome.Rank()
		}
		return weight(bad[i]) > weight(bad[j])
	})
	var out []string
	for _, r := range bad {
		if len(out) == maxTopProblems {
			break
		}
		area := titles[r.Suite]
		if area == "" {
			area = r.Suite
		}
		var how string
		switch {
		case r.Outcome == model.Errored:
			how = "could not be checked: " + r.Message
		case r.Failing > 0 && r.Evaluated > 0:
			how = fmt.Sprintf("fails in %d of %d records", r.Failing, r.Evaluated)
		case r.Failing > 0 || r.Errors > 0:
			how = fmt.Sprintf("%d problem(s) found", max(r.Failing, r.Errors))
		default:
			how = fmt.Sprintf("%d warning(s)", r.Warnings)
		}
		level := "required"
		switch r.Level {
		case model.Should:
			level = "recommended"
		case model.May:
			level = "optional"
		}
		out = append(out, fmt.Sprintf("%s (%s, %s): %s.", r.Title, level, area, how))
	}
	return out
}

// Bar is one bar of a horizontal bar chart.
type Bar struct {
	Label string
	// Value is drawn against Max; Text is printed at the bar's end.
	Value, Max float64
	Text       string
	Class      string
}

// BarChart draws labelled horizontal bars as inline SVG.
func BarChart(title string, bars []Bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	const labelW, barW, rowH, textW = 300.0, 360.0, 22.0, 180.0
	height := rowH*float64(len(bars)) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %g %g" width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(title), labelW+barW+textW, height)
	for i, bar := range bars {
		y := 4 + rowH*float64(i)
		w := 0.0
		if bar.Max > 0 {
			w = barW * bar.Value / bar.Max
		}
		label := []rune(bar.Label)
		if len(label) > 42 {
			label = append(label[:41], '…')
		}
		cls := bar.Class
		if cls == "" {
			cls = "bar"
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title><text x="%g" y="%g" text-anchor="end" class="label">%s</text><rect x="%g" y="%g" width="%g" height="%g" class="track"/><rect x="%g" y="%g" width="%.1f" height="%g" class="%s"/><text x="%g" y="%g" class="value">%s</text></g>`,
			template.HTMLEscapeString(bar.Label), template.HTMLEscapeString(bar.Text),
			labelW-8, y+15, template.HTMLEscapeString(string(label)),
			labelW, y+2, barW, rowH-6,
			labelW, y+2, w, rowH-6, cls,
			labelW+barW+6, y+15, template.HTMLEscapeString(bar.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// RateClass colours a pass rate or measure: good, fair or poor.
func RateClass(rate float64) string {
	switch {
	case rate >= 0.95:
		return "bar good"
	case rate >= 0.8:
		return "bar fair"
	}
	return "bar poor"
}

func suiteChart(rows []suiteRow) template.HTML {
	var bars []Bar
	for _, s := range rows {
		bars = append(bars, Bar{Label: s.ID, Value: s.Rate, Max: 1, Text: fmt.Sprintf("%.1f%% (%d/%d)", 100*s.Rate, s.Passed, s.Counted), Class: RateClass(s.Rate)})
	}
	return BarChart("Pass rate by suite", bars)
}

// levelChart draws the pass rate of SHALL, SHOULD and MAY results: what a
// buyer reads first.
func levelChart(rows []resultRow) template.HTML {
	var bars []Bar
	for _, level := range []model.Level{model.Shall, model.Should, model.May} {
		var passed, counted int
		for _, r := range rows {
			if r.Level != level || r.Outcome == model.Skip {
				continue
			}
			counted++
			if r.Outcome == model.Pass || r.Outcome == model.Warn {
				passed++
			}
		}
		if counted == 0 {
			continue
		}
		rate := float64(passed) / float64(counted)
		bars = append(bars, Bar{Label: string(level), Value: rate, Max: 1, Text: fmt.Sprintf("%.1f%% (%d/%d)", 100*rate, passed, counted), Class: RateClass(rate)})
	}
	return BarChart("Pass rate by level", bars)
}

// maxMeasureBars bounds the measure chart; the table below it lists them all.
const maxMeasureBars = 40

// measureChart draws the measures that are proportions, in the table's order.
// A bar is coloured good or bad only when the measure's direction is known
// (reports.MeasureLabel): a high share of missing values is bad, of mapped
// codes good, of one value in a distribution neither.
func measureChart(ms []measureRow) (template.HTML, int) {
	// Say which requirement and target a measure belongs to when there is
	// more than one of them.
	owners := map[string]bool{}
	for _, m := range ms {
		owners[m.Requirement+"\x00"+m.Target] = true
	}
	multi := len(owners) > 1
	var bars []Bar
	left := 0
	for _, m := range ms {
		if !m.Proportion {
			continue
		}
		if len(bars) == maxMeasureBars {
			left++
			continue
		}
		label := m.Label
		if multi {
			label = fmt.Sprintf("%s (%s, %s)", m.Label, m.Requirement, m.Target)
		}
		cls := ""
		if m.Judge != "" {
			cls = "bar " + m.Judge
		}
		bars = append(bars, Bar{Label: label, Value: m.Rate, Max: 1, Text: fmt.Sprintf("%s (%d/%d)", m.Value, m.Numerator, m.Denominator), Class: cls})
	}
	return BarChart("Measures that are proportions", bars), left
}

// topN is how many bars the top-findings charts show.
const topN = 10

func topCharts(rows []resultRow) (codes, reqs template.HTML) {
	byCode := map[string]float64{}
	byReq := map[string]float64{}
	worst := map[string]model.Severity{}
	for _, r := range rows {
		key := r.Suite + "/" + r.Requirement
		if n := r.Total(); n > 0 {
			byReq[key] += float64(n)
			switch {
			case r.Errors > 0:
				worst[key] = model.Error
			case r.Warnings > 0:
				worst[key] = max(worst[key], model.Warning)
			}
		}
		for _, f := range r.Findings {
			byCode[f.Code]++
			worst[f.Code] = max(worst[f.Code], f.Severity)
		}
	}
	return BarChart("Most frequent problems in the kept findings", top(byCode, worst)), BarChart("Requirements with most findings", top(byReq, worst))
}

// severityClass colours a bar by the worst severity it counts: only errors
// are red, and information is never painted as a problem.
func severityClass(s model.Severity) string {
	switch s {
	case model.Error:
		return "bar poor"
	case model.Warning:
		return "bar fair"
	}
	return "bar"
}

func top(m map[string]float64, worst map[string]model.Severity) []Bar {
	var bars []Bar
	for k, n := range m {
		bars = append(bars, Bar{Label: k, Value: n})
	}
	sort.Slice(bars, func(i, j int) bool {
		if bars[i].Value != bars[j].Value {
			return bars[i].Value > bars[j].Value
		}
		return bars[i].Label < bars[j].Label
	})
	if len(bars) > topN {
		bars = bars[:topN]
	}
	for i := range bars {
		bars[i].Max = bars[0].Value
		bars[i].Text = fmt.Sprintf("%.0f", bars[i].Value)
		bars[i].Class = severityClass(worst[bars[i].Label])
	}
	return bars
}
