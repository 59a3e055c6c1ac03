package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// The layout's key table hashes a key on its length and three of its bytes
// (first, middle, last): keys alike in all four share a slot, and only the
// comparison of the whole key tells them apart. Both walks read a key's
// role from it, so a key it confused would be read as another element and
// one it missed would be reported unknown.
var _ = Describe("a layout's key table", func() {
	e := newEngine()

	// alike returns keys of the same length, first, middle and last bytes
	// as key (its hash), each differing from it elsewhere.
	alike := func(key string) []string {
		n := len(key)
		var out []string
		for i := 1; i < n-1; i++ {
			if i == n/2 {
				continue
			}
			for _, c := range []byte{'x', 'Q', 0xC3} {
				if key[i] != c {
					b := []byte(key)
					b[i] = c
					out = append(out, string(b))
				}
			}
		}
		return out
	}

	DescribeTable("finds each key's own role, and none for a key that only hashes like one, is a prefix or an extension of one, or is written with other characters",
		func(typ string) {
			keys, lookup := profile.LayoutKeys(e, typ)
			Expect(len(keys)).To(BeNumerically(">", 10))
			held := map[string]bool{}
			for _, k := range keys {
				held[k] = true
			}
			unknown := 0
			expectUnknown := func(k string) {
				if !held[k] {
					unknown++
					Expect(lookup(k)).To(BeEmpty(), "%q is no key of %s", k, typ)
				}
			}
			for _, k := range keys {
				Expect(lookup(k)).To(Equal(k), "%s's key %q", typ, k)
				for _, a := range alike(k) {
					expectUnknown(a)
				}
				expectUnknown(k[:len(k)-1])
				expectUnknown(k + "x")
				expectUnknown(strings.ToUpper(k[:1]) + k[1:])
				expectUnknown(k[:len(k)-1] + "é")
			}
			expectUnknown("ɡender")
			expectUnknown("名前")
			Expect(lookup("")).To(BeEmpty())
			Expect(unknown).To(BeNumerically(">", len(keys)), "the unknown keys were tried")
		},
		Entry("Patient", "Patient"),
		Entry("Observation, with its choices' keys (valueQuantity, _valueString)", "Observation"),
		Entry("Bundle", "Bundle"),
		Entry("Questionnaire", "Questionnaire"),
	)
})
