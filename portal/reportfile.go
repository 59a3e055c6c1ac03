package portal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/attestation"
	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
)

// runFolder is a run's report folder: the files stored with the run in the
// history (a submitted run), or the folder on this machine its report was
// written to (a run recorded by carecert run).
type runFolder struct {
	store  *history.Store
	run    history.Run
	stored []history.StoredFile
	dir    string
}

// errNoFolder means the history keeps no files of the run and names no folder.
var errNoFolder = errors.New("the history keeps no report files for this run")

func (p *Server) folder(ctx context.Context, run history.Run) (*runFolder, error) {
	stored, err := p.store.Files(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	f := &runFolder{store: p.store, run: run, stored: stored}
	if len(stored) == 0 {
		if run.ReportPath == "" || !filepath.IsAbs(run.ReportPath) {
			return nil, errNoFolder
		}
		f.dir = filepath.Dir(run.ReportPath)
	}
	return f, nil
}

// read returns a file of the folder; a missing one is os.ErrNotExist.
func (f *runFolder) read(ctx context.Context, name string) ([]byte, error) {
	if f.dir == "" {
		sf, err := f.store.File(ctx, f.run.ID, name)
		if errors.Is(err, history.ErrNotFound) {
			return nil, fmt.Errorf("%s: %w", name, os.ErrNotExist)
		}
		return sf.Data, err
	}
	path := filepath.Join(f.dir, filepath.FromSlash(name))
	// Only regular files: a FIFO put in the folder must not hang a page.
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.ReadFile(path)
}

// check compares the folder's files with a manifest's hashes.
func (f *runFolder) check(m *manifest.Manifest) []manifest.Problem {
	if f.dir != "" {
		return m.Check(f.dir)
	}
	sums := map[string]string{}
	for _, sf := range f.stored {
		sums[sf.Path] = sf.SHA256
	}
	return m.CheckHashes(sums)
}

// where names the folder for people.
func (f *runFolder) where() string {
	if f.dir != "" {
		return f.dir
	}
	return fmt.Sprintf("the %d file(s) submitted with the run", len(f.stored))
}

// reportCache keeps the last few reports read, parsed: a reader paging
// through a run's findings must not re-read a large report each time.
type reportCache struct {
	mu      sync.Mutex
	max     int
	order   []string
	entries map[string]*model.Report
}

func newReportCache(max int) *reportCache {
	return &reportCache{max: max, entries: map[string]*model.Report{}}
}

// report is a run's report as it now stands (package attestation reads it:
// report.json, which must be the file the history recorded, with the
// attestations recorded since and the verdict they led to). Reports are
// cached until the run's attestations change.
func (p *Server) report(ctx context.Context, run history.Run) (*model.Report, error) {
	atts, err := p.store.Attestations(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	var key strings.Builder
	fmt.Fprintf(&key, "%d\x00%s\x00%s", run.ID, run.ReportPath, run.ReportSHA256)
	for _, a := range atts {
		fmt.Fprintf(&key, "\x00%s/%s %s %s %s", a.Suite, a.Requirement, a.Outcome, a.At.Format(time.RFC3339Nano), a.EvidenceSHA256)
	}
	c := p.reports
	c.mu.Lock()
	rep := c.entries[key.String()]
	c.mu.Unlock()
	if rep != nil {
		return rep, nil
	}
	if rep, err = attestation.ReportWith(ctx, p.store, run.ID, atts); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key.String()]; !ok {
		c.order = append(c.order, key.String())
		if len(c.order) > c.max {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.entries[key.String()] = rep
	return rep, nil
}

// Verification is what a run's manifest and signature say.
type Verification struct {
	// Folder names where the run's files are.
	Folder string `json:"folder,omitempty"`
	// Problem says why the manifest could not be read.
	Problem string `json:"problem,omitempty"`
	// Files are the files the manifest lists, and FileProblems those that
	// do not match it.
	Files        []manifest.File `json:"files,omitempty"`
	FileProblems []string        `json:"file_problems,omitempty"`
	// Signature is "trusted" (by a key registered for the vendor), "valid"
	// (by a key not registered for it: integrity only), "unsigned" or
	// "invalid".
	Signature string `json:"signature"`
	// Detail says it in words.
	Detail string `json:"detail"`
	KeyID  string `json:"key_id,omitempty"`
	// Notes are differences between the run's inputs and this carecert's.
	Notes []string `json:"notes,omitempty"`
}

// Verified reports whether the files match and the signature is by a key
// registered for the vendor.
func (v Verification) Verified() bool {
	return v.Problem == "" && len(v.FileProblems) == 0 && v.Signature == "trusted"
}

// verify checks a run's manifest and signature as carecert verify does, and
// the signing key against the keys registered for the run's vendor.
func (p *Server) verify(ctx context.Context, run history.Run) (Verification, error) {
	f, err := p.folder(ctx, run)
	if errors.Is(err, errNoFolder) {
		return Verification{Signature: "unsigned", Detail: err.Error()}, nil
	}
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Folder: f.where()}
	data, err := f.read(ctx, manifest.FileName)
	if err != nil {
		v.Problem, v.Signature, v.Detail = err.Error(), "unsigned", "no readable manifest, so nothing to verify"
		return v, nil
	}
	m, err := manifest.Parse(manifest.FileName, data)
	if err != nil {
		v.Problem, v.Signature, v.Detail = err.Error(), "unsigned", "no readable manifest, so nothing to verify"
		return v, nil
	}
	v.Files = m.Files
	for _, pr := range f.check(m) {
		v.FileProblems = append(v.FileProblems, pr.String())
	}
	for _, pr := range m.CheckInputs() {
		v.Notes = append(v.Notes, pr.String())
	}
	sigName := manifest.FileName + manifest.SignatureSuffix
	raw, err := f.read(ctx, sigName)
	if errors.Is(err, os.ErrNotExist) {
		v.Signature, v.Detail = "unsigned", "the manifest is not signed: anyone could have written it"
		return v, nil
	}
	if err != nil {
		v.Signature, v.Detail = "invalid", err.Error()
		return v, nil
	}
	// Verified with the key the signature carries; whose key it is comes
	// from its fingerprint, computed here, never from the id the file claims.
	_, pub, err := manifest.ParseSignature(sigName, raw)
	if err == nil {
		_, err = manifest.VerifyBytes(sigName, data, raw, nil)
	}
	if err != nil {
		v.Signature, v.Detail = "invalid", err.Error()
		return v, nil
	}
	v.KeyID = manifest.KeyID(pub)
	owner, registered := "", false
	if p.opt.Keys != nil {
		owner, registered = p.opt.Keys.Owner(v.KeyID)
	}
	switch {
	case registered && p.opt.Keys.Owns(run.Vendor, v.KeyID):
		v.Signature, v.Detail = "trusted", "signature valid, by key "+v.KeyID+", registered for "+owner
	case registered:
		v.Signature, v.Detail = "valid", "signature valid, but by key "+v.KeyID+", which is registered to "+owner+", not to "+run.Vendor
	default:
		v.Signature, v.Detail = "valid", "signature valid, by key "+v.KeyID+", which is not registered for "+run.Vendor+": it proves integrity, not who signed"
	}
	return v, nil
}
