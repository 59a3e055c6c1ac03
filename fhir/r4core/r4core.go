// Package r4core embeds the FHIR R4 (4.0.1) core definitions: the official JSON
// schema and the definition bundles (StructureDefinitions, ValueSets,
// CodeSystems, ConceptMaps, SearchParameters), gzip-compressed. Nothing is
// decompressed until a caller asks for a file, so start-up stays fast.
// Attribution is in NOTICE.md beside this file.
package r4core

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

//go:embed data/*.gz data/version.info
var data embed.FS

// Version is the FHIR version of the embedded definitions.
const Version = "4.0.1"

// The names of the embedded files, without the .gz suffix.
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
		if n, ok := strings.CutSuffix(e.Name(), ".gz"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Open returns a reader over the decompressed content of an embedded file.
func Open(name string) (io.ReadCloser, error) {
	f, err := data.Open("data/" + name + ".gz")
	if err != nil {
		return nil, fmt.Errorf("r4core: no embedded file %q (have %s)", name, strings.Join(Names(), ", "))
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("r4core: %s: %w", name, err)
	}
	return readCloser{zr, f}, nil
}

// ReadFile returns the decompressed content of an embedded file.
func ReadFile(name string) ([]byte, error) {
	rc, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		return nil, fmt.Errorf("r4core: %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// VersionInfo returns the version.info file of the embedded build.
func VersionInfo() string {
	b, _ := data.ReadFile("data/version.info")
	return string(b)
}

type readCloser struct {
	io.Reader
	f io.Closer
}

func (r readCloser) Close() error { return r.f.Close() }

// Digest returns the SHA-256 (hex) of an embedded file (named as for Open)
// exactly as embedded, compressed, so that a run's manifest can name the
// definitions it used without decompressing them.
func Digest(name string) (string, error) {
	b, err := data.ReadFile("data/" + name + ".gz")
	if err != nil {
		return "", fmt.Errorf("r4core: no embedded file %q", name)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
