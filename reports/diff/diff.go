// Package diff compares a release's report with a baseline report, requirement
// by requirement, to answer the question an upgrade gate asks: what did this
// release break that used to pass, and what did it fix?
package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/markdown"
)

// Status is how a requirement changed between the baseline and the release.
type Status string

const (
	// NewFailure passed (or warned) in the baseline and fails now: a regression.
	NewFailure Status = "new failure"
	Fixed      Status = "fixed"
	StillFails Status = "still failing"
	StillPass  Status = "still passing"
	// Added was not checked in the baseline (absent or skipped there).
	Added Status = "added"
	// Removed was checked in the baseline but not now.
	Removed Status = "removed"
)

// order lists statuses as reports show them: what needs attention first.
var order = []Status{NewFailure, StillFails, Added, Fixed, Removed, StillPass}

// Entry is one requirement's change. Outcomes are the worst over targets.
type Entry struct {
	Requirement string        `json:"requirement"`
	Level       model.Level   `json:"level"`
	Title       string        `json:"title"`
	Status      Status        `json:"status"`
	Baseline    model.Outcome `json:"baseline,omitempty"`
	Current     model.Outcome `json:"current,omitempty"`
	// Errors are error findings summed over targets.
	BaselineErrors int64 `json:"baseline_errors"`
	CurrentErrors  int64 `json:"current_errors"`
	// FailingTargets names the targets where the requirement fails now.
	FailingTargets []string `json:"failing_targets,omitempty"`
}

// Side names one of the two reports.
type Side struct {
	Vendor   string         `json:"vendor"`
	Release  string         `json:"release,omitempty"`
	AsOf     string         `json:"as_of,omitempty"`
	Decision model.Decision `json:"decision"`
}

// Diff is the comparison of two reports.
type Diff struct {
	Baseline Side           `json:"baseline"`
	Current  Side           `json:"current"`
	Counts   map[Status]int `json:"counts"`
	Entries  []Entry        `json:"entries"`
	// Measures lists the measures whose value moved, whatever the outcomes
	// did: a completeness that fell from 99% to 80% is news even when the
	// requirement still passes.
	Measures []MeasureChange `json:"measures,omitempty"`
	// OtherVendor is set when the two reports are of different vendors (names
	// compared without regard to case): such a diff is most often a wrong
	// baseline, and every rendering says so first.
	OtherVendor bool `json:"other_vendor,omitempty"`
}

// MeasureChange is one measure (summed over targets) in both reports.
type MeasureChange struct {
	Requirement string        `json:"requirement"`
	Name        string        `json:"name"`
	Baseline    model.Measure `json:"baseline"`
	Current     model.Measure `json:"current"`
}

// Change is the difference of the two values in percentage points (or in the
// ratio's own unit for measures that are not shares).
func (c MeasureChange) Change() float64 {
	scale := 100.0
	if !reports.IsProportion(c.Baseline) || !reports.IsProportion(c.Current) {
		scale = 1
	}
	return scale * (c.Current.Rate() - c.Baseline.Rate())
}

type agg struct {
	level    model.Level
	title    string
	outcome  model.Outcome
	errors   int64
	failing  []string
	measures map[string]*model.Measure
}

func failed(o model.Outcome) bool { return o == model.Fail || o == model.Errored }

func collect(r *model.Report) map[string]*agg {
	out := map[string]*agg{}
	for _, t := range r.Targets {
		for _, res := range t.Results {
			key := res.Suite + "/" + res.Requirement
			a := out[key]
			if a == nil {
				a = &agg{level: res.Level, title: res.Title, outcome: res.Outcome}
				out[key] = a
			}
			if res.Outcome.Rank() > a.outcome.Rank() {
				a.outcome = res.Outcome
			}
			a.errors += res.Errors
			if failed(res.Outcome) {
				a.failing = append(a.failing, t.Name)
			}
			for _, m := range res.Measures {
				if a.measures == nil {
					a.measures = map[string]*model.Measure{}
				}
				sum := a.measures[m.Name]
				if sum == nil {
					sum = &model.Measure{Name: m.Name}
					a.measures[m.Name] = sum
				}
				sum.Numerator += m.Numerator
				sum.Denominator += m.Denominator
			}
		}
	}
	return out
}

// sameRatio compares exactly: a/b = c/d when a·d = c·b (in big integers, as
// counts of large feeds multiply past int64).
func sameRatio(x, y model.Measure) bool {
	l := new(big.Int).Mul(big.NewInt(x.Numerator), big.NewInt(y.Denominator))
	r := new(big.Int).Mul(big.NewInt(y.Numerator), big.NewInt(x.Denominator))
	return l.Cmp(r) == 0
}

