package reports

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"

	"github.com/carecert/carecert/model"
)

// Console prints a vendor's summary at any width: one row per requirement
// and target, then the verdict with its reasons.
func Console(w io.Writer, rep *model.Report) error { return ConsoleWidth(w, rep, 0) }

// ConsoleWidth prints the summary for a terminal width columns wide (0:
// unknown, as in a CI log): the table when it fits, else one line per
// requirement, clipped to the width, as compact runners print. A table
// wider than the terminal wraps into unreadable rows.
func ConsoleWidth(w io.Writer, rep *model.Report, width int) error {
	title := rep.Vendor.Name
	if rep.Vendor.Product != "" {
		title += " — " + rep.Vendor.Product
	}
	if rep.Vendor.Release != "" {
		title += " " + rep.Vendor.Release
	}
	fmt.Fprintf(w, "\n%s\n", EscapeControl(title))
	var table bytes.Buffer
	t := tablewriter.NewTable(&table)
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
	if width <= 0 || widest(table.String()) <= width {
		if _, err := w.Write(table.Bytes()); err != nil {
			return err
		}
	} else {
		for _, tr := range rep.Targets {
			for _, res := range tr.Results {
				line := fmt.Sprintf("%-5s %s %s [%s] %s: %d record(s), %d error(s), %d warning(s); %s",
					outcomeWord(res.Outcome), res.Suite, res.Requirement, res.Level, tr.Name, res.Evaluated, res.Errors, res.Warnings, res.Message)
				fmt.Fprintln(w, clip(EscapeControl(line), width))
			}
		}
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

// widest is the display width of the widest line of s, in runes (the
// table draws with one-column box characters).
func widest(s string) int {
	most := 0
	for _, line := range strings.Split(s, "\n") {
		most = max(most, utf8.RuneCountInString(line))
	}
	return most
}

func outcomeWord(o model.Outcome) string { return strings.ToUpper(string(o)) }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
