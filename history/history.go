// Package history records every certification run in a database, so that a
// supplier or a buyer can see how a vendor's results change from release to
// release. The default store is an embedded SQLite file (pure Go, no server);
// PostgreSQL is used when the location is a postgres:// DSN. Each run is
// written in one transaction: an interrupted write leaves no partial run.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/carecert/carecert/model"
)

// schemaVersion is the version of the tables below; Open refuses a database
// written by a newer carecert rather than misread it.
// Version 2 added the files of submitted runs and the attestations of manual
// requirements; a version-1 history is upgraded in place when opened.
const schemaVersion = 2

// Store is an open history database.
type Store struct {
	db       *sql.DB
	postgres bool
	// Where names the database for messages: the SQLite path, or the DSN with
	// its password removed.
	Where string
}

// IsDSN reports whether location names a PostgreSQL database rather than a
// SQLite file.
func IsDSN(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// Open opens (creating if needed) the history at location: a SQLite file path,
// or a postgres:// DSN. Connecting to PostgreSQL times out after 10 seconds
// unless the DSN sets connect_timeout.
func Open(ctx context.Context, location string) (*Store, error) {
	s := &Store{}
	var err error
	if IsDSN(location) {
		s.postgres = true
		s.Where = redactDSN(location)
		if !strings.Contains(location, "connect_timeout=") {
			sep := "?"
			if strings.Contains(location, "?") {
				sep = "&"
			}
			location += sep + "connect_timeout=10"
		}
		s.db, err = sql.Open("pgx", location)
	} else {
		s.Where = location
		if dir := filepath.Dir(location); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("history %s: %w", location, err)
			}
		}
		// WAL keeps readers and a writer apart and survives a crash mid-write;
		// immediate transactions take the write lock up front, and the busy
		// timeout lets concurrent runs wait for it rather than fail.
		dsn := "file:" + location + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		s.db, err = sql.Open("sqlite", dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// redactDSN removes the password from a DSN for messages.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}

// q rewrites ? placeholders for PostgreSQL ($1, $2, ...).
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) migrate(ctx context.Context) error {
	idColumn, blob := "id INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"
	if s.postgres {
		idColumn, blob = "id BIGSERIAL PRIMARY KEY", "BYTEA"
	}
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS carecert_history (version INTEGER NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS runs (
			` + idColumn + `,
			vendor TEXT NOT NULL, product TEXT NOT NULL, release TEXT NOT NULL,
			plan TEXT NOT NULL, as_of TEXT NOT NULL,
			started_at TEXT NOT NULL, finished_at TEXT NOT NULL, complete INTEGER NOT NULL,
			decision TEXT NOT NULL, policy TEXT NOT NULL, reasons TEXT NOT NULL,
			records BIGINT NOT NULL, results INTEGER NOT NULL,
			passed INTEGER NOT NULL, warned INTEGER NOT NULL, failed INTEGER NOT NULL,
			errored INTEGER NOT NULL, skipped INTEGER NOT NULL,
			errors BIGINT NOT NULL, warnings BIGINT NOT NULL, information BIGINT NOT NULL,
			tool_version TEXT NOT NULL, report_sha256 TEXT NOT NULL, report_path TEXT NOT NULL,
			recorded_at TEXT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS runs_by_vendor ON runs (vendor, started_at)`,
		// The portal lists the latest runs first and asks for one requirement
		// across all runs; without these both read every row.
		`CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at)`,
		`CREATE TABLE IF NOT EXISTS results (
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			target TEXT NOT NULL, suite TEXT NOT NULL, requirement TEXT NOT NULL,
			level TEXT NOT NULL, outcome TEXT NOT NULL,
			evaluated BIGINT NOT NULL, failing BIGINT NOT NULL,
			errors BIGINT NOT NULL, warnings BIGINT NOT NULL, information BIGINT NOT NULL,
			PRIMARY KEY (run_id, target, suite, requirement))`,
		`CREATE INDEX IF NOT EXISTS results_by_requirement ON results (suite, requirement)`,
		`CREATE TABLE IF NOT EXISTS measures (
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			target TEXT NOT NULL, suite TEXT NOT NULL, requirement TEXT NOT NULL, name TEXT NOT NULL,
			numerator BIGINT NOT NULL, denominator BIGINT NOT NULL,
			PRIMARY KEY (run_id, target, suite, requirement, name))`,
		// Version 2: a submitted run's upload (a tar, gzip-compressed as it
		// was sent) and the files it holds, stored with the run's rows so that
		// one transaction keeps or drops both. The upload is kept whole, not
		// file by file: compressed, it is a small fraction of its files.
		`CREATE TABLE IF NOT EXISTS run_archives (
			run_id BIGINT NOT NULL PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
			content ` + blob + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS run_files (
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			path TEXT NOT NULL, sha256 TEXT NOT NULL, size BIGINT NOT NULL,
			PRIMARY KEY (run_id, path))`,
		// Version 2: an assessor's outcome for a manual requirement, with the
		// evidence file it rests on.
		`CREATE TABLE IF NOT EXISTS attestations (
			run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			suite TEXT NOT NULL, requirement TEXT NOT NULL, outcome TEXT NOT NULL,
			attested_by TEXT NOT NULL, attested_at TEXT NOT NULL, note TEXT NOT NULL,
			evidence_name TEXT NOT NULL, evidence_sha256 TEXT NOT NULL, evidence ` + blob + ` NOT NULL,
			PRIMARY KEY (run_id, suite, requirement))`,
		// Version 2: a run's verdict as re-graded after an attestation, whole
		// (breaches, rules, waivers), as report.json's verdict field.
		`CREATE TABLE IF NOT EXISTS run_verdicts (
			run_id BIGINT NOT NULL PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
			verdict TEXT NOT NULL)`,
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM carecert_history`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO carecert_history (version) VALUES (?)`), schemaVersion); err != nil {
			return err
		}
	case err != nil:
		return err
	case v > schemaVersion:
		return fmt.Errorf("written by a newer carecert (history version %d; this one reads %d)", v, schemaVersion)
	case v < schemaVersion:
		// The tables version 2 added were created above.
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE carecert_history SET version = ?`), schemaVersion); err != nil {
			return fmt.Errorf("upgrade from version %d: %w", v, err)
		}
	}
	return tx.Commit()
}

// timeFormat sorts as text in time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// Record stores one run with its results and measures, all or nothing.
// reportSHA256 and reportPath tie the row to the report file it came from.
func (s *Store) Record(ctx context.Context, rep *model.Report, reportSHA256, reportPath string) (int64, error) {
	return s.RecordArchive(ctx, rep, reportSHA256, reportPath, nil, nil)
}

// StoredFile is a file kept with a run in the history: a submitted run's
// report files, manifest and signature.
type StoredFile struct {
	// Path is relative to the run's folder, with forward slashes.
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Data is the content; nil when only the file's description was read.
	Data []byte `json:"-"`
}

// RecordArchive is Record that also stores the run's files: archive is the
// upload that holds them (a tar, gzip-compressed or not) and files describe
// them (path, SHA-256, size; Data is not stored). All are written in one
// transaction: either the run and its files are kept, or nothing is.
func (s *Store) RecordArchive(ctx context.Context, rep *model.Report, reportSHA256, reportPath string, archive []byte, files []StoredFile) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer tx.Rollback() // a no-op once committed
	id, err := s.insertRun(ctx, tx, rep, reportSHA256, reportPath)
	if err != nil {
		return 0, err
	}
	if err := s.insertResults(ctx, tx, id, rep); err != nil {
		return 0, err
	}
	if archive != nil {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO run_archives (run_id, content) VALUES (?, ?)`), id, archive); err != nil {
			return 0, fmt.Errorf("history %s: store the run's files: %w", s.Where, err)
		}
		st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO run_files (run_id, path, sha256, size) VALUES (?, ?, ?, ?)`))
		if err != nil {
			return 0, fmt.Errorf("history %s: %w", s.Where, err)
		}
		defer st.Close()
		for _, f := range files {
			if _, err := st.ExecContext(ctx, id, f.Path, f.SHA256, f.Size); err != nil {
				return 0, fmt.Errorf("history %s: store file %s: %w", s.Where, f.Path, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history %s: commit: %w", s.Where, err)
	}
	return id, nil
}

func (s *Store) insertRun(ctx context.Context, tx *sql.Tx, rep *model.Report, reportSHA256, reportPath string) (int64, error) {
	reasons, err := json.Marshal(rep.Verdict.Reasons)
	if err != nil {
		return 0, err
	}
	o := rep.Summary.Outcomes
	complete := 0
	if rep.Complete {
		complete = 1
	}
	var id int64
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO runs (vendor, product, release, plan, as_of, started_at, finished_at, complete,
		decision, policy, reasons, records, results, passed, warned, failed, errored, skipped, errors, warnings, information,
		tool_version, report_sha256, report_path, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		rep.Vendor.Name, rep.Vendor.Product, rep.Vendor.Release, rep.Plan, rep.AsOf,
		rep.StartedAt.UTC().Format(timeFormat), rep.FinishedAt.UTC().Format(timeFormat), complete,
		string(rep.Verdict.Decision), rep.Verdict.Policy, string(reasons),
		rep.Summary.Records, rep.Summary.Results, o[model.Pass], o[model.Warn], o[model.Fail], o[model.Errored], o[model.Skip],
		rep.Summary.Findings[model.Error], rep.Summary.Findings[model.Warning], rep.Summary.Findings[model.Information],
		rep.Tool.Version, reportSHA256, reportPath, time.Now().UTC().Format(timeFormat),
	).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("history %s: record run: %w", s.Where, err)
	}
	return id, nil
}

// insertResults writes a run's results and measures.
func (s *Store) insertResults(ctx context.Context, tx *sql.Tx, id int64, rep *model.Report) error {
	resStmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO results (run_id, target, suite, requirement, level, outcome, evaluated, failing, errors, warnings, information)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer resStmt.Close()
	mStmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO measures (run_id, target, suite, requirement, name, numerator, denominator) VALUES (?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer mStmt.Close()
	for _, t := range rep.Targets {
		for _, r := range t.Results {
			if _, err := resStmt.ExecContext(ctx, id, t.Name, r.Suite, r.Requirement, string(r.Level), string(r.Outcome),
				r.Evaluated, r.Failing, r.Errors, r.Warnings, r.Information); err != nil {
				return fmt.Errorf("history %s: record %s/%s on %s: %w", s.Where, r.Suite, r.Requirement, t.Name, err)
			}
			for _, m := range r.Measures {
				if _, err := mStmt.ExecContext(ctx, id, t.Name, r.Suite, r.Requirement, m.Name, m.Numerator, m.Denominator); err != nil {
					return fmt.Errorf("history %s: record measure %s: %w", s.Where, m.Name, err)
				}
			}
		}
	}
	return nil
}

// Run is one recorded run.
type Run struct {
	ID           int64          `json:"id"`
	Vendor       string         `json:"vendor"`
	Product      string         `json:"product,omitempty"`
	Release      string         `json:"release,omitempty"`
	Plan         string         `json:"plan"`
	AsOf         string         `json:"as_of,omitempty"`
	StartedAt    time.Time      `json:"started_at"`
	FinishedAt   time.Time      `json:"finished_at"`
	Complete     bool           `json:"complete"`
	Decision     model.Decision `json:"decision"`
	Policy       string         `json:"policy"`
	Reasons      []string       `json:"reasons"`
	Records      int64          `json:"records"`
	Results      int            `json:"results"`
	Passed       int            `json:"passed"`
	Warned       int            `json:"warned"`
	Failed       int            `json:"failed"`
	Errored      int            `json:"errored"`
	Skipped      int            `json:"skipped"`
	Errors       int64          `json:"errors"`
	Warnings     int64          `json:"warnings"`
	Information  int64          `json:"information"`
	ToolVersion  string         `json:"tool_version"`
	ReportSHA256 string         `json:"report_sha256,omitempty"`
	ReportPath   string         `json:"report_path,omitempty"`
}

// PassRate is the share of counted (not skipped) results that passed or warned.
func (r Run) PassRate() float64 {
	counted := r.Passed + r.Warned + r.Failed + r.Errored
	if counted == 0 {
		return 0
	}
	return float64(r.Passed+r.Warned) / float64(counted)
}

// Query selects runs.
type Query struct {
	// Vendor limits the runs to one vendor, its name matched without regard
	// to case; empty means all.
	Vendor string
	// Limit keeps the latest runs only; 0 means all.
	Limit int
	// ID selects one run by its id; 0 means any.
	ID int64
}

// Vendors returns the names of the vendors with recorded runs, sorted.
func (s *Store) Vendors(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT vendor FROM runs ORDER BY vendor`)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	return out, nil
}

