package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/reports/diff"
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
	fl.StringVar(&f.vendor, "vendor", "", "only this vendor's runs (the name in any case)")
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
		if f.vendor == "" {
			fmt.Fprintf(a.stdout, "no runs recorded in %s\n", store.Where)
			return nil
		}
		// Say who is recorded: the name given is most often a part or a
		// misspelling of one of them.
		names, err := store.Vendors(cmd.Context())
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintf(a.stdout, "no runs recorded in %s\n", store.Where)
			return nil
		}
		fmt.Fprintf(a.stdout, "no runs of vendor %q in %s; vendors recorded: %s\n", f.vendor, store.Where, strings.Join(names, ", "))
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
	trends := history.Trends(runs)
	for _, tr := range trends {
		fmt.Fprintf(a.stdout, "  %-32s %s  %.1f%%  %s  (%d run(s); latest %s: %s)\n", tr.Vendor, history.Sparkline(tr.Rates),
			100*tr.Rates[len(tr.Rates)-1], tr.Change(), len(tr.Rates), tr.Last.Release, tr.Last.Decision)
	}
	if f.vendor == "" {
		return nil
	}
	// For one vendor, say what changed between its last two runs.
	var mine []history.Run
	for _, r := range runs {
		if strings.EqualFold(r.Vendor, f.vendor) {
			mine = append(mine, r)
		}
	}
	if len(mine) < 2 {
		return nil
	}
	prev, err := store.Report(cmd.Context(), mine[len(mine)-2])
	if err != nil {
		return err
	}
	last, err := store.Report(cmd.Context(), mine[len(mine)-1])
	if err != nil {
		return err
	}
	d := diff.Compare(prev, last)
	fmt.Fprintf(a.stdout, "Since run %d: %s\n", mine[len(mine)-2].ID, d.Headline())
	for _, e := range d.Entries {
		if e.Status != diff.StillPass && e.Status != diff.StillFails {
			fmt.Fprintf(a.stdout, "  %-13s %s (%s → %s)\n", e.Status, e.Requirement, orDash(string(e.Baseline)), orDash(string(e.Current)))
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// plainHeader keeps header cells as written: vendor names and releases
// ("11.0.4") must not be re-cased or re-spaced.
var plainHeader = tablewriter.WithConfig(tablewriter.NewConfigBuilder().WithHeaderAutoFormat(tw.Off).Build())
