package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/runner"
)

// watchInterval is how often validate --watch looks at the watched files.
// Polling size and modification time works the same on every system and
// filesystem (network and container mounts included), at a cost too small to
// notice for the handful of files a supplier edits.
const watchInterval = 300 * time.Millisecond

// watchFormats are the formats whose re-runs read well one after another on
// a terminal; the others each write one document.
var watchFormats = []string{"text", "markdown", "console"}

// checkWatch refuses the options --watch cannot honour, naming the option.
func checkWatch(paths []string, f validateFlags) error {
	if !slices.Contains(watchFormats, f.format) {
		return usageError("--watch cannot be used with --format %s, which writes one document per run: use %s", f.format, strings.Join(watchFormats, ", "))
	}
	for _, opt := range []struct{ name, value string }{{"--shard", f.shard}, {"--out", f.out}, {"--baseline", f.baseline}} {
		if opt.value != "" {
			return usageError("--watch cannot be used with %s: it re-checks changed files and prints them", opt.name)
		}
	}
	for _, p := range paths {
		if p == "-" || runnerTargetIsURL(p) {
			return usageError("--watch watches files and folders, not %s", p)
		}
	}
	return nil
}

// stamp is what tells that a file changed.
type stamp struct {
	size int64
	mod  time.Time
}

// snapshot stamps the watched files: the paths named and the files a folder
// walk would read under the folders named. A path that cannot be read is
// left out, so it shows as removed.
func snapshot(paths []string) map[string]stamp {
	out := map[string]stamp{}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			out[p] = stamp{info.Size(), info.ModTime()}
			continue
		}
		_ = filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !watched(name) {
				return nil // a folder that vanishes mid-walk is seen on the next look
			}
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
				out[name] = stamp{info.Size(), info.ModTime()}
			}
			return nil
		})
	}
	return out
}

// watched reports whether a file found in a watched folder is input: one a
// folder target reads, not an editor's hidden swap or backup file.
func watched(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
		return false
	}
	return files.IsHL7v2(base) || files.IsTable(base) || files.IsFHIR(base)
}

// changes lists the files new or changed in cur and those gone from it.
func changes(prev, cur map[string]stamp) (changed, removed []string) {
	for p, s := range cur {
		if old, ok := prev[p]; !ok || old != s {
			changed = append(changed, p)
		}
	}
	for p := range prev {
		if _, ok := cur[p]; !ok {
			removed = append(removed, p)
		}
	}
	slices.Sort(changed)
	slices.Sort(removed)
	return changed, removed
}

// watch validates the plan's targets once, then re-checks the files that
// change until ctx ends (Ctrl-C or SIGTERM), which is how a watch is meant to
// end: it returns nil. One environment and one compilation of the suites
// serve every run, so definitions, guides, terminology and checks are loaded
// once.
func (a *app) watch(ctx context.Context, r *runner.Runner, plan *runner.Plan, paths []string, format reports.Format) error {
	v := plan.Vendors[0]
	prep, err := r.Prepare(plan, v, r.Env(ctx, plan))
	if err != nil {
		return usageError("%v", err)
	}
	seen := snapshot(paths)
	if err := a.watchRun(ctx, r, plan, v, prep, format); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "carecert: watching %d file(s) under %s for changes (Ctrl-C to stop)\n", len(seen), strings.Join(paths, ", "))
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		cur := snapshot(paths)
		changed, removed := changes(seen, cur)
		seen = cur
		if len(changed)+len(removed) == 0 {
			continue
		}
		fmt.Fprintf(a.stdout, "\n=== %s re-checking %s ===\n", time.Now().Format("15:04:05"), strings.Join(append(slices.Clone(changed), removed...), ", "))
		for _, p := range removed {
			fmt.Fprintf(a.stdout, "%s: error: the file is gone (removed or renamed) [WATCH]\n", p)
		}
		if len(changed) == 0 {
			continue
		}
		one := v
		one.Targets = nil
		for _, p := range changed {
			t, _ := validateTarget(p)
			one.Targets = append(one.Targets, t)
		}
		if err := a.watchRun(ctx, r, plan, one, prep, format); err != nil {
			return err
		}
	}
}

// watchRun validates one vendor's targets and prints the report. A target
// that cannot be read (deleted between the look and the run) is a finding of
// this run, not the end of the watch.
func (a *app) watchRun(ctx context.Context, r *runner.Runner, plan *runner.Plan, v runner.VendorPlan, prep *runner.Prepared, format reports.Format) error {
	rep, err := r.RunPrepared(ctx, plan, v, prep)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return usageError("%v", err)
	}
	for _, t := range rep.Targets {
		if t.Error != "" {
			fmt.Fprintf(a.stdout, "error: %s [WATCH]\n", t.Error)
		}
	}
	return a.printReport(format, rep)
}
