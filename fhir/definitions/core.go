package definitions

//go:generate go run ./gen

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir/r4core"
)

// coreBundles are the r4core bundles that hold StructureDefinitions.
var coreBundles = []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs}

// coreArchive holds each core StructureDefinition with only the members a
// StructureDefinition reads (see Slim), made by `go generate` from
// fhir/r4core: the documentation (definition, comment, requirements,
// mappings, narrative) is four fifths of the core's bytes, and decompressing
// and decoding it was most of the cost of meeting a type for the first time.
// Everything else (a core definition's JSON model, search parameters, value
// sets) is read from fhir/r4core as published.
//
//go:embed core.zip
var coreArchive []byte

// slimCore indexes coreArchive by r4core bundle and entry, opened once per
// registry.
type slimCore struct {
	once  sync.Once
	files map[string]*zip.File
	err   error
}

func (s *slimCore) file(bundle, entry string) (*zip.File, error) {
	s.once.Do(func() {
		zr, err := zip.NewReader(bytes.NewReader(coreArchive), int64(len(coreArchive)))
		if err != nil {
			s.err = fmt.Errorf("definitions: core.zip: %w", err)
			return
		}
		s.files = make(map[string]*zip.File, len(zr.File))
		for _, f := range zr.File {
			s.files[f.Name] = f
		}
	})
	return s.files[slimName(bundle, entry)], s.err
}

func slimName(bundle, entry string) string { return strings.TrimSuffix(bundle, ".json") + "/" + entry }

// SlimCore makes core.zip from the StructureDefinitions of fhir/r4core: one
// deflated entry per definition, named BUNDLE/ENTRY after its r4core bundle
// and entry, holding Slim of it. The same core always gives the same bytes.
func SlimCore() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, name := range coreBundles {
		list, err := r4core.Resources(name)
		if err != nil {
			return nil, err
		}
		for _, res := range list {
			if res.ResourceType != "StructureDefinition" {
				continue
			}
			raw, err := res.Bytes()
			if err != nil {
				return nil, err
			}
			slim, err := Slim(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", res.Source(), err)
			}
			// No timestamps: the same core gives the same archive.
			w, err := zw.CreateHeader(&zip.FileHeader{Name: slimName(name, res.File), Method: zip.Deflate})
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(slim); err != nil {
				return nil, err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Slim returns a StructureDefinition's JSON with only the members that
// StructureDefinition and ElementDefinition read (their JSON names, and an
// element's fixed[x], pattern[x], minValue[x] and maxValue[x]), each value as
// written: decoding it gives what decoding the whole does.
func Slim(raw []byte) ([]byte, error) {
	var sd map[string]json.RawMessage
	if err := json.Unmarshal(raw, &sd); err != nil {
		return nil, err
	}
	keep(sd, jsonNames(reflect.TypeFor[StructureDefinition]()), nil)
	elementMembers := jsonNames(reflect.TypeFor[ElementDefinition]())
	for _, list := range []string{"snapshot", "differential"} {
		if sd[list] == nil {
			continue
		}
		var l struct {
			Element []map[string]json.RawMessage `json:"element"`
		}
		if err := json.Unmarshal(sd[list], &l); err != nil {
			return nil, fmt.Errorf("%s: %w", list, err)
		}
		for _, el := range l.Element {
			keep(el, elementMembers, []string{"fixed", "pattern", "minValue", "maxValue"})
		}
		b, err := marshalAsWritten(l)
		if err != nil {
			return nil, err
		}
		sd[list] = b
	}
	return marshalAsWritten(sd)
}

// keep deletes the members of m that are neither named in members nor start
// with one of prefixes.
func keep(m map[string]json.RawMessage, members map[string]bool, prefixes []string) {
	for k := range m {
		if members[k] {
			continue
		}
		kept := false
		for _, p := range prefixes {
			kept = kept || strings.HasPrefix(k, p)
		}
		if !kept {
			delete(m, k)
		}
	}
}

// marshalAsWritten writes v as compact JSON, its raw values byte for byte
// (json.Marshal would escape <, > and & in them).
func marshalAsWritten(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// jsonNames are the JSON names of a struct's fields.
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}
