package definitions_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/carecert/carecert/fhir/definitions"
)

// FuzzGuide loads any bytes as a conformance resource of an implementation
// guide folder, over the R4 core: a hostile or broken guide is a problem or
// an error naming the file, never a panic.
func FuzzGuide(f *testing.F) {
	sd, err := os.ReadFile(caseFile("obs-value-min-profile.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sd)
	f.Add([]byte(`{"resourceType":"StructureDefinition","url":"http://x","baseDefinition":"http://x","differential":{"element":[{"path":"Patient.extension","slicing":{}}]}}`))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"ValueSet","url":"http://v","compose":{"include":[{"valueSet":["http://v"]}]}}}]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, "StructureDefinition-fuzz.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = definitions.New(definitions.Options{IGs: []string{dir}, Parent: core})
	})
}
