package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/carecert/carecert/history"
)

type historyFlags struct {
	location, out, vendor, format string
	limit                         int
}

func (a *app) historyCommand() *cobra.Command {
	var f historyFlags
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Show recorded runs and each vendor's trend",
		Long: `Show the runs carecert run recorded, oldest first, and for each vendor the
trend of its pass rate (share of non-skipped requirement results that passed
or warned).

  carecert history
  carecert history --vendor "Oakfield Health Software" --limit 10
  carecert history --history postgres://user@db.internal/carecert

The history is the --history location (a SQLite file or a postgres:// DSN),
else $CARECERT_HISTORY, else OUT/history.db with OUT from --out (default out),
as carecert run records it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.history(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.location, "history", "", "history: a SQLite file or a postgres:// DSN")
	fl.StringVar(&f.out, "out", "out", "output folder whose history.db to read when --history is not given")
	fl.StringVar(&f.vendor, "vendor", "", "only this vendor's runs")
	fl.IntVar(&f.limit, "limit", 0, "only the latest N runs (default all)")
	fl.StringVar(&f.format, "format", "text", "output: text or json")
	return cmd
}

func (a *app) history(cmd *cobra.Command, f historyFlags) error {
	if f.format != "text" && f.format != "json" {
		return usageError("--format %q: want text or json", f.format)
	}
	if f.limit < 0 {
		return usageError("--limit must not be negative")
	}
	location := historyLocation(f.location, f.out)
	if !history.IsDSN(location) && !exists(location) {
		return usageError("no history at %s: carecert run records one there (or give --history)", location)
	}
	store, err := history.Open(cmd.Context(), location)
	if err != nil {
		return usageError("%v", err)
	}
	defer store.Close()
	runs, err := store.Runs(cmd.Context(), history.Query{Vendor: f.vendor, Limit: f.limit})
	if err != nil {
		return err
	}
	if f.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintf(a.stdout, "no runs recorded in %s\n", store.Where)
		return nil
	}
	t := tablewriter.NewTable(a.stdout, plainHeader)
	t.Header("Run", "Started (UTC)", "Vendor", "Release", "Verdict", "Pass", "Warn", "Fail", "Error", "Skip", "Errors", "Pass rate")
	for _, r := range runs {
		verdict := string(r.Decision)
		if !r.Complete {
			verdict += " (incomplete)"
		}
		if err := t.Append(strconv.FormatInt(r.ID, 10), r.StartedAt.Format("2006-01-02 15:04"), r.Vendor, r.Release, verdict,
			strconv.Itoa(r.Passed), strconv.Itoa(r.Warned), strconv.Itoa(r.Failed), strconv.Itoa(r.Errored), strconv.Itoa(r.Skipped),
			strconv.FormatInt(r.Errors, 10), fmt.Sprintf("%.1f%%", 100*r.PassRate())); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "Trends (pass rate per run, oldest first):")
	for _, tr := range history.Trends(runs) {
		fmt.Fprintf(a.stdout, "  %-32s %s  %.1f%%  %s  (%d run(s); latest %s: %s)\n", tr.Vendor, history.Sparkline(tr.Rates),
			100*tr.Rates[len(tr.Rates)-1], tr.Change(), len(tr.Rates), tr.Last.Release, tr.Last.Decision)
	}
	return nil
}

// plainHeader keeps header cells as written: vendor names and releases
// ("11.0.4") must not be re-cased or re-spaced.
var plainHeader = tablewriter.WithConfig(tablewriter.NewConfigBuilder().WithHeaderAutoFormat(tw.Off).Build())
