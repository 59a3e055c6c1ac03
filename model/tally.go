package model

import (
	"fmt"
	"slices"
)

// DefaultSampleLimit is how many findings a tally keeps per check and target when
// the plan does not say. Counts stay exact whatever the limit.
const DefaultSampleLimit = 200

// Measure is a named ratio a check computed, such as the completeness of an
// element. Keeping numerator and denominator (not only the rate) lets a policy
// re-grade a stored report and lets shards be merged exactly.
type Measure struct {
	Name        string `json:"name"`
	Numerator   int64  `json:"numerator"`
	Denominator int64  `json:"denominator"`
}

// Rate is Numerator/Denominator, or 0 when nothing was counted.
func (m Measure) Rate() float64 {
	if m.Denominator == 0 {
		return 0
	}
	return float64(m.Numerator) / float64(m.Denominator)
}

// Tally accumulates what one check found on one target. Tallies from different
// workers, shards or machines merge into the tally a single pass would give: counts
// add, measures add by name, and the sample keeps the first findings in canonical
// order, which does not depend on who saw them first.
type Tally struct {
	// Evaluated counts the records the check looked at.
	Evaluated int64 `json:"evaluated"`
	// Failing counts the records with at least one error finding.
	Failing int64 `json:"failing"`
	// NotChecked counts the evaluated records the check judged nothing of:
	// every finding it raised on them was undecided (Finding.Undecided), or
	// the check counted them itself (CountNotChecked).
	NotChecked int64 `json:"not_checked,omitempty"`
	// NothingToJudge counts the evaluated records that held nothing the
	// check judges (a resource with no bound code, a Bundle whose entries
	// are records of their own), for a check that counts them
	// (CountNothingToJudge): neither judged nor not checked, so that a
	// result of only such records and records not checked is not a pass.
	NothingToJudge int64 `json:"nothing_to_judge,omitempty"`
	Errors         int64 `json:"errors"`
	Warnings       int64 `json:"warnings"`
	Information    int64 `json:"information"`
	// Measures are kept sorted by name.
	Measures []Measure `json:"measures,omitempty"`
	// Findings is the bounded, canonically ordered sample.
	Findings []Finding `json:"findings,omitempty"`
	// Limit bounds Findings; 0 means DefaultSampleLimit.
	Limit int `json:"-"`
	// Dropped is how many findings were counted but not kept in the sample.
	Dropped int64 `json:"dropped,omitempty"`
	sorted  bool
}

// NewTally returns a tally that keeps at most limit findings (0: the default).
func NewTally(limit int) *Tally { return &Tally{Limit: limit} }

func (t *Tally) limit() int {
	if t.Limit <= 0 {
		return DefaultSampleLimit
	}
	return t.Limit
}

// Add counts findings without counting a record: for feed-level checks whose
// findings are not about one record's evaluation.
func (t *Tally) Add(fs ...Finding) {
	for i := range fs {
		switch fs[i].Severity {
		case Error:
			t.Errors++
		case Warning:
			t.Warnings++
		default:
			t.Information++
		}
		t.Findings = append(t.Findings, fs[i])
		t.sorted = false
	}
	if len(t.Findings) > 2*t.limit() {
		t.trim()
	}
}

// Observe counts one evaluated record with the findings the check raised on it.
func (t *Tally) Observe(fs []Finding) {
	t.Evaluated++
	for i := range fs {
		if fs[i].Severity == Error {
			t.Failing++
			break
		}
	}
	if len(fs) > 0 && !slices.ContainsFunc(fs, func(f Finding) bool { return !f.Undecided }) {
		t.NotChecked++
	}
	t.Add(fs...)
}

// MarkUndecided marks every finding of fs undecided (Finding.Undecided):
// the findings of a record a check judged nothing else of, as it learns
// only at the record's end.
func MarkUndecided(fs []Finding) {
	for i := range fs {
		fs[i].Undecided = true
	}
}

// CountNotChecked counts n records, already evaluated, that the check judged
// nothing of and did not say so record by record: a check that says why
// once per result (a note, an Undecided finding added with Add) counts the
// records in its state and adds them when it finishes, so that the report
// is not flooded with one finding per record and the grade still knows.
func (t *Tally) CountNotChecked(n int64) { t.NotChecked += n }

// CountNothingToJudge counts n records, already evaluated, that held
// nothing the check judges.
func (t *Tally) CountNothingToJudge(n int64) { t.NothingToJudge += n }

