// Package runindex writes run.json, the index of an output folder: which run
// last wrote there, whether it finished, and which files are that run's. A
// folder reused across runs keeps older vendors' reports and comparisons; an
// interrupted run must never let them pass for its own.
package runindex

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

// FileName is the index's name in the output folder.
const FileName = "run.json"

// States of a run as the index records them.
const (
	Running    = "running"    // started; nothing, or not everything, written yet
	Complete   = "complete"   // every vendor's reports written, none interrupted
	Incomplete = "incomplete" // interrupted, or some reports marked incomplete
)

// Index is run.json.
type Index struct {
	// Run identifies the run; it changes every run.
	Run        string     `json:"run"`
	Plan       string     `json:"plan,omitempty"`
	Tool       string     `json:"tool,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	State      string     `json:"state"`
	// Vendors are the vendor folders this run wrote, each bound to its files
	// by the hashes of its report and manifest (the manifest hashes the rest).
	Vendors []Vendor `json:"vendors"`
	// Files are this run's files at the top of the folder (comparisons).
	Files []string `json:"files"`
	// NotThisRun lists what the folder holds from earlier runs: vendor
	// folders and comparisons this run did not write.
	NotThisRun []string `json:"not_this_run,omitempty"`

	dir string
}

// Vendor is one vendor folder written by the run.
type Vendor struct {
	Name           string `json:"name"`
	Folder         string `json:"folder"`
	Verdict        string `json:"verdict"`
	Complete       bool   `json:"complete"`
	ReportSHA256   string `json:"report_sha256"`
	ManifestSHA256 string `json:"manifest_sha256"`
}

// Start writes a new index in dir saying a run has started and written
// nothing yet, replacing the last run's: from now on nothing in dir counts
// as this run's until the index names it.
func Start(dir, plan, tool string) (*Index, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("run index: %w", err)
	}
	now := time.Now().UTC()
	x := &Index{Run: now.Format("20060102T150405Z") + "-" + hex.EncodeToString(id[:]), Plan: plan, Tool: tool,
		StartedAt: now, State: Running, Vendors: []Vendor{}, Files: []string{}, dir: dir}
	return x, x.write()
}

// AddVendor records a vendor folder (relative to the index's folder) once its
// report files and manifest are written.
func (x *Index) AddVendor(folder string, rep *model.Report, reportFile string) error {
	v := Vendor{Name: rep.Vendor.Name, Folder: folder, Verdict: string(rep.Verdict.Decision), Complete: rep.Complete}
	var err error
	if v.ReportSHA256, _, err = manifest.HashFile(filepath.Join(x.dir, folder, reportFile)); err != nil {
		return fmt.Errorf("run index: %w", err)
	}
	if v.ManifestSHA256, _, err = manifest.HashFile(filepath.Join(x.dir, folder, manifest.FileName)); err != nil {
		return fmt.Errorf("run index: %w", err)
	}
	x.Vendors = append(x.Vendors, v)
	return x.write()
}

// AddFile records a file the run wrote at the top of the folder.
func (x *Index) AddFile(name string) { x.Files = append(x.Files, name) }

// Finish records the end of the run and lists what in the folder is not its.
func (x *Index) Finish(complete bool) error {
	now := time.Now().UTC()
	x.FinishedAt = &now
	x.State = Complete
	for _, v := range x.Vendors {
		complete = complete && v.Complete
	}
	if !complete {
		x.State = Incomplete
	}
	// A folder that cannot be listed is an error, not a folder holding
	// nothing: an index claiming no strangers would vouch for what it never saw.
	strangers, err := x.strangers()
	if err != nil {
		return err
	}
	x.NotThisRun = strangers
	return x.write()
}

// strangers are the entries of the folder that look like carecert output
// (a folder with a report.json, a comparison) but are not this run's.
func (x *Index) strangers() ([]string, error) {
	entries, err := os.ReadDir(x.dir)
	if err != nil {
		return nil, fmt.Errorf("run index: listing the output folder %s: %w", x.dir, err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(x.dir, name, model.ReportFile)); err == nil &&
				!slices.ContainsFunc(x.Vendors, func(v Vendor) bool { return v.Folder == name }) {
				out = append(out, name+"/")
			}
			continue
		}
		// Shard parts are left out: they are a merge's input, not its output.
		if !slices.Contains(x.Files, name) && strings.HasPrefix(name, "comparison.") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (x *Index) write() error {
	data, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return fmt.Errorf("run index: %w", err)
	}
	return reports.WriteFileAtomic(filepath.Join(x.dir, FileName), append(data, '\n'))
}

// Read reads the index of an output folder.
func Read(dir string) (*Index, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("run index: %w", err)
	}
	var x Index
	if err := json.Unmarshal(data, &x); err != nil {
		return nil, fmt.Errorf("run index %s: %w", filepath.Join(dir, FileName), err)
	}
	x.dir = dir
	return &x, nil
}
