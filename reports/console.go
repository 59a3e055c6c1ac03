package reports

import (
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter"

	"github.com/carecert/carecert/model"
)

// Console prints a vendor's summary: one row per requirement and target, then
// the verdict with its reasons.
func Console(w io.Writer, rep *model.Report) error {
	title := rep.Vendor.Name
	if rep.Vendor.Product != "" {
		title += " — " + rep.Vendor.Product
	}
	if rep.Vendor.Release != "" {
		title += " " + rep.Vendor.Release
	}
	fmt.Fprintf(w, "\n%s\n", title)
	t := tablewriter.NewTable(w)
	t.Header("Target", "Requirement", "Level", "Outcome", "Records", "Errors", "Warnings", "Detail")
	for _, tr := range rep.Targets {
		for _, res := range tr.Results {
			if err := t.Append(
				tr.Name,
				res.Suite+" "+res.Requirement,
				string(res.Level),
				string(res.Outcome),
				strconv.FormatInt(res.Evaluated, 10),
				strconv.FormatInt(res.Errors, 10),
				strconv.FormatInt(res.Warnings, 10),
				clip(res.Message, 60),
			); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(w, "Verdict: %s\n", rep.Verdict.Decision)
	for _, c := range rep.Verdict.Conditions {
		fmt.Fprintf(w, "  condition: %s\n", c)
	}
	for i, r := range rep.Verdict.Reasons {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", len(rep.Verdict.Reasons)-i)
			break
		}
		fmt.Fprintf(w, "  - %s\n", r)
	}
	if !rep.Complete {
		fmt.Fprintln(w, "  (incomplete: the run was interrupted)")
	}
	if d := rep.Summary.Defects; d != nil {
		// Requirements overlap; the problems a supplier has to fix are fewer.
		fmt.Fprintf(w, "Distinct problems: %d (%d errors, %d warnings), in %d findings\n", d.Total(), d.Errors, d.Warnings,
			rep.Summary.Findings[model.Error]+rep.Summary.Findings[model.Warning]+rep.Summary.Findings[model.Information])
	}
	return nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
