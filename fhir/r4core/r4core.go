// Package r4core embeds the FHIR R4 (4.0.1) core definitions: the official JSON
// schema, packed as a zip archive with one compressed entry per definition, and
// the definition bundles (StructureDefinitions, ValueSets, CodeSystems,
// ConceptMaps, SearchParameters), each packed as a zip archive with one
// compressed entry per resource and an index. A run
// reads the index and decompresses only the resources it uses, each into a
// buffer of exactly its size: validating one Patient does not decompress the
// 38 MB of every resource definition. Attribution is in NOTICE.md beside this
// file; gen/ builds the archives from the published bundles.
package r4core

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
)

//go:embed data/*.zip data/version.info
var data embed.FS

// Version is the FHIR version of the embedded definitions.
const Version = "4.0.1"

// The names of the embedded files, without the .gz or .zip suffix.
const (
	Schema            = "fhir.schema.json"
	ProfilesTypes     = "profiles-types.json"
	ProfilesResources = "profiles-resources.json"
	ProfilesOthers    = "profiles-others.json"
	ExtensionDefs     = "extension-definitions.json"
	ValueSets         = "valuesets.json"
	V3CodeSystems     = "v3-codesystems.json"
	V2Tables          = "v2-tables.json"
	ConceptMaps       = "conceptmaps.json"
	SearchParameters  = "search-parameters.json"
)

// Names lists the embedded definition files.
func Names() []string {
	entries, _ := fs.ReadDir(data, "data")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".zip"); ok {
			out = append(out, n+".json")
		}
	}
	sort.Strings(out)
	return out
}

// FileName is the name under which a file (named as for Names) is embedded:
// "fhir.schema.zip", "valuesets.zip".
func FileName(name string) string {
	return strings.TrimSuffix(name, ".json") + ".zip"
}

// archived reports whether name is an embedded archive.
func archived(name string) bool {
	_, err := fs.Stat(data, "data/"+strings.TrimSuffix(name, ".json")+".zip")
	return err == nil
}

// Resource is one resource of an embedded bundle, indexed without being
// decompressed.
type Resource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	URL          string `json:"url"`
	Version      string `json:"version"`
	Name         string `json:"name"`
	// Content is a CodeSystem's content ("complete", "fragment", ...).
	Content string `json:"content"`
	// Type is a StructureDefinition's type ("Patient", "Extension").
	Type string `json:"type"`
	// Kind and Derivation are a StructureDefinition's ("resource",
	// "specialization"): enough to tell a resource type from a profile
	// without decompressing the definition.
	Kind       string `json:"kind"`
	Derivation string `json:"derivation"`
	File       string `json:"file"`

	bundle string
	f      *zip.File
}

// Source names the resource for messages: "valuesets.json entry 00012-ValueSet-x".
func (r Resource) Source() string {
	return r.bundle + " " + strings.TrimSuffix(r.File, ".json")
}

// Bytes decompresses the resource's JSON (compact) into a new buffer of
// exactly its size; the caller owns it.
func (r Resource) Bytes() ([]byte, error) {
	if r.f == nil {
		return nil, fmt.Errorf("r4core: %s: not in the archive", r.Source())
	}
	return readEntry(r.f)
}

// ReadEntry decompresses one entry of an embedded archive (r4core's or
// another package's) into a buffer of exactly its size, read from the
// archive's directory, instead of growing one by doubling.
func ReadEntry(f *zip.File) ([]byte, error) { return readEntry(f) }

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("r4core: %s: %w", f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("r4core: %s: %w", f.Name, err)
	}
	return buf, nil
}

// Resources lists the resources of an embedded bundle in bundle order, read
// from the bundle's index: nothing else is decompressed. The index is decoded
// once per process and the list is shared by every caller, as a constant
// would be: callers must not modify its elements (taking &list[i] to keep is
// fine); it has no spare capacity, so an append makes a copy.
func Resources(name string) ([]Resource, error) {
	if index, ok := indexes[name]; ok {
		return index()
	}
	return decodeIndex(name)
}

// indexes decodes each embedded bundle's index on first use. The archives are
// constant data and a Resource is never modified after decoding, so the
// engines, registries and checks of one process (several per run: one per
// suite setting) share one decoded index instead of each decoding its own.
var indexes = func() map[string]func() ([]Resource, error) {
	out := map[string]func() ([]Resource, error){}
	for _, name := range Names() {
		if name != Schema {
			out[name] = sync.OnceValues(func() ([]Resource, error) { return decodeIndex(name) })
		}
	}
	return out
}()

