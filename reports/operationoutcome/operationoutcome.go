// Package operationoutcome writes a run's findings as a FHIR R4
// OperationOutcome, the resource FHIR validators answer with, so that tools
// that read a validator's output read carecert's: one issue per kept finding,
// located by FHIRPath expression (or, for HL7 v2 and CSV, by their own path)
// and by file and line, and one informational issue per requirement carecert could not
// evaluate, which is its own limit and never the supplier's failure.
package operationoutcome

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

// extSource is the R4 core extension naming what raised an issue. (The line
// extension validators also use is not in the R4 core, so the line is given
// in the diagnostics, where a reader finds it without loading more.)
const extSource = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-source"

// OperationOutcome is the FHIR R4 resource, with the elements carecert fills.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one finding, or one requirement not evaluated.
type Issue struct {
	Extension   []Extension `json:"extension,omitempty"`
	Severity    string      `json:"severity"`
	Code        string      `json:"code"`
	Details     *Details    `json:"details,omitempty"`
	Diagnostics string      `json:"diagnostics,omitempty"`
	Location    []string    `json:"location,omitempty"`
	Expression  []string    `json:"expression,omitempty"`
}

// Details holds the issue's message.
type Details struct {
	Text string `json:"text"`
}

// Extension is an issue's source.
type Extension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString"`
}

// Build returns the OperationOutcome of a report. Unless full is set,
// personal evidence is redacted as in any rendering meant to be passed on.
func Build(rep *model.Report, full bool) *OperationOutcome {
	oo := &OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{}}
	for _, t := range rep.Targets {
		for _, res := range t.Results {
			req := res.Suite + "/" + res.Requirement
			if res.Outcome == model.Errored {
				oo.Issue = append(oo.Issue, Issue{Severity: "information", Code: "incomplete",
					Details:     &Details{Text: "requirement " + req + " was not evaluated on " + t.Name + ": " + res.Message},
					Diagnostics: "carecert could not evaluate this requirement; it is not counted against the supplier"})
			}
			for _, f := range res.Findings {
				oo.Issue = append(oo.Issue, issue(reports.Redact(f, full), req))
			}
		}
	}
	if len(oo.Issue) == 0 {
		// FHIR requires an issue: validators say that all is well in one.
		oo.Issue = append(oo.Issue, Issue{Severity: "information", Code: "informational", Details: &Details{Text: "no problems found"}})
	}
	return oo
}

func issue(f model.Finding, req string) Issue {
	is := Issue{Severity: f.Severity.String(), Code: issueType(f.Code), Details: &Details{Text: f.Message}}
	diag := f.Code + " (" + req + ")"
	if f.Record != "" {
		diag += " in " + f.Record
	}
	if f.File != "" {
		diag += " at " + f.File
		if f.Line > 0 {
			diag += ":" + strconv.Itoa(f.Line)
		}
	}
	if f.Evidence != "" {
		diag += "; found " + f.Evidence
	}
	is.Diagnostics = diag
	if f.Path != "" {
		if fhirPath(f) {
			is.Expression = []string{f.Path}
		} else {
			is.Location = []string{f.Path}
		}
	}
	is.Extension = []Extension{{URL: extSource, ValueString: "carecert " + req}}
	return is
}

// fhirPath reports whether a finding's path is a FHIRPath expression into
// its record ("Patient.birthDate" for "Patient/p1"), not a v2 field or a CSV
// column.
func fhirPath(f model.Finding) bool {
	typ, _, ok := strings.Cut(f.Record, "/")
	return ok && strings.HasPrefix(f.Path, typ+".")
}

// issueType is the IssueType a finding's code belongs to, by its family:
// structure, required elements, code validity, invariants, values; anything
// else is processing.
func issueType(code string) string {
	switch {
	case strings.HasPrefix(code, "carecert."):
		return "exception"
	case strings.Contains(code, "required") || strings.Contains(code, "missing") || strings.Contains(code, "cardinality"):
		return "required"
	case strings.Contains(code, "invariant"):
		return "invariant"
	case strings.Contains(code, "binding") || strings.Contains(code, "code") || strings.Contains(code, "display"):
		return "code-invalid"
	case strings.HasPrefix(code, "structure.") || strings.HasPrefix(code, "input."):
		return "structure"
	case strings.HasPrefix(code, "nhs-number.") || strings.Contains(code, "format") || strings.Contains(code, "range"):
		return "value"
	}
	return "processing"
}

// Marshal returns the OperationOutcome as indented JSON.
func Marshal(rep *model.Report, full bool) ([]byte, error) {
	data, err := json.MarshalIndent(Build(rep, full), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("OperationOutcome of %s's report: %w", rep.Vendor.Name, err)
	}
	return append(data, '\n'), nil
}
