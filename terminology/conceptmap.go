package terminology

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Mapping maps one source code to one target code.
type Mapping struct {
	SourceSystem string `json:"source_system"`
	SourceCode   string `json:"source_code"`
	TargetSystem string `json:"target_system"`
	TargetCode   string `json:"target_code"`
	// Equivalence is the ConceptMap's equivalence ("equivalent", "wider"...),
	// empty for CSV maps.
	Equivalence string `json:"equivalence,omitempty"`
	// Source names the ConceptMap or file the mapping came from.
	Source string `json:"-"`
}

// ConceptMap is a FHIR ConceptMap's mappings.
type ConceptMap struct {
	URL      string
	Source   string
	Mappings []Mapping
}

func parseConceptMap(res map[string]any, source string) (*ConceptMap, error) {
	cm := &ConceptMap{URL: str(res["url"]), Source: source}
	name := cm.URL
	if name == "" {
		name = source
	}
	for _, g := range list0(res["group"]) {
		gm, _ := g.(map[string]any)
		src, tgt := str(gm["source"]), str(gm["target"])
		for _, el := range list0(gm["element"]) {
			em, _ := el.(map[string]any)
			code := str(em["code"])
			for _, t := range list0(em["target"]) {
				tm, _ := t.(map[string]any)
				eq := str(tm["equivalence"])
				// These say there is no mapping.
				if eq == "unmatched" || eq == "disjoint" || str(tm["code"]) == "" {
					continue
				}
				cm.Mappings = append(cm.Mappings, Mapping{SourceSystem: src, SourceCode: code,
					TargetSystem: tgt, TargetCode: str(tm["code"]), Equivalence: eq, Source: name})
			}
		}
	}
	return cm, nil
}

// ReadMappingCSV reads a supplier's mapping table with the header
// source_system,source_code,target_system,target_code. Errors name the file
// and line.
func ReadMappingCSV(path string) ([]Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	defer f.Close()
	return ParseMappingCSV(f, path)
}

// ParseMappingCSV reads mappings in CSV from r; name is used in errors.
func ParseMappingCSV(r io.Reader, name string) ([]Mapping, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	want := []string{"source_system", "source_code", "target_system", "target_code"}
	var out []Mapping
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			for i, w := range want {
				if i >= len(rec) || strings.TrimSpace(strings.TrimPrefix(rec[i], "\ufeff")) != w {
					return nil, fmt.Errorf("%s:%d: header must be %s", name, line, strings.Join(want, ","))
				}
			}
			continue
		}
		if len(rec) < 4 {
			return nil, fmt.Errorf("%s:%d: want 4 columns (%s), got %d", name, line, strings.Join(want, ","), len(rec))
		}
		m := Mapping{SourceSystem: strings.TrimSpace(rec[0]), SourceCode: strings.TrimSpace(rec[1]),
			TargetSystem: strings.TrimSpace(rec[2]), TargetCode: strings.TrimSpace(rec[3]), Source: name}
		if m.SourceSystem == "" || m.SourceCode == "" || m.TargetSystem == "" || m.TargetCode == "" {
			return nil, fmt.Errorf("%s:%d: every column needs a value", name, line)
		}
		out = append(out, m)
	}
	if out == nil {
		return nil, fmt.Errorf("%s: no mappings", name)
	}
	return out, nil
}

// Translate returns the mappings of (system, code), from every loaded
// ConceptMap and mapping table, optionally only those to targetSystem: the
// FHIR $translate operation, offline.
func (e *Engine) Translate(system, code, targetSystem string) []Mapping {
	if e.Ready() != nil {
		return nil
	}
	e.mu.RLock()
	idx := e.translations
	e.mu.RUnlock()
	if idx == nil {
		e.mu.Lock()
		if e.translations == nil {
			e.translations = map[[2]string][]Mapping{}
			for _, cm := range e.conceptMaps {
				for _, m := range cm.Mappings {
					k := [2]string{m.SourceSystem, m.SourceCode}
					e.translations[k] = append(e.translations[k], m)
				}
			}
		}
		idx = e.translations
		e.mu.Unlock()
	}
	var out []Mapping
	for _, m := range idx[[2]string{system, code}] {
		if targetSystem == "" || m.TargetSystem == targetSystem {
			out = append(out, m)
		}
	}
	return out
}
