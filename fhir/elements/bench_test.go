package elements

import "testing"

// BenchmarkBuildR4 measures building the index from the embedded compact form,
// which the first caller of R4() pays once, and reading the definitions that
// validating one Patient meets; BenchmarkBuildR4All reads every definition, as
// the index did before definitions were read on first use.
func BenchmarkBuildR4(b *testing.B) {
	for b.Loop() {
		ix, err := build()
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range []string{"Patient.name.given", "Patient.identifier.type.coding.code", "Patient.address.period.start", "Patient.extension.valueString"} {
			if ix.Element(p) == nil {
				b.Fatal(p)
			}
		}
	}
}

func BenchmarkBuildR4All(b *testing.B) {
	for b.Loop() {
		ix, err := build()
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range ix.Names() {
			if ix.Definition(n) == nil {
				b.Fatal(n)
			}
		}
	}
}