func side(r *model.Report) Side {
	return Side{Vendor: r.Vendor.Name, Release: r.Vendor.Release, AsOf: r.AsOf, Decision: r.Verdict.Decision}
}

// Compare diffs current against baseline. Requirements are matched by suite and
// id, whatever the targets are called.
func Compare(baseline, current *model.Report) *Diff {
	d := &Diff{Baseline: side(baseline), Current: side(current), Counts: map[Status]int{}}
	d.OtherVendor = !strings.EqualFold(strings.TrimSpace(d.Baseline.Vendor), strings.TrimSpace(d.Current.Vendor))
	old, cur := collect(baseline), collect(current)
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	for k := range keys {
		o, c := old[k], cur[k]
		e := Entry{Requirement: k}
		if c != nil {
			e.Level, e.Title, e.Current, e.CurrentErrors, e.FailingTargets = c.level, c.title, c.outcome, c.errors, c.failing
		}
		if o != nil {
			e.Baseline, e.BaselineErrors = o.outcome, o.errors
			if c == nil {
				e.Level, e.Title = o.level, o.title
			}
		}
		e.Status = status(o, c)
		d.Entries = append(d.Entries, e)
		d.Counts[e.Status]++
		if o != nil && c != nil {
			for name, before := range o.measures {
				after := c.measures[name]
				if after == nil || before.Denominator == 0 || after.Denominator == 0 {
					continue
				}
				if !sameRatio(*before, *after) {
					d.Measures = append(d.Measures, MeasureChange{Requirement: k, Name: name, Baseline: *before, Current: *after})
				}
			}
		}
	}
	sort.Slice(d.Measures, func(i, j int) bool {
		a, b := d.Measures[i], d.Measures[j]
		if a.Requirement != b.Requirement {
			return a.Requirement < b.Requirement
		}
		return a.Name < b.Name
	})
	pos := map[Status]int{}
	for i, s := range order {
		pos[s] = i
	}
	sort.Slice(d.Entries, func(i, j int) bool {
		a, b := d.Entries[i], d.Entries[j]
		if a.Status != b.Status {
			return pos[a.Status] < pos[b.Status]
		}
		return a.Requirement < b.Requirement
	})
	return d
}

func status(o, c *agg) Status {
	tested := func(a *agg) bool { return a != nil && a.outcome != model.Skip }
	switch {
	case !tested(c) && !tested(o):
		if c == nil {
			return Removed
		}
		return StillPass
	case !tested(c):
		return Removed
	case !tested(o):
		return Added
	case failed(c.outcome) && failed(o.outcome):
		return StillFails
	case failed(c.outcome):
		return NewFailure
	case failed(o.outcome):
		return Fixed
	}
	return StillPass
}

// NewFailures are the regressions: requirements the baseline passed that fail now.
func (d *Diff) NewFailures() []Entry { return d.filter(NewFailure) }

func (d *Diff) filter(s Status) []Entry {
	var out []Entry
	for _, e := range d.Entries {
		if e.Status == s {
			out = append(out, e)
		}
	}
	return out
}

// AnyFailing reports whether any requirement fails in the current report.
func (d *Diff) AnyFailing() bool {
	for _, e := range d.Entries {
		if failed(e.Current) {
			return true
		}
	}
	return false
}

func (s Side) String() string {
	out := s.Vendor
	if s.Release != "" {
		out += " " + s.Release
	}
	return out
}

// Headline is one line: what changed.
func (d *Diff) Headline() string {
	return fmt.Sprintf("%s → %s: %d new failure(s), %d fixed, %d still failing, %d still passing, %d added, %d removed",
		d.Baseline, d.Current, d.Counts[NewFailure], d.Counts[Fixed], d.Counts[StillFails], d.Counts[StillPass], d.Counts[Added], d.Counts[Removed])
}

// VendorWarning is the sentence that says two reports are of different
// vendors, or "" when they are of one.
func (d *Diff) VendorWarning() string {
	if !d.OtherVendor {
		return ""
	}
	return fmt.Sprintf("these reports are of two different vendors: %q (baseline) and %q; the changes below are between suppliers, not releases", d.Baseline.Vendor, d.Current.Vendor)
}

