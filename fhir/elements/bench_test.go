package elements

import "testing"

// BenchmarkBuildR4 measures building the index from the embedded compact form,
// which the first caller of R4() pays once.
func BenchmarkBuildR4(b *testing.B) {
	for b.Loop() {
		if _, err := build(); err != nil {
			b.Fatal(err)
		}
	}
}
