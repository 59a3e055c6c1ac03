// Package definitions is carecert's registry of FHIR conformance resources: the
// StructureDefinitions, ValueSets, CodeSystems and SearchParameters of the embedded FHIR R4 core
// (fhir/r4core, read lazily on first use so start-up stays fast) and of the
// implementation guides a run loads (folders or npm-style package .tgz files,
// JSON or XML), indexed by canonical URL and version. It also generates the
// snapshot of differential-only profiles. A Registry is built once per run and
// is safe for concurrent use.
package definitions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir/pkgcache"
	"github.com/carecert/carecert/fhir/r4core"
)

// CoreBase is the canonical URL prefix of FHIR core StructureDefinitions.
const CoreBase = "http://hl7.org/fhir/StructureDefinition/"

// XMLDecoder converts a FHIR XML resource into the JSON model (map[string]any
// with numbers as json.Number), as fhir/fhirxml does.
type XMLDecoder func(data []byte) (map[string]any, error)

// Options configure a Registry.
type Options struct {
	// IGs are implementation guides to load: folders of conformance resources
	// or package .tgz files.
	IGs []string
	// XML converts FHIR XML files found in IGs; without it they are an error.
	XML XMLDecoder
	// NoCore leaves out the embedded R4 core (for tests of IG loading alone).
	NoCore bool
	// Parent, when set, is consulted for anything this registry lacks, and
	// supplies the core instead of reading it again: a run that validates
	// against different guides side by side shares one parsed core.
	Parent *Registry
}

// Package is an implementation guide the registry loaded.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Dependencies are the packages it depends on, name to version, as its
	// package.json says (a folder has none).
	Dependencies map[string]string `json:"dependencies,omitempty"`
	// Path is where it was loaded from.
	Path string `json:"path"`
	// Resources counts the conformance resources it added.
	Resources int `json:"resources"`
	// Problems lists files of the guide that could not be read (each
	// naming the file, line and why); the rest of the guide is still used.
	Problems []string `json:"problems,omitempty"`
}

// Entry is one conformance resource known to the registry.
type Entry struct {
	ResourceType string
	URL          string
	Version      string
	Name         string
	// BaseDefinition is a guide's StructureDefinition's base, kept from
	// indexing so that what derives from a definition is found without
	// decoding every definition (DerivesFrom); "" for core entries.
	BaseDefinition string
	// Source says where it came from: "FHIR R4 core" or a file path.
	Source string
	// raw is a guide's resource as read; a core resource is decompressed
	// from core each time it is decoded instead, so that only its decoded
	// form stays in memory.
	raw  json.RawMessage
	core *r4core.Resource

	sdOnce sync.Once
	sd     *StructureDefinition
	sdErr  error

	mapOnce sync.Once
	m       map[string]any
	mapErr  error

	spOnce sync.Once
	sp     *SearchParameter
	spErr  error
}

// Registry indexes conformance resources by canonical URL.
type Registry struct {
	opts     Options
	packages []Package

	mu    sync.RWMutex // guards byURL while the lazy core is merged in
	byURL map[string][]*Entry

	coreSDOnce sync.Once
	coreSDErr  error
	coreTxOnce sync.Once
	coreTxErr  error
	coreSPOnce sync.Once
	coreSPErr  error
	// slim holds the core StructureDefinitions as structureDefinition
	// decodes them (core.zip).
	slim *r4core.Derived

	oidOnce sync.Once
	oids    map[string][]string // CodeSystem identifier urn:oid: value → URLs

	// globals maps a resource type to the profiles implementation guides
	// declare global for it (ImplementationGuide.global).
	globals map[string][]string
	// canonicals maps a package id to its canonical base, as the guides'
	// ImplementationGuide.dependsOn name it (packageId, uri).
	canonicals map[string]string
	// own maps the package id of each loaded guide to its canonical base,
	// as its own ImplementationGuide.url says it: what a package says of
	// itself wins over what a guide depending on it says.
	own map[string]string
}

