// Package formats is the one list of report formats. carecert run writes every
// format that has a file, the manifest hashes exactly those files, carecert
// report and carecert validate print any of them, and carecert formats lists
// them; none of these names a format itself.
package formats

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/markdown"
	"github.com/carecert/carecert/reports/operationoutcome"
	"github.com/carecert/carecert/reports/sarif"
	"github.com/carecert/carecert/reports/testreport"
)

// format is a Format made of its parts.
type format struct {
	name, file, doc string
	render          func(w io.Writer, rep *model.Report, opt reports.RenderOptions) error
}

func (f format) Name() string { return f.name }
func (f format) File() string { return f.file }
func (f format) Doc() string  { return f.doc }
func (f format) Render(w io.Writer, rep *model.Report, opt reports.RenderOptions) error {
	return f.render(w, rep, opt)
}

// bytesOf adapts a renderer that returns the whole rendering.
func bytesOf(marshal func(*model.Report) ([]byte, error)) func(io.Writer, *model.Report, reports.RenderOptions) error {
	return func(w io.Writer, rep *model.Report, _ reports.RenderOptions) error {
		data, err := marshal(rep)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
}

// All returns the formats, the report itself first. The list is built per
// call, so no caller can change another's.
func All() []reports.Format {
	return []reports.Format{
		format{"json", model.ReportFile, "the versioned JSON report every other format and command reads back",
			bytesOf(func(rep *model.Report) ([]byte, error) { return reports.MarshalJSON(rep) })},
		format{"junit", "junit.xml", "JUnit XML for CI: a test case per requirement and target", bytesOf(reports.JUnit)},
		format{"html", "report.html", "the certification report for people, printable",
			func(w io.Writer, rep *model.Report, opt reports.RenderOptions) error {
				return html.Write(w, rep, html.Options{FullEvidence: opt.FullEvidence, SignedBy: opt.SignedBy})
			}},
		format{"markdown", "report.md", "a summary for pull requests and CI job pages",
			func(w io.Writer, rep *model.Report, _ reports.RenderOptions) error { return markdown.Summary(w, rep) }},
		format{"sarif", "report.sarif", "SARIF 2.1.0 for code-scanning tools", bytesOf(sarif.Marshal)},
		format{"testreport", "testreport.json", "a FHIR R4 TestReport resource", bytesOf(testreport.Marshal)},
		format{"operationoutcome", "", "the findings as a FHIR R4 OperationOutcome, as FHIR validators answer",
			func(w io.Writer, rep *model.Report, opt reports.RenderOptions) error {
				data, err := operationoutcome.Marshal(rep, opt.FullEvidence)
				if err != nil {
					return err
				}
				_, err = w.Write(data)
				return err
			}},
		format{"console", "", "the summary table carecert run prints",
			func(w io.Writer, rep *model.Report, opt reports.RenderOptions) error {
				return reports.ConsoleWidth(w, rep, opt.Width)
			}},
		format{"text", "", "one finding per line, like a compiler (carecert validate's default)",
			func(w io.Writer, rep *model.Report, _ reports.RenderOptions) error {
				return reports.FindingLines(w, rep)
			}},
	}
}

// Names lists the formats' names, for flag help and errors.
func Names() []string {
	var out []string
	for _, f := range All() {
		out = append(out, f.Name())
	}
	return out
}

// Lookup returns the format with the given name.
func Lookup(name string) (reports.Format, error) {
	all := All()
	i := slices.IndexFunc(all, func(f reports.Format) bool { return f.Name() == name })
	if i < 0 {
		return nil, fmt.Errorf("format %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	return all[i], nil
}

// Files lists the files a vendor's folder holds, in the order of All.
func Files() []string {
	var out []string
	for _, f := range All() {
		if f.File() != "" {
			out = append(out, f.File())
		}
	}
	return out
}

// WriteAll writes every format that has a file into dir, readable by its owner
// only when rep keeps full evidence (see reports.FilePerm).
func WriteAll(dir string, rep *model.Report, opt reports.RenderOptions) error {
	for _, f := range All() {
		if f.File() == "" {
			continue
		}
		var b bytes.Buffer
		if err := f.Render(&b, rep, opt); err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		if err := reports.WriteFileAtomicPerm(filepath.Join(dir, f.File()), b.Bytes(), reports.FilePerm(rep)); err != nil {
			return err
		}
	}
	return nil
}
