package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

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
	for _, p := range paths {
		rep, err := readReport(p)
		if err != nil {
			return usageError("%v", err)
		}
		reps = append(reps, rep)
	}
	return a.writeComparison(compare.Build(reps), f.format, f.out)
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
