package main

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/compare"
)

type compareFlags struct {
	format, out string
}

func (a *app) compareCommand() *cobra.Command {
	var f compareFlags
	cmd := &cobra.Command{
		Use:   "compare REPORT.json|DIR REPORT.json|DIR...",
		Short: "Put vendors side by side: a matrix of vendors by requirement and by suite",
		Long: `Compare the reports of several vendors (or several releases of one) certified
against the same suites: verdicts, pass rate per suite and the outcome of every
requirement, in the console, as CSV or as a self-contained HTML page.

  carecert compare out/*/report.json
  carecert compare --format html --out comparison.html out/*/report.json

Exit 2 when a report cannot be read.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.compare(args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "console", "output: console, csv or html")
	fl.StringVar(&f.out, "out", "", "write to this file instead of standard output")
	return cmd
}

func (a *app) compare(paths []string, f compareFlags) error {
	if f.format != "console" && f.format != "csv" && f.format != "html" {
		return usageError("--format %q: want console, csv or html", f.format)
	}
	var reps []*model.Report
	var signedBy []string
	for _, p := range paths {
		rep, keyID, err := readSignedReport(p)
		if err != nil {
			return usageError("%v", err)
		}
		reps = append(reps, rep)
		signedBy = append(signedBy, keyID)
	}
	m := compare.Build(reps)
	for i, p := range paths {
		m.Columns[i].SignedBy = signedBy[i]
		m.Columns[i].Link = reportLink(filepath.Dir(reportFile(p)), f.out)
	}
	return a.writeComparison(m, f.format, f.out)
}

// reportSignature is the id of the key that signed the manifest beside a
// stored report file, whose bytes are data, empty when that manifest is
// not signed or does not list the report. A signature that does not match its
// manifest, or a report whose bytes are not the ones the signed manifest
// hashes, is an error: the folder was changed after signing, and a page must
// not call it signed. The key is the one the signature file names; carecert
// verify --pub checks it is the supplier's.
func reportSignature(file string, data []byte) (string, error) {
	path := filepath.Join(filepath.Dir(file), manifest.FileName)
	if !exists(path) {
		return "", nil
	}
	m, signed, err := manifest.Read(path)
	if err != nil {
		return "", err
	}
	sig, err := manifest.VerifySignature(path, signed, nil)
	if errors.Is(err, manifest.ErrUnsigned) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	for _, listed := range m.Files {
		if listed.Path != filepath.Base(file) {
			continue
		}
		if sum := manifest.HashBytes(data); sum != listed.SHA256 {
			return "", fmt.Errorf("%s: changed after %s was signed: SHA-256 is %s, the signed manifest says %s", file, path, sum, listed.SHA256)
		}
		return sig.KeyID, nil
	}
	return "", nil
}

// reportLink is dir's report.html relative to the comparison page out, empty
// when there is no such page or no page is written to a file.
func reportLink(dir, out string) string {
	page := filepath.Join(dir, "report.html")
	if out == "" || !exists(page) {
		return ""
	}
	from, err := filepath.Abs(filepath.Dir(out))
	if err != nil {
		return ""
	}
	to, err := filepath.Abs(page)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(from, to)
	if err != nil {
		return ""
	}
	return filepath.ToSlash(rel)
}

func (a *app) writeComparison(m *compare.Matrix, format, out string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "csv":
		err = m.CSV(&buf)
	case "html":
		err = m.HTML(&buf)
	default:
		err = m.Console(&buf)
	}
	if err != nil {
		return fmt.Errorf("comparison: %w", err)
	}
	if out == "" {
		_, err = a.stdout.Write(buf.Bytes())
		return err
	}
	return reports.WriteFileAtomic(out, buf.Bytes())
}
