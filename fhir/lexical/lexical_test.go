package lexical_test

import (
	"math/rand/v2"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/lexical"
)

// samples are valid and nearly valid values of each primitive family, the
// seeds that random edits start from.
var samples = []string{
	"", "x", "a b", "a  b", " a", "a ", "a\tb", "a\fb", "a\vb", "é", "\xff\xfe", "urn:x",
	"abc-DEF.123", strings.Repeat("a", 64), strings.Repeat("a", 65),
	"0000", "0001", "0100", "1000", "2020", "2020-01", "2020-12-31", "2020-13-01", "2020-00-10", "2020-02-32",
	"2020-01-01T00:00:00Z", "2020-01-01T23:59:60.123+14:00", "2020-01-01T24:00:00-05:00", "2020-01-01T10:00:00+13:59",
	"2020-01-01T10:00:00+14:01", "2020-01-01T10:00:00", "2020-01-01T10:00Z", "0000-01-01T00:00:00Z",
	"2021-06-30T12:00:00+01:00", "1999-12-31T23:59:59.999Z", "2000-02-29T00:00:00-05:00",
	"10:00:00", "23:59:60.5", "24:00:00", "9:00:00", "00:00:00", "12:34:56.789", "19:59:59",
	"urn:oid:1.2.840.10008", "urn:oid:3.1", "urn:oid:1.02", "urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
	"urn:uuid:00000000-0000-0000-0000-000000000000", "urn:uuid:ffffffff-ffff-4fff-8fff-ffffffffffff",
	"urn:uuid:12345678-9abc-def0-1234-56789abcdef0", "urn:uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
	"urn:uuid:01234567-0123-0123-0123-0123456789ab",
	"urn:uuid:0A1B2C3D-4e5f-6071-8293-a4b5c6d7e8f9", "QUJD", "QUJDRA==", "QUJD RA==", "QU JD", "a\x01b",
	"0", "-0", "01", "1.5", "-1.50e+10", "1e", "1.", ".5", "123456789012345678901234567890",
}

// alphabet is what random edits insert: the characters these patterns treat
// specially, whitespace of every kind, and non-ASCII and invalid bytes.
var alphabet = []string{
	"0", "1", "2", "3", "4", "5", "6", "9", "-", "+", ":", ".", "T", "Z", "e", "E", "a", "z", "A", "_", "=", "/", "f",
	" ", "\t", "\n", "\r", "\f", "\v", "é", "\xff", "\x00", "\x01", "\x1f", "\x7f",
}

func mutate(rng *rand.Rand, s string) string {
	for n := rng.IntN(3) + 1; n > 0; n-- {
		i := 0
		if len(s) > 0 {
			i = rng.IntN(len(s) + 1)
		}
		c := alphabet[rng.IntN(len(alphabet))]
		switch rng.IntN(3) {
		case 0: // insert
			s = s[:i] + c + s[i:]
		case 1: // replace
			if i < len(s) {
				s = s[:i] + c + s[i+1:]
			}
		default: // delete
			if i < len(s) {
				s = s[:i] + s[i+1:]
			}
		}
	}
	return s
}

var _ = Describe("hand-written matchers for FHIR's primitive patterns", func() {
	It("answer as the regular expression does on valid, edited and random strings", func() {
		Expect(len(lexical.Patterns())).To(BeNumerically(">=", 14))
		rng := rand.New(rand.NewPCG(18, 2))
		for _, p := range lexical.Patterns() {
			re := regexp.MustCompile(p)
			match := lexical.Matcher(p)
			matched, missed := 0, 0
			check := func(s string) {
				want := re.MatchString(s)
				Expect(match(s)).To(Equal(want), "pattern %s on %q", p, s)
				if want {
					matched++
				} else {
					missed++
				}
			}
			for _, s := range samples {
				check(s)
			}
			for i := 0; i < 40000; i++ {
				s := mutate(rng, samples[rng.IntN(len(samples))])
				if rng.IntN(4) == 0 {
					var b strings.Builder
					for n := rng.IntN(12); n > 0; n-- {
						b.WriteString(alphabet[rng.IntN(len(alphabet))])
					}
					s = b.String()
				}
				check(s)
			}
			// Both answers were exercised for every pattern.
			Expect(matched).To(BeNumerically(">", 50), p)
			Expect(missed).To(BeNumerically(">", 50), p)
		}
	})

	It("has no matcher for a pattern it does not know", func() {
		Expect(lexical.Matcher(`^[0-9]+$`)).To(BeNil())
	})
})
