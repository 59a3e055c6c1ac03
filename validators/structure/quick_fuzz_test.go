package structure_test

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/structure"
)

// FuzzQuickWalk holds the quick walk to its one promise: a record it calls
// valid gets no error from gojsonschema. Each input is a record's JSON and a
// number that picks one structural change (damage in quick_test.go: an
// element replaced by a wrong type, an empty or malformed value, removed or
// added), so the fuzzer explores both the bytes and the shape. The seeds in
// testdata/fuzz/FuzzQuickWalk are small records of our own; where the shared
// Synthea corpus is present, a record of each of its resource types is added
// too, so the mutations start from real data.
//
// While fuzzing, each process does only its own part of the warm-up, which
// the fuzzing time otherwise goes to under load: the coordinator reads the
// seeds and runs no input, so it compiles nothing; a worker is sent the
// seeds, so it reads none, and compiles each type's schema when an input
// first has the type, as a run does for its first sixteen types (a
// compilation of one type takes milliseconds; the whole schema, which a
// seventeenth type would compile, takes seconds and made a worker compile it
// before its first input, lest it be stopped as hung).
func FuzzQuickWalk(f *testing.F) {
	fuzzing, worker := flagSet("test.fuzz"), flagSet("test.fuzzworker")
	var schema *structure.Schema
	if !fuzzing || worker {
		var err error
		if schema, err = structure.LoadSchema(); err != nil {
			f.Fatal(err)
		}
	}
	schemaErrors := func(res map[string]any) int { return structure.SchemaErrors(schema, res) }
	if worker {
		schemaErrors = structure.NewTypeSchemas(schema).Errors
	} else {
		for i, rec := range syntheaSamples(f) {
			f.Add(rec, uint64(i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint64) {
		res, err := fhir.Decode(data)
		if err != nil {
			return
		}
		check := func(res map[string]any, what string) {
			res = structure.BoundNumbers(res)
			// Nested resources (contained, Bundle entries, outcomes) are
			// walked and validated on their own, against their own type.
			for _, r := range resourcesIn(res) {
				if !structure.QuickValid(schema, r) {
					continue
				}
				if !schema.IsResourceType(fhir.ResourceType(r)) {
					t.Fatalf("the quick walk passed a resource of no known type (%s): %s", what, jsonText(r))
				}
				if n := schemaErrors(r); n > 0 {
					t.Fatalf("the quick walk passed a resource gojsonschema finds %d error(s) in (%s): %s", n, what, jsonText(r))
				}
			}
		}
		check(res, "as written")
		check(damage(rand.New(rand.NewPCG(pick, 18)), res), "after one change")
	})
}

// syntheaSamples returns the first record of each resource type in two
// files of the shared Synthea corpus, or nothing when it is absent.
func syntheaSamples(f *testing.F) [][]byte {
	shared, err := sharedtest.Dir()
	if err != nil {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(shared, "corpus", "synthea-r4", "*.json"))
	if err != nil || len(files) < 2 {
		return nil
	}
	sort.Strings(files)
	byType := map[string][]byte{}
	for _, file := range files[:2] {
		err := fhir.ReadFile(file, func(rec *model.Record) error {
			res := rec.Resource()
			typ := fhir.ResourceType(res)
			if _, seen := byType[typ]; !seen && res != nil {
				b, err := json.Marshal(res)
				if err != nil {
					return err
				}
				byType[typ] = b
			}
			return nil
		})
		if err != nil {
			f.Fatalf("reading %s: %v", file, err)
		}
	}
	types := make([]string, 0, len(byType))
	for typ := range byType {
		types = append(types, typ)
	}
	sort.Strings(types)
	out := make([][]byte, 0, len(types))
	for _, typ := range types {
		out = append(out, byType[typ])
	}
	return out
}

// resourcesIn returns res and every object within it that names a
// resourceType, at any depth.
func resourcesIn(res map[string]any) []map[string]any {
	out := []map[string]any{res}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, named := x["resourceType"].(string); named {
				out = append(out, x)
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, e := range res {
		walk(e)
	}
	return out
}

// flagSet reports whether the testing flag name is set (not empty, not false).
func flagSet(name string) bool {
	fl := flag.Lookup(name)
	return fl != nil && fl.Value.String() != "" && fl.Value.String() != "false"
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
