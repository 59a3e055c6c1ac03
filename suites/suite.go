// Package suites defines carecert's conformance suites: declarative, versioned
// YAML files whose requirements each carry an id, a level (SHALL, SHOULD, MAY)
// and the check that decides them. Built-in suites are embedded in the binary; a
// user's own suite file is loaded the same way and held to the same rules.
package suites

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/internal/yamlfile"
	"github.com/carecert/carecert/model"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Suite is a named, versioned set of requirements.
type Suite struct {
	ID          string `yaml:"id"`
	Version     string `yaml:"version"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Kinds lists the record kinds the suite is about (fhir, hl7v2, csv); empty
	// means any. `carecert validate` uses it to pick the built-in suites that apply.
	Kinds        []model.Kind  `yaml:"kinds"`
	Requirements []Requirement `yaml:"requirements"`
	// Default marks built-in suites that `carecert validate` runs when the user
	// names none.
	Default bool `yaml:"default"`

	// Source is the file the suite came from ("builtin:ID" for embedded ones).
	Source string `yaml:"-"`
}

// Requirement is one thing a target SHALL, SHOULD or MAY do, and how to check it.
type Requirement struct {
	ID          string         `yaml:"id"`
	Level       model.Level    `yaml:"level"`
	Title       string         `yaml:"title"`
	Description string         `yaml:"description"`
	Check       string         `yaml:"check"`
	Params      map[string]any `yaml:"params"`
	// Kind is "manual" for a requirement an assessor decides (see
	// check.Manual); empty for one a check decides.
	Kind string `yaml:"kind"`
	// Evidence is what a manual requirement's attestation rests on: a
	// witnessed-demonstration, a screenshot or a signed-declaration.
	Evidence string `yaml:"evidence"`
	// Source is the normative text the rule comes from (a specification
	// page's URL and section), carried into reports beside the requirement.
	Source *model.RuleSource `yaml:"source"`

	// At is "file:line" of the requirement, for error messages.
	At string `yaml:"-"`
	// where and paramsAt locate the parameters in the suite file, so a
	// mistyped one is reported at its line and column.
	where    params.Locator
	paramsAt string
}

// Spec returns the check spec of requirement r.
func (r Requirement) Spec() check.Spec {
	return check.Spec{Requirement: r.ID, Type: r.Check, Params: params.Params(r.Params), Source: r.At,
		Where: r.where, ParamsAt: r.paramsAt}
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Parse decodes and validates a suite file's content. name is used in errors.
// When reg is not nil, every check type must be registered in it.
func Parse(name string, data []byte, reg *check.Registry) (*Suite, error) {
	var s Suite
	f, err := yamlfile.Decode(name, data, &s)
	if err != nil {
		return nil, fmt.Errorf("suite %w", err)
	}
	s.Source = name
	if err := s.validate(f, reg); err != nil {
		return nil, fmt.Errorf("suite %w", err)
	}
	return &s, nil
}

func (s *Suite) validate(f *yamlfile.File, reg *check.Registry) error {
	switch {
	case s.ID == "":
		return f.Errorf("$.id", "required: a suite needs an id")
	case !idPattern.MatchString(s.ID):
		return f.Errorf("$.id", "%q is not a valid id (letters, digits, '.', '_' and '-')", s.ID)
	case s.Version == "":
		return f.Errorf("$.version", "required: a suite needs a version")
	case s.Title == "":
		return f.Errorf("$.title", "required: a suite needs a title")
	case len(s.Requirements) == 0:
		return f.Errorf("$.requirements", "required: a suite needs at least one requirement")
	}
	for i, k := range s.Kinds {
		if k != model.KindFHIR && k != model.KindHL7v2 && k != model.KindCSV && k != model.KindExchange {
			return f.Errorf(fmt.Sprintf("$.kinds[%d]", i), "unknown record kind %q (want fhir, hl7v2, csv or exchange)", k)
		}
	}
	seen := map[string]bool{}
	for i := range s.Requirements {
		r := &s.Requirements[i]
		at := fmt.Sprintf("$.requirements[%d]", i)
		line, _ := f.Position(at)
		r.At = fmt.Sprintf("%s:%d", f.Name, line)
		switch {
		case r.ID == "":
			return f.Errorf(at+".id", "required: every requirement needs an id")
		case !idPattern.MatchString(r.ID):
			return f.Errorf(at+".id", "%q is not a valid id", r.ID)
		case seen[r.ID]:
			return f.Errorf(at+".id", "duplicate requirement id %q", r.ID)
		case r.Level == "":
			return f.Errorf(at+".level", "required: SHALL, SHOULD or MAY")
		case !r.Level.Valid():
			return f.Errorf(at+".level", "%q is not a level (want SHALL, SHOULD or MAY)", r.Level)
		case r.Title == "":
			return f.Errorf(at+".title", "required: every requirement needs a title")
		}
		if err := r.validateKind(f, at); err != nil {
			return err
		}
		if err := validateSource(r.Source, f, at+".source"); err != nil {
			return err
		}
		switch {
		case r.Check == "":
			return f.Errorf(at+".check", "required: name the check type that decides the requirement")
		case reg != nil && !reg.Has(r.Check):
			return f.Errorf(at+".check", "unknown check type %q (known: %s)", r.Check, strings.Join(reg.Types(), ", "))
		}
		r.where, r.paramsAt = f, at+".params"
		if reg != nil {
			if err := reg.CheckParams(r.Spec()); err != nil {
				return err
			}
		}
		seen[r.ID] = true
	}
	return nil
}

// validateSource requires a rule's source to name an absolute http(s) URL:
// it is printed in reports as a link a reader follows to the rule.
func validateSource(src *model.RuleSource, f *yamlfile.File, at string) error {
	if src == nil {
		return nil
	}
	if src.URL == "" {
		return f.Errorf(at+".url", "required: the URL of the specification page the rule comes from")
	}
	u, err := url.Parse(src.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(src.URL, " \t\n") {
		return f.Errorf(at+".url", "%q is not an http or https URL", src.URL)
	}
	if strings.TrimSpace(src.Section) != src.Section || strings.Contains(src.Section, "\n") {
		return f.Errorf(at+".section", "%q: a section is one line without surrounding spaces (\"2.10.3 Acknowledgment messages\")", src.Section)
	}
	return nil
}

// ManualKind is the kind of a requirement an assessor decides.
const ManualKind = "manual"

// EvidenceKinds are what a manual requirement's attestation may rest on.
var EvidenceKinds = []string{"witnessed-demonstration", "screenshot", "signed-declaration"}

// validateKind checks a manual requirement (kind, evidence, no check or
// parameters) and gives it the manual check, which runs nothing.
func (r *Requirement) validateKind(f *yamlfile.File, at string) error {
	switch {
	case r.Kind == "" && r.Evidence != "":
		return f.Errorf(at+".evidence", "only a manual requirement has evidence (add kind: manual, or remove evidence)")
	case r.Kind == "" && r.Check == check.Manual:
		return f.Errorf(at+".check", "a requirement an assessor decides is written kind: manual with evidence: %s, and no check", strings.Join(EvidenceKinds, ", "))
	case r.Kind == "":
		return nil
	case r.Kind != ManualKind:
		return f.Errorf(at+".kind", "%q is not a requirement kind (want manual, or no kind for a requirement a check decides)", r.Kind)
	case r.Check != "":
		return f.Errorf(at+".check", "a manual requirement has no check: an assessor decides it with carecert attest")
	case len(r.Params) > 0:
		return f.Errorf(at+".params", "a manual requirement has no check parameters")
	case r.Evidence == "":
		return f.Errorf(at+".evidence", "required for a manual requirement: %s", strings.Join(EvidenceKinds, ", "))
	case !slices.Contains(EvidenceKinds, r.Evidence):
		return f.Errorf(at+".evidence", "%q is not an evidence kind (want %s)", r.Evidence, strings.Join(EvidenceKinds, ", "))
	}
	r.Check = check.Manual
	return nil
}

// Load reads a suite file from disk.
func Load(path string, reg *check.Registry) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", path, err)
	}
	if IsV2Profile(data) || bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")) {
		// XML is read as an HL7 v2 conformance profile, the only XML suite,
		// so that a broken one is told where it breaks.
		return FromV2Profile(path, data, reg)
	}
	return Parse(path, data, reg)
}

// Builtin returns the embedded suite with the given id.
func Builtin(id string, reg *check.Registry) (*Suite, error) {
	data, err := builtinFS.ReadFile("builtin/" + id + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in suite %q (built-in: %s)", id, strings.Join(BuiltinIDs(), ", "))
	}
	return Parse("builtin:"+id, data, reg)
}

// BuiltinIDs lists the embedded suites, sorted.
func BuiltinIDs() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var ids []string
	for _, e := range entries {
		ids = append(ids, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(ids)
	return ids
}

// Resolve loads a suite named by a user: a built-in id, or a path to a suite file
// (relative paths are taken from baseDir).
func Resolve(ref, baseDir string, reg *check.Registry) (*Suite, error) {
	if !IsFile(ref) {
		return Builtin(ref, reg)
	}
	return Load(FilePath(ref, baseDir), reg)
}

// IsFile reports whether a suite reference names a file rather than a built-in.
func IsFile(ref string) bool {
	return strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") || strings.HasSuffix(ref, ".xml")
}

// FilePath resolves a suite file reference against baseDir.
func FilePath(ref, baseDir string) string {
	if filepath.IsAbs(ref) || baseDir == "" {
		return ref
	}
	return filepath.Join(baseDir, ref)
}

// Defaults returns the built-in suites marked default for any of the kinds.
func Defaults(reg *check.Registry, kinds ...model.Kind) ([]*Suite, error) {
	var out []*Suite
	for _, id := range BuiltinIDs() {
		// Parsing all 54 KB of built-in YAML is a fifth of validating one small
		// file; the header lines say which suites can apply.
		if data, err := BuiltinSource(id); err == nil && !builtinHeader(data).applies(kinds) {
			continue
		}
		s, err := Builtin(id, reg)
		if err != nil {
			return nil, err
		}
		if !s.Default {
			continue
		}
		for _, k := range kinds {
			if len(s.Kinds) == 0 || containsKind(s.Kinds, k) {
				out = append(out, s)
				break
			}
		}
	}
	return out, nil
}

// header is what Defaults reads of a built-in suite before parsing it: its
// top-level default and kinds lines, which every built-in suite writes in one
// line each (kinds in flow style). A spec holds it equal to the parsed suite's.
type header struct {
	Default bool
	Kinds   []model.Kind
}

func builtinHeader(data []byte) header {
	var h header
	// Top-level keys start in the first column.
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("default:")); ok {
			h.Default = string(bytes.TrimSpace(v)) == "true"
		}
		if v, ok := bytes.CutPrefix(line, []byte("kinds:")); ok {
			v = bytes.Trim(bytes.TrimSpace(v), "[]")
			for k := range bytes.SplitSeq(v, []byte(",")) {
				if k = bytes.TrimSpace(k); len(k) > 0 {
					h.Kinds = append(h.Kinds, model.Kind(k))
				}
			}
		}
	}
	return h
}

// applies reports whether a default suite of this header is for one of kinds.
func (h header) applies(kinds []model.Kind) bool {
	if !h.Default {
		return false
	}
	for _, k := range kinds {
		if len(h.Kinds) == 0 || containsKind(h.Kinds, k) {
			return true
		}
	}
	return false
}

func containsKind(ks []model.Kind, k model.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// BuiltinSource returns the embedded file of a built-in suite, for manifests
// that record exactly which suite text a run used.
func BuiltinSource(id string) ([]byte, error) {
	data, err := builtinFS.ReadFile("builtin/" + id + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in suite %q", id)
	}
	return data, nil
}
