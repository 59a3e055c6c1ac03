package terminology_test

import (
	"math/rand/v2"
	"regexp"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology"
)

// loincPattern is the regular expression the hand-written reader replaced:
// the specs hold the reader to it.
var loincPattern = regexp.MustCompile(`^(L[APGL])?([0-9]{1,8})-([0-9])$`)

// sameAsPattern reports where the hand-written reader and the regular
// expression differ on code ("" when they agree on acceptance and parts).
func sameAsPattern(code string) string {
	part, number, check, ok := terminology.LOINCShape(code)
	m := loincPattern.FindStringSubmatch(code)
	switch {
	case ok != (m != nil):
		return "acceptance"
	case !ok:
		return ""
	case part != (m[1] != ""), number != m[2], check != m[3][0]:
		return "parts"
	}
	return ""
}

var _ = Describe("the LOINC shape reader", func() {
	DescribeTable("accepts what the regular expression matches, with the same parts",
		func(code string, accepted bool) {
			_, _, _, ok := terminology.LOINCShape(code)
			Expect(ok).To(Equal(accepted))
			Expect(sameAsPattern(code)).To(BeEmpty())
		},
		Entry("a five-digit code", "8867-4", true),
		Entry("one digit", "1-8", true),
		Entry("eight digits", "12345678-9", true),
		Entry("nine digits", "123456789-0", false),
		Entry("no number", "-4", false),
		Entry("no check digit", "8867-", false),
		Entry("two check digits", "8867-45", false),
		Entry("no hyphen", "88674", false),
		Entry("an answer code", "LA6576-8", true),
		Entry("a part code", "LP12345-6", true),
		Entry("a group code", "LG100-4", true),
		Entry("a list code", "LL1-1", true),
		Entry("another prefix", "LX6576-8", false),
		Entry("a prefix alone", "LA", false),
		Entry("a prefix and a hyphen", "LA-1", false),
		Entry("a lower-case prefix", "la6576-8", false),
		Entry("a doubled prefix", "LALA1-1", false),
		Entry("leading space", " 8867-4", false),
		Entry("trailing newline", "8867-4\n", false),
		Entry("a letter in the number", "88a7-4", false),
		Entry("a letter for the check digit", "8867-x", false),
		Entry("non-ASCII digits", "８８６７-４", false),
		Entry("invalid UTF-8", "8867-\xff", false),
		Entry("empty", "", false),
	)

	It("agrees with the regular expression on 200,000 random near-codes", func() {
		rng := rand.New(rand.NewPCG(18, 2026))
		prefixes := []string{"", "", "LA", "LP", "LG", "LL", "LX", "L", "la"}
		noise := []string{"0", "7", "-", "L", "A", "x", " ", "\n", "\xff", "８"}
		digits := func(n int) string {
			s := ""
			for range n {
				s += string(rune('0' + rng.IntN(10)))
			}
			return s
		}
		accepted, rejected, differ := 0, 0, 0
		for range 200000 {
			// A code's parts, each of a length around what LOINC allows, then
			// perhaps one character put in, dropped or changed.
			code := prefixes[rng.IntN(len(prefixes))] + digits(rng.IntN(11))
			if rng.IntN(8) > 0 {
				code += "-"
			}
			code += digits(rng.IntN(3))
			if i := rng.IntN(len(code) + 1); rng.IntN(2) == 0 {
				switch c := noise[rng.IntN(len(noise))]; rng.IntN(3) {
				case 0:
					code = code[:i] + c + code[i:]
				case 1:
					if i < len(code) {
						code = code[:i] + code[i+1:]
					}
				default:
					if i < len(code) {
						code = code[:i] + c + code[i+1:]
					}
				}
			}
			if _, _, _, ok := terminology.LOINCShape(code); ok {
				accepted++
			} else {
				rejected++
			}
			if sameAsPattern(code) != "" {
				differ++
			}
		}
		Expect(differ).To(BeZero())
		// Both sides of the boundary were exercised, not only rubbish.
		Expect(accepted).To(BeNumerically(">", 20000))
		Expect(rejected).To(BeNumerically(">", 20000))
	})
})

// FuzzLOINCShape holds the hand-written reader to the regular expression on
// any input: go test ./terminology -run XXX -fuzz FuzzLOINCShape.
func FuzzLOINCShape(f *testing.F) {
	for _, seed := range []string{"8867-4", "LA6576-8", "123456789-0", "LA", "-4", "8867-\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if where := sameAsPattern(code); where != "" {
			t.Fatalf("%q: the reader and the regular expression differ on %s", code, where)
		}
	})
}
