package history

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	pathpkg "path"
	"time"

	"github.com/carecert/carecert/model"
)

// ErrNotFound means the history has no such run, file or attestation.
var ErrNotFound = errors.New("not found")

// RunByID returns one recorded run.
func (s *Store) RunByID(ctx context.Context, id int64) (Run, error) {
	runs, err := s.Runs(ctx, Query{ID: id})
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("history %s: run %d: %w", s.Where, id, ErrNotFound)
	}
	return runs[0], nil
}

// Files describes the files stored with a run (none for a run recorded from
// a local folder), by path, without their content.
func (s *Store) Files(ctx context.Context, runID int64) ([]StoredFile, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT path, sha256, size FROM run_files WHERE run_id = ? ORDER BY path`), runID)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []StoredFile
	for rows.Next() {
		var f StoredFile
		if err := rows.Scan(&f.Path, &f.SHA256, &f.Size); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// HasFiles reports whether a run was stored with its files (a submitted
// run), without listing them.
func (s *Store) HasFiles(ctx context.Context, runID int64) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT 1 FROM run_files WHERE run_id = ? LIMIT 1`), runID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("history %s: run %d's files: %w", s.Where, runID, err)
	}
	return true, nil
}

// File returns one stored file of a run with its content, read from the
// run's upload and checked against the SHA-256 it was stored with.
func (s *Store) File(ctx context.Context, runID int64, path string) (StoredFile, error) {
	f := StoredFile{Path: path}
	err := s.db.QueryRowContext(ctx, s.q(`SELECT sha256, size FROM run_files WHERE run_id = ? AND path = ?`), runID, path).Scan(&f.SHA256, &f.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("history %s: run %d has no stored file %s: %w", s.Where, runID, path, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("history %s: run %d file %s: %w", s.Where, runID, path, err)
	}
	var archive []byte
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT content FROM run_archives WHERE run_id = ?`), runID).Scan(&archive); err != nil {
		return f, fmt.Errorf("history %s: run %d's files: %w", s.Where, runID, err)
	}
	if f.Data, err = extract(archive, path); err != nil {
		return f, fmt.Errorf("history %s: run %d file %s: %w", s.Where, runID, path, err)
	}
	if sum := sha256.Sum256(f.Data); hex.EncodeToString(sum[:]) != f.SHA256 {
		return f, fmt.Errorf("history %s: run %d file %s: the stored file does not have the SHA-256 it was stored with", s.Where, runID, path)
	}
	return f, nil
}

// extract reads one file from a tar (gzip-compressed or not); entry names
// are compared as written or without a leading "./".
func extract(archive []byte, path string) ([]byte, error) {
	var r io.Reader = bytes.NewReader(archive)
	if bytes.HasPrefix(archive, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("not in the stored upload: %w", err)
		}
		if h.Typeflag == tar.TypeReg && pathpkg.Clean(h.Name) == path {
			return io.ReadAll(tr)
		}
	}
}

// Attestation is an assessor's outcome for a manual requirement of a run:
// who decided, when, and the evidence file the decision rests on.
type Attestation struct {
	RunID       int64         `json:"run_id"`
	Suite       string        `json:"suite"`
	Requirement string        `json:"requirement"`
	Outcome     model.Outcome `json:"outcome"`
	By          string        `json:"by"`
	At          time.Time     `json:"at"`
	Note        string        `json:"note,omitempty"`
	// EvidenceName is the evidence file's base name as uploaded.
	EvidenceName   string `json:"evidence_name"`
	EvidenceSHA256 string `json:"evidence_sha256"`
	// Evidence is the file's content; nil when attestations are listed.
	Evidence []byte `json:"-"`
}

// Attestations lists a run's attestations, by suite and requirement, without
// their evidence bytes.
func (s *Store) Attestations(ctx context.Context, runID int64) ([]Attestation, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT suite, requirement, outcome, attested_by, attested_at, note, evidence_name, evidence_sha256
		FROM attestations WHERE run_id = ? ORDER BY suite, requirement`), runID)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []Attestation
	for rows.Next() {
		a := Attestation{RunID: runID}
		var outcome, at string
		if err := rows.Scan(&a.Suite, &a.Requirement, &outcome, &a.By, &at, &a.Note, &a.EvidenceName, &a.EvidenceSHA256); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		a.Outcome = model.Outcome(outcome)
		if a.At, err = time.Parse(timeFormat, at); err != nil {
			return nil, fmt.Errorf("history %s: run %d attestation %s/%s: %w", s.Where, runID, a.Suite, a.Requirement, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Evidence returns the evidence file of one attestation.
func (s *Store) Evidence(ctx context.Context, runID int64, suite, requirement string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT evidence FROM attestations WHERE run_id = ? AND suite = ? AND requirement = ?`), runID, suite, requirement).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("history %s: run %d has no attestation of %s/%s: %w", s.Where, runID, suite, requirement, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	return data, nil
}

// Verdict returns a run's verdict as last re-graded after an attestation, or
// nil when it was never re-graded (report.json's verdict stands).
func (s *Store) Verdict(ctx context.Context, runID int64) (*model.Verdict, error) {
	var data string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT verdict FROM run_verdicts WHERE run_id = ?`), runID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	var v model.Verdict
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return nil, fmt.Errorf("history %s: run %d's verdict: %w", s.Where, runID, err)
	}
	return &v, nil
}

// Attest stores an attestation (replacing an earlier one of the same
// requirement) and the run as re-graded with it, in one transaction: the
// run's verdict, counts, results and measures become regraded's, so that
// every page and query sees the verdict the attestation led to.
func (s *Store) Attest(ctx context.Context, a Attestation, regraded *model.Report) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM attestations WHERE run_id = ? AND suite = ? AND requirement = ?`), a.RunID, a.Suite, a.Requirement); err != nil {
		return fmt.Errorf("history %s: %w", s.Where, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO attestations (run_id, suite, requirement, outcome, attested_by, attested_at, note, evidence_name, evidence_sha256, evidence)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), a.RunID, a.Suite, a.Requirement, string(a.Outcome), a.By, a.At.UTC().Format(timeFormat), a.Note,
		a.EvidenceName, a.EvidenceSHA256, a.Evidence); err != nil {
		return fmt.Errorf("history %s: record attestation: %w", s.Where, err)
	}
	reasons, err := json.Marshal(regraded.Verdict.Reasons)
	if err != nil {
		return err
	}
	o := regraded.Summary.Outcomes
	res, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET decision = ?, policy = ?, reasons = ?, results = ?,
		passed = ?, warned = ?, failed = ?, errored = ?, skipped = ? WHERE id = ?`),
		string(regraded.Verdict.Decision), regraded.Verdict.Policy, string(reasons), regraded.Summary.Results,
		o[model.Pass], o[model.Warn], o[model.Fail], o[model.Errored], o[model.Skip], a.RunID)
	if err != nil {
		return fmt.Errorf("history %s: update run %d: %w", s.Where, a.RunID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("history %s: run %d: %w", s.Where, a.RunID, ErrNotFound)
	}
	for _, table := range []string{"measures", "results"} {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE run_id = ?`), a.RunID); err != nil {
			return fmt.Errorf("history %s: %w", s.Where, err)
		}
	}
	if err := s.insertResults(ctx, tx, a.RunID, regraded); err != nil {
		return err
	}
	verdict, err := json.Marshal(regraded.Verdict)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM run_verdicts WHERE run_id = ?`), a.RunID); err != nil {
		return fmt.Errorf("history %s: %w", s.Where, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO run_verdicts (run_id, verdict) VALUES (?, ?)`), a.RunID, string(verdict)); err != nil {
		return fmt.Errorf("history %s: record the re-graded verdict: %w", s.Where, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history %s: commit: %w", s.Where, err)
	}
	return nil
}
