package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/attestation"
	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
)

type attestFlags struct {
	location, out, requirement, outcome, by, evidence, note, policy, write string
	run                                                                    int64
}

func (a *app) attestCommand() *cobra.Command {
	var f attestFlags
	cmd := &cobra.Command{
		Use:   "attest --run ID --requirement R --outcome pass|fail --by NAME --evidence FILE",
		Short: "Record an assessor's outcome for a manual requirement of a recorded run",
		Long: `Record the outcome of a manual requirement (a witnessed demonstration, a
screenshot, a signed declaration: kind: manual in its suite) of a run in the
history: pass or fail, who decided, now, and the evidence file, which the
history keeps with its SHA-256. The run is re-graded under its policy, so the
verdict treats the requirement like any other; attesting the same
requirement again replaces the earlier attestation.

  carecert attest --history portal.db --run 12 --requirement demo/DEMO-01 \
      --outcome pass --by "A. Assessor" --evidence witnessed-demo.pdf \
      --note "allergies shown on the summary screen" --out attested/

The requirement is suite/REQ, or REQ when one suite has it. A run graded
under a plan's own policy is re-graded under it: give it with --policy (the
plan or a policy file). --out writes the re-graded report's renderings and a
manifest (unsigned) listing the evidence's SHA-256.

The history is the --history location, else $CARECERT_HISTORY, else
out/history.db. Exit 0 when recorded and the vendor is certified, 1 when
recorded and not certified, 2 when nothing was recorded (a wrong request or
an unreadable history).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.attest(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.location, "history", "", "history: a SQLite file or a postgres:// DSN")
	fl.Int64Var(&f.run, "run", 0, "the recorded run's id (carecert history lists them)")
	fl.StringVar(&f.requirement, "requirement", "", "the manual requirement: suite/REQ or REQ")
	fl.StringVar(&f.outcome, "outcome", "", "pass or fail")
	fl.StringVar(&f.by, "by", "", "who attests (the assessor's name)")
	fl.StringVar(&f.evidence, "evidence", "", "the evidence file (recording, screenshot, signed declaration)")
	fl.StringVar(&f.note, "note", "", "what the assessor saw")
	fl.StringVar(&f.policy, "policy", "", "the policy the run was graded under (default all-shall)")
	fl.StringVar(&f.write, "out", "", "write the re-graded report into this folder, one subfolder per vendor")
	return cmd
}

func (a *app) attest(ctx context.Context, f attestFlags) error {
	switch {
	case f.run <= 0:
		return usageError("--run is required: the id of a recorded run (carecert history lists them)")
	case f.requirement == "":
		return usageError("--requirement is required: the manual requirement, as suite/REQ")
	case f.evidence == "":
		return usageError("--evidence is required: the file the outcome rests on")
	}
	evidence, err := os.ReadFile(f.evidence)
	if err != nil {
		return usageError("evidence %v", err)
	}
	var pol policy.Policy
	if f.policy != "" {
		if pol, err = policy.Load(f.policy); err != nil {
			return usageError("%v", err)
		}
	}
	store, err := history.Open(ctx, historyLocation(f.location, "out"))
	if err != nil {
		return usageError("%v", err)
	}
	defer store.Close()
	rep, err := attestation.Attest(ctx, store, pol, attestation.Request{RunID: f.run, Requirement: f.requirement,
		Outcome: model.Outcome(f.outcome), By: f.by, Note: f.note, EvidenceName: f.evidence, Evidence: evidence})
	if errors.Is(err, attestation.ErrInvalid) {
		return usageError("attest: %v", err)
	}
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	for _, at := range rep.Attested() {
		if at.Suite+"/"+at.Requirement == f.requirement || at.Requirement == f.requirement {
			fmt.Fprintf(a.stdout, "run %d: %s/%s attested %s by %s (evidence %s, SHA-256 %s)\n", f.run, at.Suite, at.Requirement, at.Outcome, at.By, at.Evidence, at.EvidenceSHA256)
		}
	}
	fmt.Fprintf(a.stdout, "run %d: %s %s is now %s\n", f.run, rep.Vendor.Name, rep.Vendor.Release, rep.Verdict.Decision)
	if f.write != "" {
		if err := writeAll(filepath.Join(f.write, vendorDir(rep)), rep); err != nil {
			return err
		}
	}
	if rep.Verdict.Decision == model.NotCertified {
		return &exitError{code: exitFailed}
	}
	return nil
}
