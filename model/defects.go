package model

import (
	"slices"
	"strings"
)

// Defects counts problems once however many requirements report them. Checks
// overlap by design (the JSON schema, the profile and a data-quality rule may
// all reject one bad birth date), so findings count noise as well as problems:
// vendors are compared on defects. Findings about the same element (path) of
// the same record from different requirements are one defect, at the highest
// of their severities; findings without a record or path are a defect each.
type Defects struct {
	// Records is how many records were looked at; Failing how many of them had
	// at least one error, so Records-Failing are clean of errors. Feed-level
	// problems (duplicates, dangling references, drift) are counted as defects
	// but are not tied to a record here.
	Records     int64 `json:"records"`
	Failing     int64 `json:"failing"`
	Errors      int64 `json:"errors"`
	Warnings    int64 `json:"warnings"`
	Information int64 `json:"information"`
}

// Total is the number of defects of any severity.
func (d Defects) Total() int64 { return d.Errors + d.Warnings + d.Information }

// Clean is the share of records without an error, or 1 when none were read.
func (d Defects) Clean() float64 {
	if d.Records == 0 {
		return 1
	}
	return float64(d.Records-d.Failing) / float64(d.Records)
}

// Merge adds o into d.
func (d *Defects) Merge(o Defects) {
	d.Records += o.Records
	d.Failing += o.Failing
	d.Errors += o.Errors
	d.Warnings += o.Warnings
	d.Information += o.Information
}

// Count adds one defect of severity s.
func (d *Defects) Count(s Severity) {
	switch s {
	case Error:
		d.Errors++
	case Warning:
		d.Warnings++
	default:
		d.Information++
	}
}

// Record counts one record looked at with the defects found in it.
func (d *Defects) Record(severities []Severity) {
	d.Records++
	if slices.Contains(severities, Error) {
		d.Failing++
	}
	for _, s := range severities {
		d.Count(s)
	}
}

// Reported is what one requirement found in one record.
type Reported struct {
	Suite string
	// Requirement is "suite/REQ".
	Requirement string
	Findings    []Finding
}

// GroupDefects sets AlsoReportedBy on findings of one record that other
// requirements report at the same path, and returns the severities of the
// record's defects among the requirements include accepts (nil: all). Two
// findings of one requirement at one path stay two defects: a check that says
// two things about an element means two problems.
func GroupDefects(rs []Reported, include func(Reported) bool) []Severity {
	if len(rs) == 0 {
		return nil
	}
	byPath := map[string][][]Severity{} // path -> per requirement, its findings' severities
	var out []Severity
	for _, r := range rs {
		if include != nil && !include(r) {
			continue
		}
		perPath := map[string][]Severity{}
		for _, f := range r.Findings {
			if f.Path == "" || f.Record == "" {
				out = append(out, f.Severity)
				continue
			}
			perPath[f.Path] = append(perPath[f.Path], f.Severity)
		}
		for p, sevs := range perPath {
			slices.SortFunc(sevs, func(a, b Severity) int { return int(b) - int(a) })
			byPath[p] = append(byPath[p], sevs)
		}
	}
	for _, reqs := range byPath {
		// Slot k is the k-th most severe finding of each requirement at the path.
		for k := 0; ; k++ {
			found, worst := false, Information
			for _, sevs := range reqs {
				if k < len(sevs) {
					found = true
					worst = max(worst, sevs[k])
				}
			}
			if !found {
				break
			}
			out = append(out, worst)
		}
	}
	return out
}

// MarkAlsoReported sets each finding's AlsoReportedBy to the other
// requirements that report the same record at the same path.
func MarkAlsoReported(rs []Reported) {
	if len(rs) < 2 {
		return
	}
	byPath := map[string][]string{}
	for _, r := range rs {
		for _, f := range r.Findings {
			if f.Path == "" || f.Record == "" {
				continue
			}
			if reqs := byPath[f.Path]; !slices.Contains(reqs, r.Requirement) {
				byPath[f.Path] = append(reqs, r.Requirement)
			}
		}
	}
	for _, r := range rs {
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Path == "" || f.Record == "" {
				continue
			}
			for _, other := range byPath[f.Path] {
				if other != r.Requirement {
					f.AlsoReportedBy = append(f.AlsoReportedBy, other)
				}
			}
		}
	}
}

// AlsoReported is the sentence reports print after a finding that other
// requirements report too; empty when none does.
func (f Finding) AlsoReported() string {
	if len(f.AlsoReportedBy) == 0 {
		return ""
	}
	return "also reported by " + strings.Join(f.AlsoReportedBy, ", ")
}
