// Package markdown writes a vendor's certification summary in GitHub-flavoured
// Markdown, short enough for a pull-request comment: the verdict with its
// reasons, the requirements that did not pass, measures and the first findings
// with their file and line.
package markdown

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/reports"
)

// Limits keep a comment well under the 65,536 characters GitHub accepts.
const (
	maxRows     = 50
	maxFindings = 20
	maxMeasures = 40
)

// Mark is the symbol a verdict is shown with.
func Mark(d model.Decision) string {
	switch d {
	case model.Certified:
		return "✅"
	case model.ConditionallyCertified:
		return "⚠️"
	}
	return "❌"
}

// Escape makes supplier text inert wherever the summary places it: a table
// cell, a list item or a heading. Values come from files the vendor wrote, so
// they must not add links, emphasis, HTML, table columns or block structure
// (headings, quotes, nested lists) to a comment reviewers trust.
func Escape(s string) string {
	s = strings.TrimLeft(strings.NewReplacer("\r", " ", "\n", " ", "\t", " ").Replace(s), " ")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '`':
			b.WriteByte('\'')
		case strings.ContainsRune(`\|*_[]~@`, r),
			i == 0 && strings.ContainsRune("#+-=", r),
			// Bare addresses become links in GitHub's Markdown.
			r == ':' && strings.HasPrefix(s[i:], "://"),
			r == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www"),
			// "1." or "2)" opening a list item would start a nested list.
			(r == '.' || r == ')') && i > 0 && strings.Trim(s[:i], "0123456789") == "":
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func outcomeRank(o model.Outcome) int {
	switch o {
	case model.Errored:
		return 0
	case model.Fail:
		return 1
	case model.Warn:
		return 2
	case model.Skip:
		return 3
	}
	return 4
}

// Summary writes rep as Markdown. Identifying evidence is never quoted.
func Summary(w io.Writer, rep *model.Report) error {
	var b strings.Builder
	title := rep.Vendor.Name
	if rep.Vendor.Product != "" {
		title += " — " + rep.Vendor.Product
	}
	if rep.Vendor.Release != "" {
		title += " " + rep.Vendor.Release
	}
	v := rep.Verdict
	fmt.Fprintf(&b, "### %s %s: **%s**\n\n", Mark(v.Decision), Escape(title), v.Decision)
	s := rep.Summary
	fmt.Fprintf(&b, "Plan *%s* · as of %s · %d record(s) · %d result(s): %d pass, %d warn, %d fail, %d error, %d skip · findings: %d error(s), %d warning(s)\n\n",
		Escape(rep.Plan), rep.AsOf, s.Records, s.Results, s.Outcomes[model.Pass], s.Outcomes[model.Warn], s.Outcomes[model.Fail], s.Outcomes[model.Errored], s.Outcomes[model.Skip],
		s.Findings[model.Error], s.Findings[model.Warning])
	if d := s.Defects; d != nil {
		fmt.Fprintf(&b, "Distinct problems: %d (%d error(s), %d warning(s)): a problem several requirements report counts once.\n\n", d.Total(), d.Errors, d.Warnings)
	}
	if !rep.Complete {
		b.WriteString("> **Incomplete:** the run was interrupted; results cover only part of the feed.\n\n")
	}
	if len(v.Conditions) > 0 {
		b.WriteString("**Conditions**\n\n")
		for _, c := range v.Conditions {
			fmt.Fprintf(&b, "- %s\n", Escape(c))
		}
		b.WriteString("\n")
	}
	b.WriteString("**Reasons**\n\n")
	for i, r := range v.Reasons {
		if i == maxRows {
			fmt.Fprintf(&b, "- … and %d more\n", len(v.Reasons)-i)
			break
		}
		fmt.Fprintf(&b, "- %s\n", Escape(r))
	}
	fmt.Fprintf(&b, "\n<sub>Policy: %s</sub>\n\n", Escape(v.Policy))

	type row struct {
		target string
		res    *model.Result
	}
	var rows []row
	var measures, findings int
	for ti := range rep.Targets {
		t := &rep.Targets[ti]
		for ri := range t.Results {
			rows = append(rows, row{t.Name, &t.Results[ri]})
			measures += len(t.Results[ri].Measures)
			findings += len(t.Results[ri].Findings)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return outcomeRank(rows[i].res.Outcome) < outcomeRank(rows[j].res.Outcome) })
	b.WriteString("| Outcome | Requirement | Level | Target | Records | Errors | Warnings | Detail |\n|---|---|---|---|---:|---:|---:|---|\n")
	for i, r := range rows {
		if i == maxRows {
			fmt.Fprintf(&b, "\n… and %d more result(s) in report.json\n", len(rows)-i)
			break
		}
		outcome := string(r.res.Outcome)
		if until, ok := v.WaivedUntil(r.res.Suite, r.res.Requirement); ok {
			outcome += " (waived until " + until + ")"
		}
		fmt.Fprintf(&b, "| %s | `%s/%s`%s | %s | %s | %d | %d | %d | %s |\n", outcome, r.res.Suite, r.res.Requirement, sourceLink(r.res.Source), r.res.Level,
			Escape(r.target), r.res.Evaluated, r.res.Errors, r.res.Warnings, Escape(r.res.Message))
	}
	if attested := rep.Attested(); len(attested) > 0 {
		b.WriteString("\n**Attested requirements**\n\n| Outcome | Requirement | Level | Attested by | When | Evidence | Evidence SHA-256 | Note |\n|---|---|---|---|---|---|---|---|\n")
		for _, a := range attested {
			fmt.Fprintf(&b, "| %s | `%s/%s` | %s | %s | %s | %s | `%s` | %s |\n", a.Outcome, a.Suite, a.Requirement, a.Level,
				Escape(a.By), a.At.UTC().Format("2006-01-02 15:04 UTC"), Escape(a.Evidence), a.EvidenceSHA256, Escape(a.Note))
		}
	}
	if measures > 0 {
		fmt.Fprintf(&b, "\n<details><summary>Measures (%d)</summary>\n\n| Requirement | Target | Measure | Numerator | Denominator | Value |\n|---|---|---|---:|---:|---:|\n", measures)
		n := 0
		for _, r := range rows {
			for _, m := range r.res.Measures {
				if n == maxMeasures {
					break
				}
				n++
				fmt.Fprintf(&b, "| `%s/%s` | %s | `%s` | %d | %d | %s |\n", r.res.Suite, r.res.Requirement, Escape(r.target), Escape(m.Name), m.Numerator, m.Denominator, reports.MeasureValue(m))
			}
		}
		if measures > maxMeasures {
			fmt.Fprintf(&b, "\n… and %d more measure(s)\n", measures-maxMeasures)
		}
		b.WriteString("\n</details>\n")
	}
	if findings > 0 {
		fmt.Fprintf(&b, "\n<details><summary>First findings (%d kept in report.json)</summary>\n\n| Severity | Location | Requirement | Record | Path | Message |\n|---|---|---|---|---|---|\n", findings)
		n := 0
		for _, r := range rows {
			for _, f := range r.res.Findings {
				if n == maxFindings {
					break
				}
				n++
				loc := f.File
				if f.Line > 0 {
					loc = fmt.Sprintf("%s:%d", f.File, f.Line)
				}
				f = reports.Redact(f, false)
				msg := f.Message
				if f.Evidence != "" && f.Evidence != personal.Redacted {
					msg += " (found " + f.Evidence + ")"
				}
				fmt.Fprintf(&b, "| %s | %s | `%s/%s` | %s | %s | %s |\n", f.Severity, Code(loc), r.res.Suite, r.res.Requirement, Escape(f.Record), Code(f.Path), Escape(msg))
			}
		}
		b.WriteString("\n</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sourceLink is a requirement's normative source as a link after its id,
// named by its section; empty when the suite names no source. The URL's
// characters that would end the link or the table cell are percent-encoded.
func sourceLink(src *model.RuleSource) string {
	if src == nil {
		return ""
	}
	text := src.Section
	if text == "" {
		text = "source"
	}
	dest := strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "\\", "%5C").Replace(src.URL)
	return fmt.Sprintf(" ([%s](%s))", Escape(text), dest)
}

// Code formats text as inline code, or nothing when there is no text.
func Code(s string) string {
	if s == "" {
		return ""
	}
	// Nothing is interpreted inside a code span but its closing backtick and,
	// in a table, the column separator.
	return "`" + strings.NewReplacer("|", `\|`, "`", "'", "\r", " ", "\n", " ").Replace(s) + "`"
}