// Runs returns runs oldest first.
func (s *Store) Runs(ctx context.Context, q Query) ([]Run, error) {
	query := `SELECT ` + runColumns + ` FROM runs`
	var args []any
	if q.Vendor != "" {
		names, err := s.VendorNames(ctx, q.Vendor)
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, nil
		}
		query += ` WHERE vendor IN (` + marks(len(names)) + `)`
		for _, n := range names {
			args = append(args, n)
		}
	}
	if q.ID != 0 {
		if len(args) == 0 {
			query += ` WHERE id = ?`
		} else {
			query += ` AND id = ?`
		}
		args = append(args, q.ID)
	}
	query += ` ORDER BY started_at DESC, id DESC`
	if q.Limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	out, err := s.scanRuns(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	// Oldest first reads as a timeline.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// runColumns are the columns scanRuns reads, in its order.
const runColumns = `id, vendor, product, release, plan, as_of, started_at, finished_at, complete, decision, policy, reasons,
		records, results, passed, warned, failed, errored, skipped, errors, warnings, information, tool_version, report_sha256, report_path`

// scanRuns runs a query selecting runColumns and reads its rows.
func (s *Store) scanRuns(ctx context.Context, query string, args ...any) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var started, finished, reasons, decision string
		var complete int
		if err := rows.Scan(&r.ID, &r.Vendor, &r.Product, &r.Release, &r.Plan, &r.AsOf, &started, &finished, &complete, &decision, &r.Policy, &reasons,
			&r.Records, &r.Results, &r.Passed, &r.Warned, &r.Failed, &r.Errored, &r.Skipped, &r.Errors, &r.Warnings, &r.Information,
			&r.ToolVersion, &r.ReportSHA256, &r.ReportPath); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		r.Complete = complete == 1
		r.Decision = model.Decision(decision)
		if r.StartedAt, err = time.Parse(timeFormat, started); err != nil {
			return nil, fmt.Errorf("history %s: run %d: started_at: %w", s.Where, r.ID, err)
		}
		if r.FinishedAt, err = time.Parse(timeFormat, finished); err != nil {
			return nil, fmt.Errorf("history %s: run %d: finished_at: %w", s.Where, r.ID, err)
		}
		if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
			return nil, fmt.Errorf("history %s: run %d: reasons: %w", s.Where, r.ID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	return out, nil
}

// Outcome is one requirement's recorded outcome in one run.
type Outcome struct {
	RunID                      int64
	Target, Suite, Requirement string
	Level                      model.Level
	Outcome                    model.Outcome
	Evaluated, Failing, Errors int64
}

// Outcomes returns a run's requirement outcomes, ordered by target and requirement.
func (s *Store) Outcomes(ctx context.Context, runID int64) ([]Outcome, error) {
	return s.scanOutcomes(ctx, `WHERE run_id = ? ORDER BY target, suite, requirement`, runID)
}

// scanOutcomes reads the results a WHERE clause (with its ORDER BY) selects.
func (s *Store) scanOutcomes(ctx context.Context, where string, args ...any) ([]Outcome, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT run_id, target, suite, requirement, level, outcome, evaluated, failing, errors
		FROM results `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var o Outcome
		var level, outcome string
		if err := rows.Scan(&o.RunID, &o.Target, &o.Suite, &o.Requirement, &level, &outcome, &o.Evaluated, &o.Failing, &o.Errors); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		o.Level, o.Outcome = model.Level(level), model.Outcome(outcome)
		out = append(out, o)
	}
	return out, rows.Err()
}

// Measures returns a run's measures as name → numerator/denominator, keyed by
// "target suite/requirement name".
func (s *Store) Measures(ctx context.Context, runID int64) (map[string]model.Measure, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT target, suite, requirement, name, numerator, denominator FROM measures WHERE run_id = ?`), runID)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	out := map[string]model.Measure{}
	for rows.Next() {
		var target, suite, req string
		var m model.Measure
		if err := rows.Scan(&target, &suite, &req, &m.Name, &m.Numerator, &m.Denominator); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		out[target+" "+suite+"/"+req+" "+m.Name] = m
	}
	return out, rows.Err()
}