// Measure adds num/den to the measure called name.
func (t *Tally) Measure(name string, num, den int64) {
	i, found := slices.BinarySearchFunc(t.Measures, name, func(m Measure, n string) int {
		switch {
		case m.Name < n:
			return -1
		case m.Name > n:
			return 1
		}
		return 0
	})
	if !found {
		t.Measures = slices.Insert(t.Measures, i, Measure{Name: name})
	}
	t.Measures[i].Numerator += num
	t.Measures[i].Denominator += den
}

// Lookup returns the measure called name.
func (t *Tally) Lookup(name string) (Measure, bool) {
	for _, m := range t.Measures {
		if m.Name == name {
			return m, true
		}
	}
	return Measure{}, false
}

// Merge adds other into t.
func (t *Tally) Merge(other *Tally) {
	t.Evaluated += other.Evaluated
	t.Failing += other.Failing
	t.NotChecked += other.NotChecked
	t.NothingToJudge += other.NothingToJudge
	t.Errors += other.Errors
	t.Warnings += other.Warnings
	t.Information += other.Information
	t.Dropped += other.Dropped
	for _, m := range other.Measures {
		t.Measure(m.Name, m.Numerator, m.Denominator)
	}
	t.Findings = append(t.Findings, other.Findings...)
	t.sorted = false
	t.trim()
}

// Total is the number of findings counted, kept or not.
func (t *Tally) Total() int64 { return t.Errors + t.Warnings + t.Information }

// Sample returns the kept findings in canonical order.
func (t *Tally) Sample() []Finding {
	t.trim()
	return t.Findings
}

func (t *Tally) trim() {
	if !t.sorted {
		slices.SortFunc(t.Findings, func(a, b Finding) int { return Compare(&a, &b) })
		t.sorted = true
	}
	if n := t.limit(); len(t.Findings) > n {
		t.Dropped += int64(len(t.Findings) - n)
		clear(t.Findings[n:])
		t.Findings = t.Findings[:n]
	}
}

// counted reports whether any measure counted something: a measure of
// nothing over nothing (0/0), as a check finishing on no rows writes, is no
// evidence that the check exercised anything.
func (t *Tally) counted() bool {
	for _, m := range t.Measures {
		if m.Numerator != 0 || m.Denominator != 0 {
			return true
		}
	}
	return false
}

// Grade is the default outcome of a tally: fail on any error, warn on any
// warning; skip when nothing was judged: no applicable records (or only
// records with nothing to judge), or only records the check could not
// judge (NotChecked), since a requirement that exercised nothing is never
// a pass; pass otherwise, saying how many records were not checked.
func (t *Tally) Grade() (Outcome, string) {
	switch {
	case t.Errors > 0:
		return Fail, fmt.Sprintf("%d error(s) in %d of %d record(s)", t.Errors, t.Failing, t.Evaluated) + t.notCheckedNote()
	case t.Warnings > 0:
		return Warn, fmt.Sprintf("%d warning(s) in %d record(s)", t.Warnings, t.Evaluated) + t.notCheckedNote()
	case t.Evaluated-t.NothingToJudge > 0 && t.NotChecked >= t.Evaluated-t.NothingToJudge:
		// Before the measures: a measure counted is no judgement of a
		// record.
		return Skip, fmt.Sprintf("not checked: %d record(s), none judged", t.NotChecked) + t.undecidedExample()
	case t.counted():
	case t.Evaluated-t.NothingToJudge <= 0:
		return Skip, "no applicable records"
	}
	msg := fmt.Sprintf("%d record(s) checked", t.Evaluated-t.NotChecked)
	if t.NotChecked > 0 {
		msg += fmt.Sprintf(", %d not checked", t.NotChecked) + t.undecidedExample()
	}
	return Pass, msg
}

// notCheckedNote says, after a failure's or a warning's count, how many
// records were not judged at all.
func (t *Tally) notCheckedNote() string {
	if t.NotChecked == 0 {
		return ""
	}
	return fmt.Sprintf("; %d record(s) not checked", t.NotChecked)
}

// undecidedExample quotes the first undecided finding of the sample: why
// records were not checked.
func (t *Tally) undecidedExample() string {
	for _, f := range t.Sample() {
		if f.Undecided {
			return " (e.g. " + f.Message + ")"
		}
	}
	return ""
}
