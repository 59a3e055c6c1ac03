package terminology

//go:generate go run ./gen

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/carecert/carecert/fhir/r4core"
)

// coreArchive holds each CodeSystem of the R4 core with only what the engine
// reads of it (see Slim), derived by `go generate` from fhir/r4core: the
// concepts' definitions are most of the bytes (six sevenths of DICOM's 1.3
// MB, which a feed with an ImagingStudy meets), and decoding them was most of
// the engine's warm-up.
//
//go:embed core.zip
var coreArchive []byte

// coreBundles are the r4core bundles whose code systems the engine reads.
var coreBundles = []string{r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables}

// SlimCore makes core.zip: Slim of each CodeSystem of fhir/r4core.
func SlimCore() ([]byte, error) {
	return r4core.DeriveType(coreBundles, "CodeSystem", Slim)
}

// codeSystemMembers and conceptMembers are what parseCodeSystem reads.
var (
	codeSystemMembers = []string{"resourceType", "id", "url", "version", "name", "content", "caseSensitive", "concept"}
	conceptMembers    = []string{"code", "display", "designation", "property", "concept"}
)

// Slim returns a CodeSystem's JSON with only the members parseCodeSystem
// reads, each value as written: parsing it gives what parsing the whole does.
func Slim(raw []byte) ([]byte, error) {
	var cs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, err
	}
	if err := slimMembers(cs, codeSystemMembers); err != nil {
		return nil, err
	}
	return r4core.MarshalAsWritten(cs)
}

// slimMembers keeps the members of m named in members, and does the same to
// the concepts nested under "concept".
func slimMembers(m map[string]json.RawMessage, members []string) error {
	maps.DeleteFunc(m, func(k string, _ json.RawMessage) bool { return !slices.Contains(members, k) })
	if m["concept"] == nil {
		return nil
	}
	var concepts []map[string]json.RawMessage
	if err := json.Unmarshal(m["concept"], &concepts); err != nil {
		return fmt.Errorf("concept: %w", err)
	}
	for _, c := range concepts {
		if err := slimMembers(c, conceptMembers); err != nil {
			return err
		}
	}
	b, err := r4core.MarshalAsWritten(concepts)
	m["concept"] = b
	return err
}