// New builds a registry: the IGs are read now (their errors are returned);
// the core is read on first use.
func New(opts Options) (*Registry, error) {
	r := &Registry{opts: opts, byURL: map[string][]*Entry{}, globals: map[string][]string{}, canonicals: map[string]string{}, own: map[string]string{}, slim: r4core.NewDerived(coreArchive)}
	for _, p := range opts.IGs {
		pkg, err := r.loadIG(p)
		if err != nil {
			return nil, fmt.Errorf("implementation guide %s: %w", p, err)
		}
		r.ownCanonical(p)
		r.packages = append(r.packages, pkg)
	}
	// Expand every guide's profiles now, in one goroutine: later lookups only
	// read. A profile that cannot be expanded keeps its error for its users.
	for _, url := range r.URLs("StructureDefinition") {
		if e, ok := r.find(url, ""); ok {
			r.structureDefinition(e, nil) //nolint:errcheck // the error stays on the entry
		}
	}
	return r, nil
}

// Packages lists the implementation guides loaded, in load order.
func (r *Registry) Packages() []Package { return append([]Package(nil), r.packages...) }

// coreSD loads the embedded StructureDefinitions once.
func (r *Registry) coreSD() error {
	if r.opts.NoCore || r.opts.Parent != nil {
		return nil
	}
	r.coreSDOnce.Do(func() {
		r.coreSDErr = r.loadCore(r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs)
	})
	return r.coreSDErr
}

// coreTx loads the embedded ValueSets and CodeSystems once.
func (r *Registry) coreTx() error {
	if r.opts.NoCore || r.opts.Parent != nil {
		return nil
	}
	r.coreTxOnce.Do(func() {
		r.coreTxErr = r.loadCore(r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables)
	})
	return r.coreTxErr
}

// header is what indexing reads of each resource.
type header struct {
	ResourceType   string `json:"resourceType"`
	URL            string `json:"url"`
	Version        string `json:"version"`
	Name           string `json:"name"`
	BaseDefinition string `json:"baseDefinition"`
}

