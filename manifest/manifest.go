// Package manifest makes a run's reports tamper-evident: a manifest lists the
// SHA-256 of every report file, of the suites and FHIR definitions the run
// used, and the tool version; an Ed25519 signature over the manifest lets a
// buyer check that a supplier's self-certification is what the supplier's key
// signed and has not been edited since.
package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

// SchemaVersion identifies the manifest format.
const SchemaVersion = "carecert.manifest/v1"

// FileName is the manifest's name in a vendor's report folder.
const FileName = "manifest.json"

// Manifest is what a run wrote and what it was judged with.
type Manifest struct {
	Schema   string       `json:"schema"`
	Tool     model.Tool   `json:"tool"`
	Vendor   model.Vendor `json:"vendor"`
	Plan     string       `json:"plan"`
	AsOf     string       `json:"as_of,omitempty"`
	Finished string       `json:"finished_at"`
	Decision string       `json:"decision"`
	// Files are the report files, by path relative to the manifest's folder.
	Files []File `json:"files"`
	// Suites are the suites the run used, hashed as their files read.
	Suites []Suite `json:"suites"`
	// Definitions are the embedded FHIR definitions, hashed as embedded.
	Definitions []File `json:"definitions"`
	// Guides are the implementation guides the run loaded, hashed as found
	// when the manifest was written.
	Guides []Guide `json:"guides,omitempty"`
	// Evidence are the evidence files of the report's attested manual
	// requirements, as attestations/SUITE/REQUIREMENT/NAME: kept in the
	// assessment history, not in the folder, so Check does not look for them.
	Evidence []File `json:"evidence,omitempty"`
}

// Guide is a hashed implementation guide: a package file, or a folder hashed
// as the sorted list of its files' relative paths and SHA-256s.
type Guide struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	// Files counts the files of a folder (0 for a package file).
	Files int `json:"files,omitempty"`
	// Error says why the guide could not be hashed.
	Error string `json:"error,omitempty"`
}

// File is a hashed file.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size,omitempty"`
}

// Suite is a hashed suite.
type Suite struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Source  string `json:"source"`
	SHA256  string `json:"sha256,omitempty"`
	// Error says why the suite's file could not be hashed.
	Error string `json:"error,omitempty"`
}

// HashFile returns the SHA-256 (hex) and size of a file.
func HashFile(path string) (string, int64, error) {
	f, err := openRegular(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// HashBytes returns the SHA-256 (hex) of bytes already read, as HashFile
// gives it for a file holding them.
func HashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Build hashes the named files (relative to dir) and the run's suites and
// definitions.
func Build(dir string, files []string, rep *model.Report) (*Manifest, error) {
	m := &Manifest{
		Schema: SchemaVersion, Tool: rep.Tool, Vendor: rep.Vendor, Plan: rep.Plan, AsOf: rep.AsOf,
		Finished: rep.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"), Decision: string(rep.Verdict.Decision),
		Files: []File{}, Suites: []Suite{}, Definitions: []File{},
	}
	sorted := append([]string{}, files...)
	sort.Strings(sorted)
	for _, name := range sorted {
		sum, size, err := HashFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		m.Files = append(m.Files, File{Path: filepath.ToSlash(name), SHA256: sum, Size: size})
	}
	for _, s := range rep.Suites {
		entry := Suite{ID: s.ID, Version: s.Version, Source: s.Source}
		var data []byte
		var err error
		if id, ok := strings.CutPrefix(s.Source, "builtin:"); ok {
			data, err = suites.BuiltinSource(id)
		} else {
			data, err = os.ReadFile(s.Source)
		}
		if err != nil {
			entry.Error = err.Error()
		} else {
			entry.SHA256 = HashBytes(data)
		}
		m.Suites = append(m.Suites, entry)
	}
	for _, name := range r4core.Names() {
		sum, err := r4core.Digest(name)
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		m.Definitions = append(m.Definitions, File{Path: "fhir-r4core/" + r4core.FileName(name), SHA256: sum})
	}
	for _, path := range rep.Guides {
		m.Guides = append(m.Guides, HashGuide(path))
	}
	for _, a := range rep.Attested() {
		m.Evidence = append(m.Evidence, File{Path: "attestations/" + a.Suite + "/" + a.Requirement + "/" + a.Evidence, SHA256: a.EvidenceSHA256})
	}
	return m, nil
}

// HashGuide hashes an implementation guide. A folder's digest covers every
// file below it, by path relative to the folder, so renaming, adding or
// changing any file changes it; an unreadable guide is an entry with Error,
// not a failure: the reports are already written.
func HashGuide(path string) Guide {
	g := Guide{Path: filepath.ToSlash(path)}
	info, err := os.Stat(path)
	if err != nil {
		g.Error = err.Error()
		return g
	}
	if !info.IsDir() {
		sum, _, err := HashFile(path)
		if err != nil {
			g.Error = err.Error()
		} else {
			g.SHA256 = sum
		}
		return g
	}
	var lines []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		sum, _, err := HashFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(path, p)
		if err != nil {
			return err
		}
		lines = append(lines, filepath.ToSlash(rel)+"\x00"+sum+"\n")
		return nil
	})
	if err != nil {
		g.Error = err.Error()
		return g
	}
	sort.Strings(lines)
	g.SHA256 = HashBytes([]byte(strings.Join(lines, "")))
	g.Files = len(lines)
	return g
}