// Console prints the changes as a table; all adds the unchanged passing ones.
// The verdict comes before any table: it is what a reader looks for first.
func (d *Diff) Console(w io.Writer, all bool) error {
	if warn := d.VendorWarning(); warn != "" {
		fmt.Fprintln(w, "warning: "+warn)
	}
	fmt.Fprintf(w, "verdict: %s → %s\n", d.Baseline.Decision, d.Current.Decision)
	fmt.Fprintln(w, d.Headline())
	t := tablewriter.NewTable(w, plainHeader)
	t.Header("Change", "Requirement", "Level", "Baseline", "Now", "Errors before", "Errors now", "Failing on")
	for _, e := range d.Entries {
		if e.Status == StillPass && !all {
			continue
		}
		if err := t.Append(string(e.Status), e.Requirement, string(e.Level), string(e.Baseline), string(e.Current),
			strconv.FormatInt(e.BaselineErrors, 10), strconv.FormatInt(e.CurrentErrors, 10), strings.Join(e.FailingTargets, ", ")); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(d.Measures) == 0 {
		return nil
	}
	fmt.Fprintln(w, "Measures that moved:")
	mt := tablewriter.NewTable(w, plainHeader)
	mt.Header("Requirement", "Measure", "Baseline", "Now", "Change")
	for _, m := range d.Measures {
		if err := mt.Append(m.Requirement, m.Name, measureText(m.Baseline), measureText(m.Current), changeText(m)); err != nil {
			return err
		}
	}
	return mt.Render()
}

func measureText(m model.Measure) string {
	return fmt.Sprintf("%s (%d/%d)", reports.MeasureValue(m), m.Numerator, m.Denominator)
}

func changeText(m MeasureChange) string {
	unit := " pts"
	if !reports.IsProportion(m.Baseline) || !reports.IsProportion(m.Current) {
		unit = ""
	}
	return fmt.Sprintf("%+.2f%s", m.Change(), unit)
}

// Markdown writes the changes for a pull-request comment.
func (d *Diff) Markdown(w io.Writer) error {
	mark := "✅"
	if d.Counts[NewFailure] > 0 {
		mark = "❌"
	}
	fmt.Fprintf(w, "### %s carecert upgrade diff: %s → %s\n\n", mark, md(d.Baseline.String()), md(d.Current.String()))
	if warn := d.VendorWarning(); warn != "" {
		fmt.Fprintf(w, "> **Warning:** %s.\n\n", md(warn))
	}
	fmt.Fprintf(w, "Verdict: **%s** → **%s**\n\n", d.Baseline.Decision, d.Current.Decision)
	fmt.Fprintf(w, "| New failures | Fixed | Still failing | Still passing | Added | Removed |\n|---:|---:|---:|---:|---:|---:|\n| %d | %d | %d | %d | %d | %d |\n\n",
		d.Counts[NewFailure], d.Counts[Fixed], d.Counts[StillFails], d.Counts[StillPass], d.Counts[Added], d.Counts[Removed])
	var rows []Entry
	for _, e := range d.Entries {
		if e.Status != StillPass {
			rows = append(rows, e)
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "No requirement changed outcome.")
		return d.markdownMeasures(w)
	}
	fmt.Fprintln(w, "| Change | Requirement | Level | Baseline | Now | Errors | Title |\n|---|---|---|---|---|---:|---|")
	for _, e := range rows {
		fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %d → %d | %s |\n", e.Status, e.Requirement, e.Level, e.Baseline, e.Current, e.BaselineErrors, e.CurrentErrors, md(e.Title))
	}
	return d.markdownMeasures(w)
}

func (d *Diff) markdownMeasures(w io.Writer) error {
	if len(d.Measures) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n<details><summary>Measures that moved (%d)</summary>\n\n| Requirement | Measure | Baseline | Now | Change |\n|---|---|---:|---:|---:|\n", len(d.Measures))
	for _, m := range d.Measures {
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", m.Requirement, markdown.Code(m.Name), measureText(m.Baseline), measureText(m.Current), changeText(m))
	}
	_, err := fmt.Fprintln(w, "\n</details>")
	return err
}

// JSON writes the diff as indented JSON.
func (d *Diff) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// md escapes supplier text (vendor names, requirement titles) the way the
// report summary does, so that a diff comment cannot carry planted Markdown.
func md(s string) string { return markdown.Escape(s) }

// plainHeader keeps header cells as written: vendor names and releases
// ("11.0.4") must not be re-cased or re-spaced.
var plainHeader = tablewriter.WithConfig(tablewriter.NewConfigBuilder().WithHeaderAutoFormat(tw.Off).Build())