// loadCore indexes the core resources of files from their archive indexes;
// nothing is decompressed until a resource is decoded.
func (r *Registry) loadCore(files ...string) error {
	var entries []*Entry
	for _, name := range files {
		resources, err := r4core.Resources(name)
		if err != nil {
			return err
		}
		source := "FHIR R4 core (" + name + ")"
		for i := range resources {
			h := &resources[i]
			if h.URL == "" || !conformanceTypes[h.ResourceType] {
				continue
			}
			entries = append(entries, &Entry{ResourceType: h.ResourceType, URL: h.URL, Version: h.Version, Name: h.Name, Source: source, core: h})
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		// Core comes first: a guide that republishes a core URL wins.
		r.byURL[e.URL] = append([]*Entry{e}, r.byURL[e.URL]...)
	}
	return nil
}

// conformanceTypes are the resource types the registry indexes. Questionnaires
// and Measures are kept (raw, decoded on first use) so that responses and
// reports can be checked against the Questionnaire or Measure they name, and
// Libraries so that a Measure's CQL criteria can be checked against them;
// OperationDefinitions so that an operation's base chain can be followed.
var conformanceTypes = map[string]bool{
	"StructureDefinition": true, "ValueSet": true, "CodeSystem": true, "SearchParameter": true, "Questionnaire": true, "Measure": true,
	"Library": true, "OperationDefinition": true,
}

func (r *Registry) add(e *Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byURL[e.URL] = append(r.byURL[e.URL], e)
}

// SplitCanonical splits "url|version" into its parts.
func SplitCanonical(canonical string) (url, version string) {
	url, version, _ = strings.Cut(canonical, "|")
	return url, version
}

// Lookup finds the entry for a canonical URL ("url" or "url|version"). Without
// a version the last one loaded wins.
func (r *Registry) Lookup(canonical string) (*Entry, bool) {
	url, version := SplitCanonical(canonical)
	if e, ok := r.find(url, version); ok {
		return e, true
	}
	// The core search parameters all live under one prefix, and nothing else
	// does: looking one up reads neither the core profiles nor terminology.
	loads := []func() error{r.coreSD, r.coreTx}
	if strings.HasPrefix(url, CoreSearchParameterBase) {
		loads = []func() error{r.coreSP}
	}
	for _, load := range loads {
		if err := load(); err == nil {
			if e, ok := r.find(url, version); ok {
				return e, true
			}
		}
	}
	if r.opts.Parent != nil {
		return r.opts.Parent.Lookup(canonical)
	}
	return nil, false
}

// MatchesVersion reports whether a definition of version has the version
// a canonical asks for: any, when it asks none; otherwise that version, or
// one it abbreviates by leaving out later dotted parts (1.0 for 1.0.2).
func MatchesVersion(version, asked string) bool {
	return asked == "" || version == asked || strings.HasPrefix(version, asked+".")
}

func (r *Registry) find(url, version string) (*Entry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	es := r.byURL[url]
	for i := len(es) - 1; i >= 0; i-- {
		if MatchesVersion(es[i].Version, version) {
			return es[i], true
		}
	}
	return nil, false
}

// Versions lists the versions of the definitions held under a canonical
// URL (without |version), here and in the parent, each once and "" for a
// definition without one: more than one means a canonical that names no
// version may be read as any of them.
func (r *Registry) Versions(url string) []string {
	if _, ok := r.Lookup(url); !ok {
		return nil
	}
	r.mu.RLock()
	var out []string
	for _, e := range r.byURL[url] {
		if !slices.Contains(out, e.Version) {
			out = append(out, e.Version)
		}
	}
	r.mu.RUnlock()
	if r.opts.Parent != nil {
		for _, v := range r.opts.Parent.Versions(url) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// DerivesFrom reports whether a StructureDefinition of a guide (or one
// added beside the data), here or in the parent, names url (with or
// without a |version) as its base. The core's definitions are not asked:
// none derives from a guide's.
func (r *Registry) DerivesFrom(url string) bool {
	r.mu.RLock()
	for _, es := range r.byURL {
		for _, e := range es {
			if e.BaseDefinition == url || strings.HasPrefix(e.BaseDefinition, url+"|") {
				r.mu.RUnlock()
				return true
			}
		}
	}
	r.mu.RUnlock()
	return r.opts.Parent != nil && r.opts.Parent.DerivesFrom(url)
}

// CoreError reports a failure to read the embedded core, if any happened.
func (r *Registry) CoreError() error {
	if err := r.coreSD(); err != nil {
		return err
	}
	if err := r.coreTx(); err != nil {
		return err
	}
	return r.coreSP()
}

// StructureDefinition returns the StructureDefinition for a canonical URL with
// its snapshot, generating the snapshot when the definition has only a
// differential. A definition that cannot be expanded returns an error naming
// the element and why.
func (r *Registry) StructureDefinition(canonical string) (*StructureDefinition, error) {
	e, ok := r.Lookup(canonical)
	if !ok {
		return nil, &NotFoundError{Canonical: canonical}
	}
	if e.ResourceType != "StructureDefinition" {
		return nil, fmt.Errorf("%s is a %s, not a StructureDefinition", canonical, e.ResourceType)
	}
	return r.structureDefinition(e, nil)
}

// NotFoundError is a canonical URL the registry does not know.
type NotFoundError struct{ Canonical string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("unknown definition %s (not in FHIR R4 core or any loaded implementation guide)", e.Canonical)
}

// BaseType returns the core StructureDefinition of a type ("Patient", "Quantity").
func (r *Registry) BaseType(typ string) (*StructureDefinition, error) {
	if strings.Contains(typ, "/") {
		return r.StructureDefinition(typ)
	}
	return r.StructureDefinition(CoreBase + typ)
}

// IsResourceType reports whether typ names a resource type (a StructureDefinition
// of kind resource that specializes, under the core URL of its type): Patient,
// Resource, not vitalsigns or HumanName. A core type is answered from the
// archive's index without decoding its definition, which validating one file
// would otherwise do for every type its references may target.
func (r *Registry) IsResourceType(typ string) bool {
	if typ == "" || strings.Contains(typ, "/") {
		return false
	}
	e, ok := r.Lookup(CoreBase + typ)
	if !ok || e.ResourceType != "StructureDefinition" {
		return false
	}
	if e.core != nil {
		return e.core.Kind == "resource" && e.core.Derivation != "constraint" && e.core.Type == typ
	}
	sd, err := r.structureDefinition(e, nil)
	return err == nil && sd.Kind == "resource" && sd.Derivation != "constraint" && sd.Type == typ
}

// structureDefinition decodes (and expands, once) the definition of e. expanding
// lists the definitions whose expansion is waiting on this one, in this
// goroutine: meeting one of them again is a cycle, reported instead of waiting
// on its sync.Once forever.
func (r *Registry) structureDefinition(e *Entry, expanding []*Entry) (*StructureDefinition, error) {
	if slices.Contains(expanding, e) {
		return nil, fmt.Errorf("%s refers back to itself through %s", e.URL, expanding[len(expanding)-1].URL)
	}
	e.sdOnce.Do(func() {
		raw, err := r.definitionBytes(e)
		var sd *StructureDefinition
		if err == nil {
			sd, err = decodeStructureDefinition(raw)
		}
		if err != nil {
			e.sdErr = fmt.Errorf("StructureDefinition %s (%s): %w", e.URL, e.Source, err)
			return
		}
		if sd.Snapshot == nil || len(sd.Snapshot.Element) == 0 {
			if err := r.generateSnapshot(sd, append(expanding, e)); err != nil {
				e.sdErr = err
				return
			}
		}
		e.sd = sd
	})
	return e.sd, e.sdErr
}

// bytes returns the entry's JSON: a guide's as read, a core one decompressed
// anew (the caller decodes it once and keeps only the decoded form).
func (e *Entry) bytes() ([]byte, error) {
	if e.core != nil {
		return e.core.Bytes()
	}
	return e.raw, nil
}

// definitionBytes returns what a StructureDefinition is decoded from: a
// core one's slim form when core.zip has it, else its JSON.
func (r *Registry) definitionBytes(e *Entry) ([]byte, error) {
	if e.core != nil {
		if raw, ok, err := r.slim.Bytes(e.core); ok || err != nil {
			return raw, err
		}
	}
	return e.bytes()
}

// Resource returns a conformance resource (ValueSet, CodeSystem, ...) in the
// JSON model.
func (r *Registry) Resource(canonical string) (map[string]any, error) {
	e, ok := r.Lookup(canonical)
	if !ok {
		return nil, &NotFoundError{Canonical: canonical}
	}
	e.mapOnce.Do(func() {
		raw, err := e.bytes()
		if err == nil {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			err = dec.Decode(&e.m)
		}
		if e.mapErr = err; e.mapErr != nil {
			e.mapErr = fmt.Errorf("%s (%s): %w", e.URL, e.Source, e.mapErr)
		}
	})
	return e.m, e.mapErr
}

// URLs lists the canonical URLs of loaded entries of a resource type that came
// from implementation guides (not the core), sorted.
func (r *Registry) URLs(resourceType string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for url, es := range r.byURL {
		for _, e := range es {
			if e.ResourceType == resourceType && !strings.HasPrefix(e.Source, "FHIR R4 core") {
				out = append(out, url)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Add registers one conformance resource given in the JSON model (a profile
// in a test, a resource found beside the data). source names where it came from.
func (r *Registry) Add(res map[string]any, source string) error {
	raw, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	return r.addRaw(raw, source)
}

// GlobalProfiles lists the profiles loaded guides declare global for a
// resource type: every resource of the type must conform to them.
func (r *Registry) GlobalProfiles(typ string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := append([]string(nil), r.globals[typ]...)
	if r.opts.Parent != nil {
		out = append(out, r.opts.Parent.GlobalProfiles(typ)...)
	}
	return out
}

func (r *Registry) addRaw(raw []byte, source string) error {
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if h.ResourceType == "ImplementationGuide" {
		var ig struct {
			PackageID string `json:"packageId"`
			Global    []struct {
				Type    string `json:"type"`
				Profile string `json:"profile"`
			} `json:"global"`
			DependsOn []struct {
				URI       string `json:"uri"`
				PackageID string `json:"packageId"`
			} `json:"dependsOn"`
		}
		if err := json.Unmarshal(raw, &ig); err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		r.mu.Lock()
		if base, _, ok := strings.Cut(h.URL, "/ImplementationGuide/"); ok && ig.PackageID != "" {
			r.own[ig.PackageID] = base
		}
		for _, g := range ig.Global {
			r.globals[g.Type] = append(r.globals[g.Type], g.Profile)
		}
		for _, d := range ig.DependsOn {
			if base, _, ok := strings.Cut(d.URI, "/ImplementationGuide/"); ok && d.PackageID != "" {
				r.canonicals[d.PackageID] = base
			}
		}
		r.mu.Unlock()
		return nil
	}
	if !conformanceTypes[h.ResourceType] {
		return nil
	}
	if h.URL == "" && (h.ResourceType == "Questionnaire" || h.ResourceType == "Measure") {
		return nil // no response can name it: nothing to index
	}
	if h.URL == "" {
		return fmt.Errorf("%s: %s has no url", source, h.ResourceType)
	}
	r.add(&Entry{ResourceType: h.ResourceType, URL: h.URL, Version: h.Version, Name: h.Name, BaseDefinition: h.BaseDefinition, Source: source, raw: raw})
	return nil
}

// ownCanonical records the canonical base of the package loaded from path
// p when its own ImplementationGuide did not give it: its package.json's
// canonical, or else the one base all its definitions' URLs share (before
// /<Type>/<id>). So a package loaded without its guide (at another version
// than a guide asks) still has its definitions told from a supplier's typo
// elsewhere; one whose definitions span several bases, or with no
// package.json naming it, keeps none. (A package.json's url is the guide's
// published page, not its canonical.)
func (r *Registry) ownCanonical(p string) {
	m, err := pkgcache.ReadManifest(p)
	if err != nil || m.Name == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.own[m.Name]; ok {
		return
	}
	if m.Canonical != "" {
		r.own[m.Name] = strings.TrimSuffix(m.Canonical, "/")
		return
	}
	base := ""
	for _, entries := range r.byURL {
		for _, e := range entries {
			if !loadedFrom(e.Source, p) {
				continue
			}
			b, _, ok := strings.Cut(e.URL, "/"+e.ResourceType+"/")
			if !ok || base != "" && b != base {
				return
			}
			base = b
		}
	}
	if base != "" {
		r.own[m.Name] = base
	}
}

// loadedFrom reports whether a definition's source (a file, an archive's
// "path!entry", a Bundle's "file#entry[i]") was read from the guide at p.
func loadedFrom(source, p string) bool {
	return source == p || strings.HasPrefix(source, p+"!") || strings.HasPrefix(source, p+string(filepath.Separator)) || strings.HasPrefix(source, p+"#")
}

// PackageOf returns the loaded guide a definition comes from.
func (r *Registry) PackageOf(canonical string) (Package, bool) {
	e, ok := r.Lookup(canonical)
	if !ok {
		return Package{}, false
	}
	for _, p := range r.packages {
		if loadedFrom(e.Source, p.Path) {
			return p, true
		}
	}
	return Package{}, false
}

// Canonical returns the canonical base of a package (http://hl7.org/fhir/uv/ipa
// for hl7.fhir.uv.ipa): a loaded package's own ImplementationGuide.url, or
// else as a loaded guide's ImplementationGuide.dependsOn names it; "" when
// neither does.
func (r *Registry) Canonical(packageID string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if base, ok := r.own[packageID]; ok {
		return base
	}
	return r.canonicals[packageID]
}

// GuideCanonicals returns the canonical bases the loaded guides give
// themselves (their ImplementationGuide.url), sorted.
func (r *Registry) GuideCanonicals() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.own))
	for _, base := range r.own {
		out = append(out, base)
	}
	sort.Strings(out)
	return out
}
