package ucum_test

import (
	"testing"

	"github.com/carecert/carecert/terminology/ucum"
)

// FuzzParse checks that no unit expression makes the UCUM parser or unit
// conversion panic or hang.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"mg/dL", "kg.m/s2", "10*3/uL", "[in_i]", "mm[Hg]", "%", "{beats}/min", "((((g))))", "10*999999", "/", "m.", "[", "1e400"} {
		f.Add(seed, "g")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		_ = ucum.Validate(a)
		_, _ = ucum.Comparable(a, b)
		_, _ = ucum.Convert(1.5, a, b)
	})
}
