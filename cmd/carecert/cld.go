package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/fixtures/cld"
	"github.com/carecert/carecert/validators/tables"
)

// cldFixturesCommand generates synthetic Adult Social Care Client Level Data
// returns with seeded defects.
func (a *app) cldFixturesCommand() *cobra.Command {
	var (
		seed     uint64
		rows     int
		defects  string
		out      string
		baseline bool
		list     bool
	)
	cmd := &cobra.Command{
		Use:   "cld",
		Short: "Generate a synthetic social care CLD return (CSV) with seeded defects",
		Long: `Write OUT/cld.csv (the return), OUT/manifest.json (the defects seeded: kind,
row, line, and the requirement and code that must report each) and, with
--baseline, OUT/cld-previous.csv (the previous submission, for continuity
checks). No real person's data: every value is invented.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, d := range cld.Catalogue() {
					b := ""
					if d.Baseline {
						b = " (needs --baseline)"
					}
					fmt.Fprintf(a.stdout, "%-20s %s%s\n", d.Kind, d.Doc, b)
				}
				return nil
			}
			if rows < 1 {
				return usageError("--rows must be at least 1")
			}
			spec, err := cld.ParseDefects(defects, rows, baseline)
			if err != nil {
				return usageError("%v", err)
			}
			m, err := cld.WriteDir(out, cld.Options{Seed: seed, Rows: rows, Defects: spec, Baseline: baseline})
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintf(a.stdout, "wrote %d rows with %d seeded defect(s) to %s\n", m.Rows, len(m.Defects), filepath.Join(out, "cld.csv"))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&seed, "seed", 1, "random seed: the same seed gives the same return")
	fl.IntVar(&rows, "rows", 1000, "number of data rows")
	fl.StringVar(&defects, "defects", "all", "none, all (one row in 500 per kind), kind=N,... or all,kind=N,... (kinds: --list)")
	fl.StringVar(&out, "out", "cld-return", "output folder")
	fl.BoolVar(&baseline, "baseline", false, "also write the previous submission (cld-previous.csv)")
	fl.BoolVar(&list, "list", false, "list the defect kinds and exit")
	return cmd
}

// importFrictionlessCommand converts a Frictionless Table Schema into a suite.
func (a *app) importFrictionlessCommand() *cobra.Command {
	var o tables.ImportOptions
	cmd := &cobra.Command{
		Use:   "import-frictionless SCHEMA.json",
		Short: "Convert a Frictionless Table Schema into a carecert suite (YAML on stdout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			if o.ID == "" {
				o.ID = strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0]))
			}
			out, err := tables.ImportFrictionless(args[0], data, o)
			if err != nil {
				return usageError("%v", err)
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&o.ID, "id", "", "suite id (default: the schema's file name)")
	cmd.Flags().StringVar(&o.Title, "title", "", "suite title")
	cmd.Flags().StringVar(&o.Table, "table", "", "table name the suite applies to (default: any CSV table)")
	return cmd
}
