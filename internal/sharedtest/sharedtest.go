// Package sharedtest locates the read-only ../shared folder (FHIR definitions, UK
// Core, conformance cases, corpus, HL7 v2 samples) for tests and benchmarks. The
// product itself never reads it. CARECERT_SHARED overrides the location.
package sharedtest

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dir returns the shared folder: $CARECERT_SHARED, or "shared" beside the
// module root (the folder holding go.mod). It returns an error naming where it
// looked when the folder is missing: tests fail on it rather than skip.
func Dir() (string, error) {
	if d := os.Getenv("CARECERT_SHARED"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(dir), "shared")
			if _, err := os.Stat(shared); err != nil {
				return "", fmt.Errorf("shared folder not found at %s (set CARECERT_SHARED): %w", shared, err)
			}
			return shared, nil
		}
		if parent := filepath.Dir(dir); parent == dir {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// Path joins elements under the shared folder, panicking when it is missing:
// for use in test setup, where a missing shared folder is a broken checkout.
func Path(elem ...string) string {
	d, err := Dir()
	if err != nil {
		panic(err)
	}
	return filepath.Join(append([]string{d}, elem...)...)
}
