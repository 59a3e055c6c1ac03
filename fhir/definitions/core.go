package definitions

//go:generate go run ./gen

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/carecert/carecert/fhir/r4core"
)

// coreBundles are the r4core bundles that hold StructureDefinitions.
var coreBundles = []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs}

// coreArchive holds each core StructureDefinition with only the members a
// StructureDefinition reads (see Slim), derived by `go generate` from
// fhir/r4core: the documentation (definition, comment, requirements,
// mappings, narrative) is four fifths of the core's bytes, and decompressing
// and decoding it was most of the cost of meeting a type for the first time.
// Everything else (a core definition's JSON model, search parameters, value
// sets) is read from fhir/r4core as published.
//
//go:embed core.zip
var coreArchive []byte

// SlimCore makes core.zip: Slim of each StructureDefinition of fhir/r4core.
func SlimCore() ([]byte, error) {
	return r4core.DeriveType(coreBundles, "StructureDefinition", Slim)
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
		b, err := r4core.MarshalAsWritten(l)
		if err != nil {
			return nil, err
		}
		sd[list] = b
	}
	return r4core.MarshalAsWritten(sd)
}

// keep deletes the members of m that are neither named in members nor start
// with one of prefixes.
func keep(m map[string]json.RawMessage, members map[string]bool, prefixes []string) {
	maps.DeleteFunc(m, func(k string, _ json.RawMessage) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				return false
			}
		}
		return !members[k]
	})
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
