package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/markdown"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/reports/sarif"
	"github.com/carecert/carecert/reports/testreport"
	"github.com/carecert/carecert/runner"
)

type reportFlags struct {
	policy, format, out string
	fullEvidence        bool
}

// reportFormats are the renderings `carecert report --format` prints.
var reportFormats = []string{"console", "json", "html", "markdown", "sarif", "testreport", "junit"}

func (a *app) reportCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report REPORT.json|DIR...",
		Short: "Re-grade stored reports under a policy and render them (console, HTML, Markdown, SARIF, TestReport)",
		Long: `Read reports that carecert run wrote, optionally decide their verdict again
under another policy (nothing is re-run: policies read the stored outcomes,
counts, numerators and denominators), and print or write them.

  carecert report --policy procurement.yaml out/acme/report.json
  carecert report --format markdown out/acme/report.json >> "$GITHUB_STEP_SUMMARY"
  carecert report --policy strict.yaml --out regraded/ out/*/report.json

--policy takes a policy file: a bare policy section or any YAML file with a
top-level policy key, such as a plan. --out writes every format, one folder per
vendor, as carecert run does. Exit 0 when every vendor is certified (or
conditionally certified), 1 when one is not, 2 when a report or the policy
cannot be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.report(args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.policy, "policy", "", "policy file to re-grade under (default: keep each report's verdict)")
	fl.StringVar(&f.format, "format", "console", "what to print: "+strings.Join(reportFormats, ", "))
	fl.StringVar(&f.out, "out", "", "write every format into this folder, one subfolder per vendor")
	fl.BoolVar(&f.fullEvidence, "full-evidence", false, "keep identifying evidence in HTML (only if the report holds it)")
	return cmd
}

func (a *app) report(paths []string, f reportFlags) error {
	known := false
	for _, k := range reportFormats {
		known = known || k == f.format
	}
	if !known {
		return usageError("--format %q: want one of %s", f.format, strings.Join(reportFormats, ", "))
	}
	var pol policy.Policy
	if f.policy != "" {
		var err error
		if pol, err = policy.Load(f.policy); err != nil {
			return usageError("%v", err)
		}
	}
	var reps []*model.Report
	for _, p := range paths {
		rep, err := readReport(p)
		if err != nil {
			return usageError("%v", err)
		}
		if pol != nil {
			policy.Regrade(rep, pol)
		}
		reps = append(reps, rep)
	}
	for _, rep := range reps {
		if f.out != "" {
			dir := filepath.Join(f.out, runner.VendorPlan{Name: rep.Vendor.Name}.Slug())
			if err := writeAll(dir, rep); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %s (reports in %s)\n", rep.Vendor.Name, rep.Verdict.Decision, dir)
			continue
		}
		if err := a.printReport(rep, f); err != nil {
			return err
		}
	}
	for _, rep := range reps {
		if rep.Verdict.Decision == model.NotCertified {
			return &exitError{code: exitFailed}
		}
	}
	return nil
}

func (a *app) printReport(rep *model.Report, f reportFlags) error {
	var data []byte
	var err error
	switch f.format {
	case "console":
		return reports.Console(a.stdout, rep)
	case "markdown":
		return markdown.Summary(a.stdout, rep)
	case "json":
		data, err = reports.MarshalJSON(rep)
	case "html":
		data, err = html.Render(rep, html.Options{FullEvidence: f.fullEvidence && rep.Evidence == "full"})
	case "sarif":
		data, err = sarif.Marshal(rep)
	case "testreport":
		data, err = testreport.Marshal(rep)
	case "junit":
		data, err = reports.JUnit(rep)
	}
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(data)
	return err
}

// Report files a vendor's folder holds, besides the manifest.
const (
	fileJSON       = "report.json"
	fileJUnit      = "junit.xml"
	fileHTML       = "report.html"
	fileMarkdown   = "report.md"
	fileSARIF      = "report.sarif"
	fileTestReport = "testreport.json"
)

// writeAll writes every rendering of a report into dir, as carecert run does.
func writeAll(dir string, rep *model.Report) error {
	data, err := reports.MarshalJSON(rep)
	if err != nil {
		return err
	}
	if err := reports.WriteFileAtomic(filepath.Join(dir, fileJSON), data); err != nil {
		return err
	}
	junit, err := reports.JUnit(rep)
	if err != nil {
		return err
	}
	if err := reports.WriteFileAtomic(filepath.Join(dir, fileJUnit), junit); err != nil {
		return err
	}
	if err := writeRenderings(dir, rep); err != nil {
		return err
	}
	return writeManifest(dir, rep, "")
}

// writeRenderings writes the renderings beside report.json and junit.xml.
func writeRenderings(dir string, rep *model.Report) error {
	page, err := html.Render(rep, html.Options{FullEvidence: rep.Evidence == "full"})
	if err != nil {
		return err
	}
	var md strings.Builder
	if err := markdown.Summary(&md, rep); err != nil {
		return err
	}
	sar, err := sarif.Marshal(rep)
	if err != nil {
		return err
	}
	tr, err := testreport.Marshal(rep)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{fileHTML: page, fileMarkdown: []byte(md.String()), fileSARIF: sar, fileTestReport: tr} {
		if err := reports.WriteFileAtomic(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// readReport reads a stored report named by its report.json or by the vendor
// folder that holds it.
func readReport(arg string) (*model.Report, error) {
	if info, err := os.Stat(arg); err == nil && info.IsDir() {
		arg = filepath.Join(arg, fileJSON)
	}
	return reports.ReadJSON(arg)
}

// exists reports whether a file exists, for commands that take optional files.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
