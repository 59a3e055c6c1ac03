package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidatePath runs `carecert validate` on any bytes, as a FHIR JSON,
// NDJSON, XML, HL7 v2 or CSV file: the whole path (reading, every default
// suite, the reports) must end with an exit code, never a panic, and never
// exit 2 for content (only for what cannot be read at all).
func FuzzValidatePath(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Observation","status":1e400}`,
		`{"resourceType":"Patient","id":"p","gender":"banana","extension":[{"url":"http://x","extension":[{"url":"y"}]}]}`,
		"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|1||123^^^NHS||Doe^John\r",
		"Person_ID,Date\n1,2024-01-01\n",
	} {
		for ext := range uint8(5) {
			f.Add([]byte(seed), ext)
		}
	}
	exts := []string{".json", ".ndjson", ".xml", ".hl7", ".csv"}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, ext uint8) {
		file := filepath.Join(dir, "input"+exts[int(ext)%len(exts)])
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		code := execute(context.Background(), []string{"validate", "-q", file}, io.Discard, io.Discard)
		// validate exits 2 only for an input that cannot be read at all;
		// a file in the temp folder can always be read.
		if code != exitOK && code != exitFailed {
			t.Fatalf("exit %d", code)
		}
	})
}
