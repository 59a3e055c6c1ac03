package main

import (
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/html"
)

// certFlags are the run flags of the certification outputs: history and signing.
type certFlags struct {
	history   string
	noHistory bool
	signKey   string
}

func (c *certFlags) bind(fl *pflag.FlagSet) {
	fl.StringVar(&c.history, "history", "", "run history: a SQLite file or a postgres:// DSN (default OUT/history.db; $CARECERT_HISTORY)")
	fl.BoolVar(&c.noHistory, "no-history", false, "do not record the run in the history")
	fl.StringVar(&c.signKey, "sign-key", "", "sign each vendor's manifest with this Ed25519 private key (see carecert keygen)")
}

// writeCertification writes the reports beside report.json that people and
// other tools read: the HTML page, Markdown, SARIF, the FHIR TestReport and the
// manifest that makes them tamper-evident.
func (a *app) writeCertification(dir string, rep *model.Report, f runFlags) error {
	page, err := html.Render(rep, html.Options{FullEvidence: rep.Evidence == "full"})
	if err != nil {
		return err
	}
	return reports.WriteFileAtomic(filepath.Join(dir, "report.html"), page)
}
