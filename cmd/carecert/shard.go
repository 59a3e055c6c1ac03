package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
)

// runShard runs one shard of a plan and writes its part file.
func (a *app) runShard(ctx context.Context, r *runner.Runner, plan *runner.Plan, shard, out string, quiet bool) error {
	sh, err := target.ParseShard(shard, os.Getenv)
	if err != nil {
		return usageError("--shard: %v", err)
	}
	r.Shard = sh
	part, err := r.RunPart(ctx, plan)
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return &exitError{code: exitUsage, err: err}
	}
	if interrupted {
		// An interrupted shard writes nothing that could pass for a finished part.
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: shard %s wrote no part; re-run it", sh)}
	}
	path, err := runner.WritePart(out, part)
	if err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(a.stdout, "shard %s: wrote %s\n", sh, path)
	}
	return nil
}

func (a *app) mergeCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "merge PART_OR_FOLDER...",
		Short: "Combine the part files of a sharded run into the reports a single run writes",
		Long: `Merge the part-i-of-n.json files written by 'carecert run --shard i/n' (or
'carecert validate --shard i/n'). The reports, verdicts and exit code are those
a single run over the whole feed would give. A folder stands for the
part-*-of-*.json files in it. Parts from different plans, suites,
tool versions or definitions, of a different n, and a missing or repeated shard
are refused with a message saying which.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := partFiles(args)
			if err != nil {
				return usageError("%v", err)
			}
			var parts []*runner.Part
			for _, name := range files {
				p, err := runner.ReadPart(name)
				if err != nil {
					return usageError("%v", err)
				}
				parts = append(parts, p)
			}
			reps, err := a.newRunner(0, true).Merge(cmd.Context(), parts, files)
			if err != nil {
				return usageError("%v", err)
			}
			return a.finishRun(reps, nil, f)
		},
	}
	cmd.Flags().StringVar(&f.out, "out", "out", "folder for the reports (one subfolder per vendor)")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "no summary table")
	return cmd
}

// partFiles expands folders into the part files they hold.
func partFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("part %s: %w", a, err)
		}
		if !info.IsDir() {
			out = append(out, a)
			continue
		}
		found, err := filepath.Glob(filepath.Join(a, "part-*-of-*.json"))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no part-i-of-n.json files in %s", a)
		}
		out = append(out, found...)
	}
	return out, nil
}
