package portal

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/compare"
	"github.com/carecert/carecert/reports/diff"
	"github.com/carecert/carecert/reports/html"
)

// maxMeasureCharts bounds the measures a vendor page charts.
const maxMeasureCharts = 8

// VendorView is one vendor across its releases.
type VendorView struct {
	Vendor string `json:"vendor"`
	// Releases are oldest first, each with its latest run.
	Releases []Release      `json:"releases"`
	Chart    template.HTML  `json:"-"`
	Measures []MeasureTrend `json:"measures"`
	// Base and Head are the runs the diff compares (by default the latest
	// runs of the last two releases).
	Base int64      `json:"base,omitempty"`
	Head int64      `json:"head,omitempty"`
	Diff *diff.Diff `json:"diff,omitempty"`
	// Waivers are those of the latest run's policy, with their expiry.
	Waivers       []Waiver `json:"waivers"`
	WaiverProblem string   `json:"waiver_problem,omitempty"`
	// Runs are every run of the vendor, newest first.
	Runs []history.Run `json:"runs"`
}

// MeasureTrend is one measure across releases.
type MeasureTrend struct {
	Requirement string         `json:"requirement"`
	Name        string         `json:"name"`
	Points      []MeasurePoint `json:"points"`
	Chart       template.HTML  `json:"-"`
}

// MeasurePoint is the measure in one release's latest run.
type MeasurePoint struct {
	Release string `json:"release"`
	RunID   int64  `json:"run_id"`
	model.Measure
}

// Waiver is a policy's waiver as the latest run used it.
type Waiver struct {
	model.WaiverUse
	// DaysLeft counts the days the waiver still counts, today included;
	// 0 or less when it has expired.
	DaysLeft int `json:"days_left"`
}

func (v VendorView) PageTitle() string { return v.Vendor }

func (p *Server) vendorView(r *http.Request) (any, error) {
	name, runs, err := p.vendorOf(r)
	if err != nil {
		return nil, err
	}
	v := VendorView{Vendor: name, Releases: releases(runs), Waivers: []Waiver{}, Measures: []MeasureTrend{}}
	for i := len(runs) - 1; i >= 0; i-- {
		v.Runs = append(v.Runs, runs[i])
	}
	var points []point
	ids := make([]int64, len(v.Releases))
	release := map[int64]string{}
	for i, rel := range v.Releases {
		run := rel.Latest
		ids[i] = run.ID
		release[run.ID] = rel.Label()
		points = append(points, point{Label: rel.Label(), Value: run.PassRate(), Href: fmt.Sprintf("/runs/%d", run.ID),
			Text: fmt.Sprintf("%.1f%% passed · %s", 100*run.PassRate(), run.Decision), Class: "dot " + html.DecisionClass(run.Decision)})
	}
	v.Chart = lineChart("Pass rate by release, coloured by verdict", points, 1)
	if err := p.measureTrends(r.Context(), &v, ids, release); err != nil {
		return nil, err
	}
	if err := p.vendorDiff(r, &v, runs); err != nil {
		return nil, err
	}
	latest := runs[len(runs)-1]
	rep, err := p.report(r.Context(), latest)
	if err != nil {
		v.WaiverProblem = "waivers are read from the latest run's report: " + err.Error()
		return v, nil
	}
	today := p.opt.Now().UTC().Truncate(24 * time.Hour)
	for _, w := range rep.Verdict.Waivers {
		wv := Waiver{WaiverUse: w}
		if exp, err := time.Parse("2006-01-02", w.Expires); err == nil {
			wv.DaysLeft = int(exp.Sub(today).Hours()/24) + 1
		}
		v.Waivers = append(v.Waivers, wv)
	}
	return v, nil
}

// measureTrends charts the measures of the releases' latest runs, the ones
// recorded in most releases first.
func (p *Server) measureTrends(ctx context.Context, v *VendorView, ids []int64, release map[int64]string) error {
	ms, err := p.store.MeasuresOf(ctx, ids)
	if err != nil {
		return err
	}
	byKey := map[string]*MeasureTrend{}
	var order []string
	for _, m := range ms {
		key := m.Requirement + " " + m.Name
		t := byKey[key]
		if t == nil {
			t = &MeasureTrend{Requirement: m.Requirement, Name: m.Name}
			byKey[key] = t
			order = append(order, key)
		}
		t.Points = append(t.Points, MeasurePoint{Release: release[m.RunID], RunID: m.RunID, Measure: m.Measure})
	}
	// Points come in run order, which is release order only by id: put them
	// in the releases' order.
	pos := map[int64]int{}
	for i, id := range ids {
		pos[id] = i
	}
	var trends []*MeasureTrend
	for _, k := range order {
		t := byKey[k]
		sortByPos(t.Points, pos)
		trends = append(trends, t)
	}
	stableSortTrends(trends)
	for i, t := range trends {
		if i == maxMeasureCharts {
			break
		}
		var pts []point
		top := 1.0
		for _, pt := range t.Points {
			if !reports.IsProportion(pt.Measure) {
				top = max(top, pt.Rate())
			}
		}
		for _, pt := range t.Points {
			pts = append(pts, point{Label: pt.Release, Value: pt.Rate(), Href: fmt.Sprintf("/runs/%d", pt.RunID),
				Text: fmt.Sprintf("%s (%d/%d)", reports.MeasureValue(pt.Measure), pt.Numerator, pt.Denominator)})
		}
		t.Chart = lineChart(t.Name+" by release", pts, top)
		v.Measures = append(v.Measures, *t)
	}
	return nil
}

