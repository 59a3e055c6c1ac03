package submission_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/reports/reporttest"
	"github.com/carecert/carecert/submission"
)

// BenchmarkIngest100kFindings ingests a signed run whose report keeps
// 100,000 findings (every rendering carecert run writes, as a tar.gz) into a
// SQLite history: unpacking, hashing, verifying, validating report.json
// against its schema and storing the run with its files.
func BenchmarkIngest100kFindings(b *testing.B) {
	dir := b.TempDir()
	rep := reporttest.Large(100_000)
	if err := formats.WriteAll(dir, rep, reports.RenderOptions{}); err != nil {
		b.Fatal(err)
	}
	m, err := manifest.Build(dir, formats.Files(), rep)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := m.Marshal()
	if err := os.WriteFile(filepath.Join(dir, manifest.FileName), data, 0o644); err != nil {
		b.Fatal(err)
	}
	keyPath := filepath.Join(b.TempDir(), "k")
	pub, err := manifest.GenerateKey(keyPath)
	if err != nil {
		b.Fatal(err)
	}
	priv, _ := manifest.LoadPrivateKey(keyPath)
	if _, err := manifest.Sign(filepath.Join(dir, manifest.FileName), priv); err != nil {
		b.Fatal(err)
	}
	names := []string{manifest.FileName, manifest.FileName + manifest.SignatureSuffix}
	for _, f := range m.Files {
		names = append(names, f.Path)
	}
	var body bytes.Buffer
	if err := submission.WriteTar(&body, dir, names); err != nil {
		b.Fatal(err)
	}
	keys := submission.NewKeys()
	if err := keys.Add(rep.Vendor.Name, ed25519.PublicKey(pub)); err != nil {
		b.Fatal(err)
	}
	store, err := history.Open(context.Background(), filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := submission.Ingest(context.Background(), store, keys, bytes.NewReader(body.Bytes()), submission.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// On a shared machine wall time includes waiting for a core; the
	// process's CPU time per ingest is what the upload costs the server.
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	var unpacked int64
	for _, f := range m.Files {
		unpacked += f.Size
	}
	b.ReportMetric(float64(unpacked)/(1<<20), "MiB-unpacked")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
