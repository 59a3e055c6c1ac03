package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/compare"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/runner"
)

// certFlags are the run flags of the certification outputs: history and signing.
type certFlags struct {
	history   string
	noHistory bool
	signKey   string
}

func (c *certFlags) bind(fl *pflag.FlagSet) {
	fl.StringVar(&c.history, "history", "", "run history: a SQLite file or a postgres:// DSN (default $CARECERT_HISTORY, else OUT/history.db)")
	fl.BoolVar(&c.noHistory, "no-history", false, "do not record the run in the history")
	fl.StringVar(&c.signKey, "sign-key", "", "sign each vendor's manifest with this Ed25519 private key (see carecert keygen)")
}

// historyLocation is where runs are recorded: the flag, $CARECERT_HISTORY, or
// history.db in the output folder, so that reports and their history travel
// together (a CI artefact, a folder handed to a buyer).
func historyLocation(flag, out string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv("CARECERT_HISTORY"); env != "" {
		return env
	}
	return filepath.Join(out, "history.db")
}

// certificationCommands are the commands of the certification capability.
func (a *app) certificationCommands() []*cobra.Command {
	return []*cobra.Command{
		a.reportCommand(), a.diffCommand(), a.compareCommand(), a.historyCommand(),
		a.keygenCommand(), a.signCommand(), a.verifyCommand(),
	}
}

// writeCertification writes every format of a report (package
// reports/formats) and the manifest that makes them tamper-evident, signed when
// a key is given.
func (a *app) writeCertification(dir string, rep *model.Report, f runFlags) error {
	signedBy, err := signingKeyID(f.cert.signKey)
	if err != nil {
		return err
	}
	opt := reports.RenderOptions{FullEvidence: rep.Evidence == "full", SignedBy: signedBy}
	if err := formats.WriteAll(dir, rep, opt); err != nil {
		return err
	}
	return writeManifest(dir, rep, f.cert.signKey)
}

// signingKeyID is the id of the key a run signs its manifests with, empty when
// it signs none; pages for people name it.
func signingKeyID(signKey string) (string, error) {
	if signKey == "" {
		return "", nil
	}
	key, err := manifest.LoadPrivateKey(signKey)
	if err != nil {
		return "", &exitError{code: exitUsage, err: err}
	}
	return manifest.KeyID(key.Public().(ed25519.PublicKey)), nil
}

// writeManifest hashes the report files in dir into manifest.json, and signs
// it when signKey names a private key.
func writeManifest(dir string, rep *model.Report, signKey string) error {
	m, err := manifest.Build(dir, formats.Files(), rep)
	if err != nil {
		return err
	}
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, manifest.FileName)
	if err := reports.WriteFileAtomic(path, data); err != nil {
		return err
	}
	if signKey != "" {
		key, err := manifest.LoadPrivateKey(signKey)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		if _, err := manifest.Sign(path, key); err != nil {
			return err
		}
	}
	return nil
}

// recordRun records the run in the history and, when a plan certified several
// vendors, writes their comparison. A history that cannot be written is an
// error the user sees, but the reports are already on disk.
func (a *app) recordRun(reps []*model.Report, f runFlags) error {
	if len(reps) > 1 {
		m := compare.Build(reps)
		signedBy, err := signingKeyID(f.cert.signKey)
		if err != nil {
			return err
		}
		for i, rep := range reps {
			m.Columns[i].Link = vendorDir(rep) + "/report.html"
			m.Columns[i].SignedBy = signedBy
		}
		for _, format := range []string{"html", "csv"} {
			name := "comparison." + format
			if err := a.writeComparison(m, format, filepath.Join(f.out, name)); err != nil {
				return err
			}
			if f.index != nil {
				f.index.AddFile(name)
			}
		}
	}
	if f.cert.noHistory || len(reps) == 0 {
		return nil
	}
	// Not the run's context: recording must finish even when the run was
	// interrupted, and the interrupted run is recorded as incomplete.
	ctx := context.Background()
	store, err := history.Open(ctx, historyLocation(f.cert.history, f.out))
	if err != nil {
		return fmt.Errorf("%w (the reports were written; use --no-history to skip recording)", err)
	}
	defer store.Close()
	for _, rep := range reps {
		path := filepath.Join(f.out, vendorDir(rep), model.ReportFile)
		sum, _, err := manifest.HashFile(path)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path // the relative path still names the report
		}
		if _, err := store.Record(ctx, rep, sum, abs); err != nil {
			return err
		}
	}
	return nil
}

// vendorDir is a vendor's folder in the output folder, as carecert run names it.
func vendorDir(rep *model.Report) string { return runner.VendorPlan{Name: rep.Vendor.Name}.Slug() }