func sortByPos(points []MeasurePoint, pos map[int64]int) {
	for i := 1; i < len(points); i++ {
		for j := i; j > 0 && pos[points[j].RunID] < pos[points[j-1].RunID]; j-- {
			points[j], points[j-1] = points[j-1], points[j]
		}
	}
}

// stableSortTrends puts measures recorded in more releases first.
func stableSortTrends(ts []*MeasureTrend) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && len(ts[j].Points) > len(ts[j-1].Points); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// vendorDiff diffs two of the vendor's runs: ?base= and ?head=, else the
// latest runs of its last two releases.
func (p *Server) vendorDiff(r *http.Request, v *VendorView, runs []history.Run) error {
	byID := map[int64]history.Run{}
	for _, run := range runs {
		byID[run.ID] = run
	}
	pick := func(param string, fallback int64) (int64, error) {
		s := r.URL.Query().Get(param)
		if s == "" {
			return fallback, nil
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if _, ok := byID[id]; err != nil || !ok {
			return 0, badRequest("%s %q: not a run of %s", param, s, v.Vendor)
		}
		return id, nil
	}
	var base, head int64
	if n := len(v.Releases); n >= 2 {
		base, head = v.Releases[n-2].Latest.ID, v.Releases[n-1].Latest.ID
	}
	var err error
	if v.Base, err = pick("base", base); err != nil {
		return err
	}
	if v.Head, err = pick("head", head); err != nil {
		return err
	}
	if v.Base == 0 || v.Head == 0 {
		return nil
	}
	old, err := p.store.Report(r.Context(), byID[v.Base])
	if err != nil {
		return err
	}
	cur, err := p.store.Report(r.Context(), byID[v.Head])
	if err != nil {
		return err
	}
	v.Diff = diff.Compare(old, cur)
	return nil
}

// maxCompared bounds a comparison: wider than this no page reads well.
const maxCompared = 12

// CompareView is chosen runs side by side (the comparison carecert compare
// writes), each column linked to its run.
type CompareView struct {
	// Runs are the compared runs, in the order of the matrix's columns.
	Runs   []history.Run   `json:"runs"`
	Matrix *compare.Matrix `json:"matrix,omitempty"`
	// Choices are each vendor's latest run, to choose from.
	Choices []history.Run `json:"choices"`
	Chart   template.HTML `json:"-"`
}

func (CompareView) PageTitle() string { return "Comparison" }

// Cell links a matrix cell to the run's evidence for the requirement.
func (v CompareView) Cell(col int, key string) string { return evidenceURL(v.Runs[col].ID, key) }

func (p *Server) compareView(r *http.Request) (any, error) {
	v := CompareView{Runs: []history.Run{}}
	var err error
	if v.Choices, err = p.latestRuns(r); err != nil {
		return nil, err
	}
	latest := map[string]history.Run{}
	for _, run := range v.Choices {
		latest[run.Vendor] = run
	}
	// ?vendor= picks a vendor's latest run, ?run= one run (such as a release).
	for _, name := range query(r, "vendor") {
		run, ok := latest[name]
		if !ok {
			return nil, notFound("no vendor %q", name)
		}
		v.Runs = append(v.Runs, run)
	}
	for _, s := range query(r, "run") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, notFound("no run %q", s)
		}
		run, err := p.store.RunByID(r.Context(), id)
		if err != nil || !mayRead(r, run.Vendor) {
			return nil, notFound("no run %d", id)
		}
		v.Runs = append(v.Runs, run)
	}
	if len(v.Runs) > maxCompared {
		return nil, badRequest("%d runs chosen: compare at most %d", len(v.Runs), maxCompared)
	}
	if len(v.Runs) == 0 {
		return v, nil
	}
	reps := make([]*model.Report, len(v.Runs))
	for i, run := range v.Runs {
		if reps[i], err = p.store.Report(r.Context(), run); err != nil {
			return nil, err
		}
	}
	v.Matrix = compare.Build(reps)
	for i := range v.Matrix.Columns {
		v.Matrix.Columns[i].Link = fmt.Sprintf("/runs/%d", v.Runs[i].ID)
	}
	v.Chart = v.Matrix.SuiteChart()
	return v, nil
}
