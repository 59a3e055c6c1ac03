package portal

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

// reportCache keeps the last few report.json files read, parsed: a reader
// paging through a run's findings must not re-read a large report each time.
type reportCache struct {
	mu      sync.Mutex
	max     int
	order   []string
	entries map[string]*model.Report
}

func newReportCache(max int) *reportCache {
	return &reportCache{max: max, entries: map[string]*model.Report{}}
}

// report reads a run's report.json, refusing a file that is not the one the
// history recorded (its SHA-256 differs): findings from an edited report
// must not be shown as the run's.
func (c *reportCache) report(run history.Run) (*model.Report, error) {
	if run.ReportPath == "" {
		return nil, errors.New("the history records no report file for this run")
	}
	key := fmt.Sprintf("%d\x00%s\x00%s", run.ID, run.ReportPath, run.ReportSHA256)
	c.mu.Lock()
	rep := c.entries[key]
	c.mu.Unlock()
	if rep != nil {
		return rep, nil
	}
	sum, _, err := manifest.HashFile(run.ReportPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the report file %s is no longer there", run.ReportPath)
		}
		return nil, fmt.Errorf("the report file cannot be read: %w", err)
	}
	if run.ReportSHA256 != "" && sum != run.ReportSHA256 {
		return nil, fmt.Errorf("the report file %s changed after the run was recorded (SHA-256 %s, recorded %s): its findings are not shown", run.ReportPath, sum, run.ReportSHA256)
	}
	if rep, err = reports.ReadJSON(run.ReportPath); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.order = append(c.order, key)
		if len(c.order) > c.max {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.entries[key] = rep
	return rep, nil
}

// Verification is what a run's manifest and signature say.
type Verification struct {
	// Manifest is the manifest's path; empty when the run has no folder.
	Manifest string `json:"manifest,omitempty"`
	// Problem says why the manifest could not be read.
	Problem string `json:"problem,omitempty"`
	// Files are the files the manifest lists, and FileProblems those that
	// no longer match it.
	Files        []manifest.File `json:"files,omitempty"`
	FileProblems []string        `json:"file_problems,omitempty"`
	// Signature is "trusted" (by a key registered for the vendor), "valid"
	// (by a key nobody registered: integrity only), "unsigned" or "invalid".
	Signature string `json:"signature"`
	// Detail says it in words.
	Detail string `json:"detail"`
	KeyID  string `json:"key_id,omitempty"`
	// Notes are differences between the run's inputs and this carecert's.
	Notes []string `json:"notes,omitempty"`
}

// Verified reports whether the files match and the signature is by a
// registered key.
func (v Verification) Verified() bool {
	return v.Problem == "" && len(v.FileProblems) == 0 && v.Signature == "trusted"
}

// verify checks the manifest beside a run's report, as carecert verify does,
// against the keys registered for the vendor (none: integrity only).
func verify(run history.Run, keys []ed25519.PublicKey) Verification {
	if run.ReportPath == "" {
		return Verification{Signature: "unsigned", Detail: "the history records no report folder for this run"}
	}
	dir := filepath.Dir(run.ReportPath)
	path := filepath.Join(dir, manifest.FileName)
	v := Verification{Manifest: path}
	m, data, err := manifest.Read(path)
	if err != nil {
		v.Problem, v.Signature, v.Detail = err.Error(), "unsigned", "no readable manifest, so nothing to verify"
		return v
	}
	v.Files = m.Files
	for _, pr := range m.Check(dir) {
		v.FileProblems = append(v.FileProblems, pr.String())
	}
	for _, pr := range m.CheckInputs() {
		v.Notes = append(v.Notes, pr.String())
	}
	sig, err := manifest.VerifySignature(path, data, nil)
	switch {
	case errors.Is(err, manifest.ErrUnsigned):
		v.Signature, v.Detail = "unsigned", "the manifest is not signed: anyone could have written it"
		return v
	case err != nil:
		v.Signature, v.Detail = "invalid", err.Error()
		if sig != nil {
			v.KeyID = sig.KeyID
		}
		return v
	}
	v.KeyID = sig.KeyID
	for _, k := range keys {
		if manifest.KeyID(k) == sig.KeyID {
			if _, err := manifest.VerifySignature(path, data, k); err == nil {
				v.Signature, v.Detail = "trusted", "signature valid, by the key registered for "+run.Vendor+" ("+sig.KeyID+")"
				return v
			}
		}
	}
	v.Signature = "valid"
	v.Detail = "signature valid, by key " + sig.KeyID + ", which is not registered for " + run.Vendor + ": it proves integrity, not who signed"
	return v
}