// checkGuides compares the guides the run loaded with the same paths now:
// a guide changed since the run means a re-run could judge differently.
func (m *Manifest) checkGuides() []Problem {
	var out []Problem
	for _, g := range m.Guides {
		if g.SHA256 == "" {
			continue
		}
		now := HashGuide(filepath.FromSlash(g.Path))
		switch {
		case now.Error != "":
			out = append(out, Problem{g.Path, "the guide the run loaded cannot be read here: " + now.Error})
		case now.SHA256 != g.SHA256:
			out = append(out, Problem{g.Path, "the guide differs from the one the run loaded"})
		}
	}
	return out
}

// Marshal encodes a manifest as written: indented, ending with a newline.
func (m *Manifest) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Read reads a manifest file.
func Read(path string) (*Manifest, []byte, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, nil, fmt.Errorf("manifest %w", err)
	}
	m, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return m, data, nil
}

// Parse decodes a manifest's bytes; name says where they came from, for
// errors.
func Parse(name string, data []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", name, err)
	}
	if m.Schema != SchemaVersion {
		return nil, fmt.Errorf("manifest %s: schema %q is not %q", name, m.Schema, SchemaVersion)
	}
	return &m, nil
}

// Problem is one way a folder does not match its manifest.
type Problem struct {
	Path string
	What string
}

func (p Problem) String() string { return p.Path + ": " + p.What }

// Check compares the files in dir with the manifest's hashes, and the suites
// and definitions this carecert has with the ones the run used (a built-in
// suite or definition that differs means the run was made with another build).
func (m *Manifest) Check(dir string) []Problem {
	return m.check(func(path string) (string, error) {
		sum, _, err := HashFile(filepath.Join(dir, filepath.FromSlash(path)))
		return sum, err
	})
}

// CheckHashes is Check for files that are not on disk (an upload): sums maps
// each file's path, relative to the manifest and with forward slashes, to its
// SHA-256 in hex.
func (m *Manifest) CheckHashes(sums map[string]string) []Problem {
	return m.check(func(path string) (string, error) {
		sum, ok := sums[path]
		if !ok {
			return "", os.ErrNotExist
		}
		return sum, nil
	})
}

func (m *Manifest) check(hash func(path string) (string, error)) []Problem {
	var out []Problem
	for _, f := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
			out = append(out, Problem{f.Path, "refuses a path outside the manifest's folder"})
			continue
		}
		sum, err := hash(f.Path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			out = append(out, Problem{f.Path, "missing"})
		case err != nil:
			out = append(out, Problem{f.Path, err.Error()})
		case sum != f.SHA256:
			out = append(out, Problem{f.Path, fmt.Sprintf("changed: SHA-256 is %s, the manifest says %s", sum, f.SHA256)})
		}
	}
	return out
}

// CheckInputs compares the suites and definitions the run used with those of
// this build, and its guides with the same paths now; differences are notes
// for the reader, not tampering.
func (m *Manifest) CheckInputs() []Problem {
	var out []Problem
	for _, s := range m.Suites {
		id, builtin := strings.CutPrefix(s.Source, "builtin:")
		if !builtin || s.SHA256 == "" {
			continue
		}
		data, err := suites.BuiltinSource(id)
		switch {
		case err != nil:
			out = append(out, Problem{s.Source, "this carecert has no such built-in suite"})
		case HashBytes(data) != s.SHA256:
			out = append(out, Problem{s.Source, "this carecert's built-in suite differs from the one the run used"})
		}
	}
	for _, d := range m.Definitions {
		file := strings.TrimPrefix(d.Path, "fhir-r4core/")
		name, ok := strings.CutSuffix(file, ".gz")
		if !ok {
			name = strings.TrimSuffix(file, ".zip") + ".json"
		}
		sum, err := r4core.Digest(name)
		if err != nil || sum != d.SHA256 {
			out = append(out, Problem{d.Path, "this carecert's FHIR definitions differ from the ones the run used"})
		}
	}
	return append(out, m.checkGuides()...)
}
