package agreement

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carecert/carecert/model"
)

// FamilyInstance is one instance of a family pair: a small resource written
// for the project from a rule the reference validator checks offline, with
// the outcome the rule gives it.
type FamilyInstance struct {
	Family string `json:"family"`
	Area   string `json:"area"`
	// Basis names the specification section or reference-validator
	// behaviour the instance was written from.
	Basis string `json:"basis"`
	File  string `json:"file"`
	// Expect is "error" (the instance breaks the rule) or "no error".
	Expect string `json:"expect"`
}

// breaks reports whether the instance is the one that breaks its rule.
func (i FamilyInstance) breaks() bool { return i.Expect == "error" }

// FamilyResult is carecert's decision on both instances of one family.
type FamilyResult struct {
	Family, Area, Basis string
	// Keeps and Breaks are the outcomes on the instance that keeps the rule
	// (no error expected) and the one that breaks it (an error expected).
	Keeps, Breaks Outcome
}

// Right reports whether both instances were decided as the rule decides them.
func (r FamilyResult) Right() bool { return r.Keeps.Agrees() && r.Breaks.Agrees() }

// FamilyPairs reads the manifest of a folder of family pairs, refusing one
// where an expectation is neither "error" nor "no error" or a family lacks
// either instance.
func FamilyPairs(dir string) ([]FamilyInstance, error) {
	name := filepath.Join(dir, "manifest.json")
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("family pairs: %w", err)
	}
	var m struct {
		Pairs []FamilyInstance `json:"pairs"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("family pairs %s: %w", name, err)
	}
	seen := map[string][2]int{}
	for _, p := range m.Pairs {
		if p.Expect != "error" && p.Expect != "no error" {
			return nil, fmt.Errorf("family pairs %s: %s: expect %q (want error or no error)", name, p.File, p.Expect)
		}
		n := seen[p.Family]
		if p.breaks() {
			n[1]++
		} else {
			n[0]++
		}
		seen[p.Family] = n
	}
	for f, n := range seen {
		if n != [2]int{1, 1} {
			return nil, fmt.Errorf("family pairs %s: family %s needs one instance that keeps its rule and one that breaks it, has %d and %d", name, f, n[0], n[1])
		}
	}
	return m.Pairs, nil
}

// DecideFamilies turns the error findings of each instance (by file name,
// relative to the folder) into one result per family, in family order.
func DecideFamilies(pairs []FamilyInstance, errors map[string][]model.Finding) []FamilyResult {
	byFamily := map[string]*FamilyResult{}
	for _, p := range pairs {
		r := byFamily[p.Family]
		if r == nil {
			r = &FamilyResult{Family: p.Family, Area: p.Area, Basis: p.Basis}
			byFamily[p.Family] = r
		}
		o := Outcome{Case: p.File, Findings: errors[p.File], Got: len(errors[p.File])}
		if p.breaks() {
			o.Want = 1
			r.Breaks = o
		} else {
			r.Keeps = o
		}
	}
	out := make([]FamilyResult, 0, len(byFamily))
	for _, r := range byFamily {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Family < out[j].Family })
	return out
}

// ErrorsByFile collects a report's error findings by the base name of the
// file they were found in.
func ErrorsByFile(rep *model.Report) map[string][]model.Finding {
	out := map[string][]model.Finding{}
	for _, t := range rep.Targets {
		for _, res := range t.Results {
			for _, f := range res.Findings {
				if f.Severity == model.Error && f.File != "" {
					out[filepath.Base(f.File)] = append(out[filepath.Base(f.File)], f)
				}
			}
		}
	}
	return out
}

// RunFamilies validates every instance of a folder of family pairs with the
// profile engine alone, as the agreement harness runs conformance cases,
// with the reference validator's default options.
func RunFamilies(dir string, opts Options) ([]FamilyResult, error) {
	pairs, err := FamilyPairs(dir)
	if err != nil {
		return nil, err
	}
	cases := make([]Case, len(pairs))
	for i, p := range pairs {
		want := 0
		// carecert's own defaults, as `carecert validate` runs the pairs
		// (it takes a REST reference's URL to tell its target's type)
		cases[i] = Case{Name: p.File, File: p.File, Expected: &Expectation{ErrorCount: &want},
			Options: CaseOptions{AssumeValidRestReferences: true}}
	}
	s, err := RunCases(dir, cases, nil, opts)
	if err != nil {
		return nil, err
	}
	errs := map[string][]model.Finding{}
	for _, o := range s.Outcomes {
		for _, f := range o.Findings {
			if f.Severity == model.Error {
				errs[o.Case] = append(errs[o.Case], f)
			}
		}
	}
	return DecideFamilies(pairs, errs), nil
}

// FamilyReport is a table of the decisions, one row per family, with the
// totals; under each family decided wrongly, the errors that made it so.
func FamilyReport(results []FamilyResult) string {
	var b strings.Builder
	right, keeps, breaks := 0, 0, 0
	for _, r := range results {
		mark := "right"
		switch {
		case r.Right():
			right++
		case !r.Keeps.Agrees() && !r.Breaks.Agrees():
			mark = "WRONG (false error and missed error)"
		case !r.Keeps.Agrees():
			mark = "WRONG (false error)"
		default:
			mark = "WRONG (missed error)"
		}
		if r.Keeps.Agrees() {
			keeps++
		}
		if r.Breaks.Agrees() {
			breaks++
		}
		fmt.Fprintf(&b, "%-22s %-40s %s\n", r.Area, r.Family, mark)
		if !r.Keeps.Agrees() {
			for _, f := range r.Keeps.Findings {
				fmt.Fprintf(&b, "    %s: %s: %s\n", r.Keeps.Case, f.Path, f.Message)
			}
		}
	}
	fmt.Fprintf(&b, "families decided right: %d/%d; instances keeping the rule without error: %d/%d; instances breaking it with an error: %d/%d\n",
		right, len(results), keeps, len(results), breaks, len(results))
	return b.String()
}
