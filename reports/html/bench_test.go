package html_test

import (
	"io"
	"testing"

	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/reporttest"
)

// BenchmarkRender100k renders the page of a report that kept 100,000 findings.
func BenchmarkRender100k(b *testing.B) {
	rep := reporttest.Large(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := html.Write(io.Discard, rep, html.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
