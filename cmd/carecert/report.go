package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/runner"
)

type reportFlags struct {
	policy, format, out string
	fullEvidence        bool
}

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
vendor, as carecert run does, with a new manifest that is not signed.

A page printed from a report whose folder has a signed manifest (report.html
with --format html) says it is signed and with which key, as run's does; one
re-graded under --policy says not signed, since its verdict is no longer the
one signed. A report changed after its manifest was signed, or a signature
that does not match its manifest, is refused (exit 2). Exit 0 when every vendor is certified (or
conditionally certified), 1 when one is not, 2 when a report or the policy
cannot be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.report(args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.policy, "policy", "", "policy file to re-grade under (default: keep each report's verdict)")
	fl.StringVar(&f.format, "format", "console", "what to print: "+strings.Join(formats.Names(), ", "))
	fl.StringVar(&f.out, "out", "", "write every format into this folder, one subfolder per vendor")
	fl.BoolVar(&f.fullEvidence, "full-evidence", false, "keep identifying evidence in HTML (only if the report holds it)")
	return cmd
}

func (a *app) report(paths []string, f reportFlags) error {
	format, err := formats.Lookup(f.format)
	if err != nil {
		return usageError("--%v", err)
	}
	var pol policy.Policy
	if f.policy != "" {
		if pol, err = policy.Load(f.policy); err != nil {
			return usageError("%v", err)
		}
	}
	var reps []*model.Report
	var signedBy []string
	for _, p := range paths {
		// The signature is checked even when re-grading: a folder changed
		// after signing is refused, as compare refuses it.
		rep, keyID, err := readSignedReport(p)
		if err != nil {
			return usageError("%v", err)
		}
		if pol != nil {
			// The verdict is now the policy's, not the one the supplier signed.
			policy.Regrade(rep, pol)
			keyID = ""
		}
		reps = append(reps, rep)
		signedBy = append(signedBy, keyID)
	}
	for i, rep := range reps {
		if f.out != "" {
			dir := filepath.Join(f.out, runner.VendorPlan{Name: rep.Vendor.Name}.Slug())
			if err := writeAll(dir, rep); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %s (reports in %s)\n", rep.Vendor.Name, rep.Verdict.Decision, dir)
			continue
		}
		opt := reports.RenderOptions{FullEvidence: f.fullEvidence && rep.Evidence == "full", Width: terminalWidth(a.stdout), SignedBy: signedBy[i]}
		if err := format.Render(a.stdout, rep, opt); err != nil {
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

// writeAll writes every format of a report into dir, and the manifest that
// hashes them, as carecert run does.
func writeAll(dir string, rep *model.Report) error {
	if err := formats.WriteAll(dir, rep, reports.RenderOptions{FullEvidence: rep.Evidence == "full"}); err != nil {
		return err
	}
	return writeManifest(dir, rep, "")
}

// readReport reads a stored report named by its report.json or by the vendor
// folder that holds it.
func readReport(arg string) (*model.Report, error) {
	return reports.ReadJSON(reportFile(arg))
}

// readSignedReport reads a stored report, as readReport does, and the id of
// the key that signed the manifest beside it (see reportSignature). The file
// is read once, so that the report shown is the one whose hash was checked.
func readSignedReport(arg string) (*model.Report, string, error) {
	file := reportFile(arg)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("report %w", err)
	}
	rep, err := reports.DecodeJSON(file, data)
	if err != nil {
		return nil, "", err
	}
	keyID, err := reportSignature(file, data)
	if err != nil {
		return nil, "", err
	}
	return rep, keyID, nil
}

// reportFile is the report.json a report argument names: the file itself, or
// the one in the vendor folder named.
func reportFile(arg string) string {
	if info, err := os.Stat(arg); err == nil && info.IsDir() {
		return filepath.Join(arg, model.ReportFile)
	}
	return arg
}

// exists reports whether a file exists, for commands that take optional files.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
