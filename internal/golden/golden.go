// Package golden holds specs to recorded outputs: what a spec computes is
// compared with a file kept under its package's testdata, rather than with
// the output of an older implementation kept alive as an oracle. A change of
// output is then a visible change of that file, reviewed like code.
//
// Set CARECERT_UPDATE_GOLDEN=1 to rewrite the files from what the specs
// compute, once a change of output is known to be intended; a spec whose
// file it rewrites fails in that run, naming what changed.
package golden

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Check compares got with the file at path, line by line, and returns an
// error naming the first lines that differ (or a missing file). With
// CARECERT_UPDATE_GOLDEN=1 it writes got to path where it differs, and still
// returns an error naming the lines it changed: a run that records never
// passes a spec whose recording moved, so the change is seen and a run
// without the variable checks it.
func Check(path string, got []byte) error {
	return check(path, got, os.Getenv("CARECERT_UPDATE_GOLDEN") == "1")
}

func check(path string, got []byte, update bool) error {
	want, err := os.ReadFile(path)
	if err != nil && !(update && errors.Is(err, fs.ErrNotExist)) {
		return fmt.Errorf("golden: %w (CARECERT_UPDATE_GOLDEN=1 writes it)", err)
	}
	if err == nil && bytes.Equal(got, want) {
		return nil
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	var diff strings.Builder
	shown := 0
	for i := 0; i < max(len(gotLines), len(wantLines)) && shown < 10; i++ {
		g, w := line(gotLines, i), line(wantLines, i)
		if g == w {
			continue
		}
		fmt.Fprintf(&diff, "\n  line %d: recorded %s\n  %*s  computed %s", i+1, w, len(fmt.Sprint(i+1))+5, "", g)
		shown++
	}
	if !update {
		return fmt.Errorf("golden: %s differs from what was computed (%d lines recorded, %d computed):%s\n(CARECERT_UPDATE_GOLDEN=1 rewrites it once the change is intended)",
			path, len(wantLines), len(gotLines), diff.String())
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("golden: %w", err)
	}
	if err := os.WriteFile(path, got, 0o644); err != nil {
		return fmt.Errorf("golden: %w", err)
	}
	return fmt.Errorf("golden: rewrote %s with what was computed (%d lines recorded, %d computed):%s\n(review the change, then run again without CARECERT_UPDATE_GOLDEN)",
		path, len(wantLines), len(gotLines), diff.String())
}

func line(lines []string, i int) string {
	if i >= len(lines) {
		return "(none)"
	}
	return fmt.Sprintf("%q", lines[i])
}
