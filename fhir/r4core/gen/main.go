// Command gen packs the FHIR R4 core definition bundles into the archives
// embedded by package r4core: one zip per bundle, one deflated entry per
// resource (compact JSON, in bundle order) and an index.json naming each entry's
// resource type, canonical URL, version, name, CodeSystem content and
// StructureDefinition type, kind and derivation, so that a run finds a definition without
// decompressing the others.
//
// Usage: go run ./gen -from DIR   (DIR holds the bundles as NAME.json or NAME.json.gz)
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// bundles are the definition bundles packed; the JSON schema is packed per
// definition by packSchema.
var bundles = []string{
	"profiles-types.json", "profiles-resources.json", "profiles-others.json",
	"extension-definitions.json", "valuesets.json", "v3-codesystems.json",
	"v2-tables.json", "conceptmaps.json", "search-parameters.json",
}

func main() {
	from := flag.String("from", "", "folder of the FHIR R4 definition bundles (NAME.json or NAME.json.gz)")
	out := flag.String("out", "data", "folder the archives are written to")
	flag.Parse()
	if *from == "" {
		fmt.Fprintln(os.Stderr, "gen: -from is required")
		os.Exit(2)
	}
	for _, name := range bundles {
		if err := pack(*from, *out, name); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	if err := packSchema(*from, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// packSchema packs the JSON schema as a zip archive: schema.json holds its
// top-level members but the definitions, and definitions/NAME.json each
// definition (compact JSON), so that validating one resource type
// decompresses the twentieth of the schema it reaches.
func packSchema(from, out string) error {
	const name = "fhir.schema.json"
	data, err := readBundle(from, name)
	if err != nil {
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var defs map[string]json.RawMessage
	if err := json.Unmarshal(top["definitions"], &defs); err != nil {
		return fmt.Errorf("%s definitions: %w", name, err)
	}
	delete(top, "definitions")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	head, err := json.Marshal(top) // sorted keys: the same schema gives the same archive
	if err != nil {
		return err
	}
	if err := add(zw, "schema.json", head); err != nil {
		return err
	}
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var compact bytes.Buffer
		if err := json.Compact(&compact, defs[n]); err != nil {
			return fmt.Errorf("%s definition %s: %w", name, n, err)
		}
		if err := add(zw, "definitions/"+n+".json", compact.Bytes()); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "fhir.schema.zip"), buf.Bytes(), 0o644)
}

// indexEntry must match r4core's reading of index.json.
type indexEntry struct {
	File         string `json:"file"`
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	URL          string `json:"url,omitempty"`
	Version      string `json:"version,omitempty"`
	Name         string `json:"name,omitempty"`
	Content      string `json:"content,omitempty"`
	Type         string `json:"type,omitempty"`
	Kind         string `json:"kind,omitempty"`
	Derivation   string `json:"derivation,omitempty"`
}

func pack(from, out, name string) error {
	data, err := readBundle(from, name)
	if err != nil {
		return err
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	index := make([]indexEntry, 0, len(b.Entry))
	files := make([][]byte, 0, len(b.Entry))
	for i, e := range b.Entry {
		var h struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			URL          string `json:"url"`
			Version      string `json:"version"`
			Name         string `json:"name"`
			Content      string `json:"content"`
			Type         any    `json:"type"`
			Kind         string `json:"kind"`
			Derivation   string `json:"derivation"`
		}
		if err := json.Unmarshal(e.Resource, &h); err != nil {
			return fmt.Errorf("%s entry %d: %w", name, i, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, e.Resource); err != nil {
			return fmt.Errorf("%s entry %d: %w", name, i, err)
		}
		ie := indexEntry{
			File:         fmt.Sprintf("%05d-%s-%s.json", i, h.ResourceType, h.ID),
			ResourceType: h.ResourceType, ID: h.ID, URL: h.URL, Version: h.Version, Name: h.Name,
		}
		if h.ResourceType == "CodeSystem" {
			ie.Content = h.Content
		}
		if t, ok := h.Type.(string); ok && h.ResourceType == "StructureDefinition" {
			ie.Type = t
			ie.Kind, ie.Derivation = h.Kind, h.Derivation
		}
		index = append(index, ie)
		files = append(files, compact.Bytes())
	}
	ix, err := json.Marshal(index)
	if err != nil {
		return err
	}
	if err := add(zw, "index.json", ix); err != nil {
		return err
	}
	for i, f := range files {
		if err := add(zw, index[i].File, f); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, strings.TrimSuffix(name, ".json")+".zip"), buf.Bytes(), 0o644)
}

func add(zw *zip.Writer, name string, data []byte) error {
	// No timestamps: the same bundles always give the same archive.
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

func readBundle(dir, name string) ([]byte, error) {
	p := filepath.Join(dir, name)
	if data, err := os.ReadFile(p); err == nil {
		return data, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := os.Open(p + ".gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s.gz: %w", p, err)
	}
	return io.ReadAll(zr)
}
