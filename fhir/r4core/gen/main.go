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
	"regexp"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/command"
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
		command.Usage("gen: -from is required")
	}
	schema, err := readBundle(*from, "fhir.schema.json")
	if err != nil {
		command.Stop(1, "gen", err)
	}
	r4, err := r4core.NewSchemaElements(schema)
	if err != nil {
		command.Stop(1, "gen", err)
	}
	repaired := map[string]bool{}
	for _, name := range bundles {
		if err := pack(*from, *out, name, r4, repaired); err != nil {
			command.Stop(1, "gen", err)
		}
	}
	for _, r := range repairs {
		if !repaired[r.String()] {
			command.Stop(1, "gen", fmt.Errorf("no snapshot element %s holds %s %s: the source changed, so the repair must be judged again", r.element, r.member, r.medplum))
		}
	}
	for _, name := range resourceRepairNames() {
		if !repaired[name] {
			command.Stop(1, "gen", fmt.Errorf("found nothing to repair for %s: the source changed, so the repair must be judged again", name))
		}
	}
	for _, r := range rebuilds {
		if !repaired[r.String()] {
			command.Stop(1, "gen", fmt.Errorf("no snapshot holds %s: the source changed, so the rebuild must be judged again", r.element))
		}
	}
	if err := packSchema(*from, *out); err != nil {
		command.Stop(1, "gen", err)
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

func pack(from, out, name string, r4 r4core.SchemaElements, repaired map[string]bool) error {
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
		res, keep, err := asInR4(e.Resource, r4, repaired)
		if err != nil {
			return fmt.Errorf("%s entry %d: %w", name, i, err)
		}
		if !keep {
			continue
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, res); err != nil {
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

// asInR4 returns a definition as R4 has it. The bundles packed are a third
// party's redistribution, which adds to a few of R4's types elements R4 does
// not define (Meta.project, Binary.url, ResearchStudy's later elements) and
// one type R4 does not have (SubscriptionStatus): a core type's definition
// keeps only the elements R4's JSON schema defines, and a concrete resource
// type the schema does not know is left out (keep false). The few values it
// changed in R4's own elements are restored (repairs, rebuilds), and its
// value sets, code systems and search parameters are R4's (resourceRepairs);
// repaired records the repairs applied. Everything else is returned as it is.
func asInR4(res json.RawMessage, r4 r4core.SchemaElements, repaired map[string]bool) (out json.RawMessage, keep bool, err error) {
	var h struct {
		ResourceType string `json:"resourceType"`
		URL          string `json:"url"`
		Type         any    `json:"type"`
		Kind         string `json:"kind"`
		Abstract     bool   `json:"abstract"`
	}
	if err := json.Unmarshal(res, &h); err != nil {
		return nil, false, err
	}
	switch h.ResourceType {
	case "ValueSet", "CodeSystem", "SearchParameter":
		res, keep, done, err := resourceRepairs(res, h.ResourceType, h.URL)
		for _, name := range done {
			repaired[name] = true
		}
		if err != nil || !keep || h.ResourceType != "SearchParameter" {
			return res, keep, err
		}
		return res, searchesR4(res, r4), nil
	}
	typ, _ := h.Type.(string)
	if h.ResourceType != "StructureDefinition" || h.Abstract || h.URL != "http://hl7.org/fhir/StructureDefinition/"+typ {
		return res, true, nil
	}
	if !r4.Judges(typ) {
		return res, h.Kind != "resource", nil
	}
	return keepR4Elements(res, r4, repaired)
}

// plainPath is an expression that is only a path of element names.
var plainPath = regexp.MustCompile(`^[A-Z][A-Za-z]*(\.[a-z][A-Za-z0-9]*)+$`)

// searchesR4 reports whether a search parameter searches elements R4
// defines: the redistributed bundle adds parameters for the elements it
// adds (DeviceDefinition.classification.type). Only plain paths are
// judged; an expression with functions is kept.
func searchesR4(res json.RawMessage, r4 r4core.SchemaElements) bool {
	var sp struct {
		ID         string `json:"id"`
		Expression string `json:"expression"`
	}
	if json.Unmarshal(res, &sp) != nil {
		return true
	}
	for _, alt := range strings.Split(sp.Expression, "|") {
		alt = strings.TrimSpace(alt)
		if plainPath.MatchString(alt) && r4.Judges(alt[:strings.IndexByte(alt, '.')]) && !r4.Defines(alt) {
			fmt.Fprintf(os.Stderr, "gen: search parameter %s left out: %s is no element of R4\n", sp.ID, alt)
			return false
		}
	}
	return true
}

// keepR4Elements removes from a definition's snapshot and differential the
// elements whose paths R4's schema does not define and restores R4's values
// in its snapshot (repairs), leaving every other byte as it was: readers
// find a definition's resourceType near its start.
func keepR4Elements(res json.RawMessage, r4 r4core.SchemaElements, repaired map[string]bool) (json.RawMessage, bool, error) {
	var whole struct {
		Differential struct {
			Element []json.RawMessage `json:"element"`
		} `json:"differential"`
	}
	if err := json.Unmarshal(res, &whole); err != nil {
		return nil, false, err
	}
	for _, key := range []string{"snapshot", "differential"} {
		var err error
		res, _, err = replaceMember(res, key, func(raw json.RawMessage) (json.RawMessage, bool, error) {
			return keepR4Part(raw, key == "snapshot", whole.Differential.Element, r4, repaired)
		})
		if err != nil {
			return nil, false, err
		}
	}
	return res, true, nil
}

// keepR4Part is keepR4Elements for one of a definition's snapshot and
// differential: its elements R4 defines, rebuilt and repaired in a snapshot,
// and whether anything changed.
func keepR4Part(raw json.RawMessage, snapshot bool, differential []json.RawMessage, r4 r4core.SchemaElements, repaired map[string]bool) (json.RawMessage, bool, error) {
	var part map[string]json.RawMessage
	if err := json.Unmarshal(raw, &part); err != nil {
		return nil, false, err
	}
	var elements []json.RawMessage
	if err := json.Unmarshal(part["element"], &elements); err != nil {
		return nil, false, err
	}
	changed := false
	if snapshot {
		var done []string
		var err error
		elements, done, err = rebuildElements(elements, differential)
		if err != nil {
			return nil, false, err
		}
		for _, r := range done {
			repaired[r] = true
			changed = true
		}
	}
	kept := elements[:0:0]
	for _, el := range elements {
		var e struct {
			ID   string `json:"id"`
			Path string `json:"path"`
		}
		if err := json.Unmarshal(el, &e); err != nil {
			return nil, false, err
		}
		if !r4.Defines(e.Path) {
			changed = true
			continue
		}
		if snapshot {
			fixed, done, err := repairElement(el, e.ID)
			if err != nil {
				return nil, false, err
			}
			for _, r := range done {
				repaired[r.String()] = true
				changed = true
			}
			el = fixed
		}
		kept = append(kept, el)
	}
	if !changed {
		return raw, false, nil
	}
	list, err := json.Marshal(kept)
	if err != nil {
		return nil, false, err
	}
	part["element"] = list
	value, err := json.Marshal(part)
	return value, err == nil, err
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