// Report rebuilds a recorded run as a report without findings: vendor,
// verdict, and per target the outcomes, counts and measures. It is enough to
// re-grade the run or diff it with another.
func (s *Store) Report(ctx context.Context, run Run) (*model.Report, error) {
	outcomes, err := s.Outcomes(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	measures, err := s.Measures(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	rep := &model.Report{
		Schema: model.ReportSchemaVersion, Tool: model.Tool{Name: "carecert", Version: run.ToolVersion},
		Plan: run.Plan, Vendor: model.Vendor{Name: run.Vendor, Product: run.Product, Release: run.Release},
		AsOf: run.AsOf, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Complete: run.Complete,
		Verdict: model.Verdict{Decision: run.Decision, Policy: run.Policy, Reasons: run.Reasons},
	}
	index := map[string]int{}
	for _, o := range outcomes {
		ti, ok := index[o.Target]
		if !ok {
			ti = len(rep.Targets)
			index[o.Target] = ti
			rep.Targets = append(rep.Targets, model.TargetRun{Name: o.Target})
		}
		res := model.Result{Suite: o.Suite, Requirement: o.Requirement, Level: o.Level, Outcome: o.Outcome}
		res.Evaluated, res.Failing, res.Errors = o.Evaluated, o.Failing, o.Errors
		prefix := o.Target + " " + o.Suite + "/" + o.Requirement + " "
		for key, m := range measures {
			if strings.HasPrefix(key, prefix) {
				res.Measure(m.Name, m.Numerator, m.Denominator)
			}
		}
		rep.Targets[ti].Results = append(rep.Targets[ti].Results, res)
	}
	rep.Summarize()
	return rep, nil
}