// decodeIndex reads and decodes the index of an embedded bundle.
func decodeIndex(name string) ([]Resource, error) {
	zr, err := openArchive(name)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		byName[f.Name] = f
	}
	ixf := byName["index.json"]
	if ixf == nil {
		return nil, fmt.Errorf("r4core: %s: no index", name)
	}
	raw, err := readEntry(ixf)
	if err != nil {
		return nil, err
	}
	var out []Resource
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("r4core: %s index: %w", name, err)
	}
	for i := range out {
		out[i].bundle = name
		out[i].f = byName[out[i].File]
		if out[i].f == nil {
			return nil, fmt.Errorf("r4core: %s: index names %s, which is missing", name, out[i].File)
		}
	}
	return slices.Clip(out), nil
}

func openArchive(name string) (*zip.Reader, error) {
	f, err := data.Open("data/" + FileName(name))
	if err != nil {
		return nil, fmt.Errorf("r4core: no embedded file %q (have %s)", name, strings.Join(Names(), ", "))
	}
	// Embedded files read at an offset without copying the archive.
	ra, ok := f.(io.ReaderAt)
	info, err := f.Stat()
	if !ok || err != nil {
		return nil, fmt.Errorf("r4core: %s: embedded file cannot be read at an offset", name)
	}
	zr, err := zip.NewReader(ra, info.Size())
	if err != nil {
		return nil, fmt.Errorf("r4core: %s: %w", name, err)
	}
	return zr, nil
}

// SchemaPart is one definition of the JSON schema, decompressed on demand.
type SchemaPart struct{ f *zip.File }

// Bytes decompresses the definition's JSON into a new buffer of exactly its size.
func (p SchemaPart) Bytes() ([]byte, error) { return readEntry(p.f) }

// SchemaParts returns the JSON schema's top-level members other than its
// definitions (a JSON object: $schema, id, oneOf, ...) and its definitions by
// name, none of them decompressed yet.
func SchemaParts() (top []byte, defs map[string]SchemaPart, err error) {
	zr, err := openArchive(Schema)
	if err != nil {
		return nil, nil, err
	}
	defs = make(map[string]SchemaPart, len(zr.File))
	for _, f := range zr.File {
		if n, ok := strings.CutPrefix(f.Name, schemaDefinitions); ok {
			defs[strings.TrimSuffix(n, ".json")] = SchemaPart{f}
			continue
		}
		if f.Name == schemaTop {
			if top, err = readEntry(f); err != nil {
				return nil, nil, err
			}
		}
	}
	if top == nil || len(defs) == 0 {
		return nil, nil, fmt.Errorf("r4core: %s: no %s or no definitions", Schema, schemaTop)
	}
	return top, defs, nil
}

// The entries of the schema's archive: the top-level members, and one per
// definition under the folder.
const (
	schemaTop         = "schema.json"
	schemaDefinitions = "definitions/"
)

// readSchema reassembles the JSON schema, definitions sorted by name.
func readSchema() ([]byte, error) {
	top, defs, err := SchemaParts()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.Write(top[:len(top)-1]) // without its closing brace
	b.WriteString(`,"definitions":{`)
	for i, n := range names {
		raw, err := defs[n].Bytes()
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(n)
		b.Write(key)
		b.WriteByte(':')
		b.Write(raw)
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// ReadFile returns the decompressed content of an embedded file. A bundle
// packed as an archive is reassembled into a Bundle of its resources (in
// order), the schema into one document: that costs every entry's
// decompression, which runs avoid with Resources and SchemaParts; tests and
// generators use it.
func ReadFile(name string) ([]byte, error) {
	if name == Schema {
		return readSchema()
	}
	if !archived(name) {
		return nil, fmt.Errorf("r4core: no embedded file %q (have %s)", name, strings.Join(Names(), ", "))
	}
	res, err := Resources(name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i, r := range res {
		raw, err := r.Bytes()
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"resource":`)
		b.Write(raw)
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// VersionInfo returns the version.info file of the embedded build.
func VersionInfo() string {
	b, _ := data.ReadFile("data/version.info")
	return string(b)
}

// Digest returns the SHA-256 (hex) of an embedded file (named as for Names)
// exactly as embedded, compressed, so that a run's manifest can name the
// definitions it used without decompressing them.
func Digest(name string) (string, error) {
	b, err := data.ReadFile("data/" + FileName(name))
	if err != nil {
		return "", fmt.Errorf("r4core: no embedded file %q", name)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
