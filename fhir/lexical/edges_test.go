package lexical_test

import (
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/lexical"
)

// edge is one value and whether the R4 pattern accepts it. The patterns
// check form, not calendar or range: 2021-02-29 and 2147483648 pass them
// (other rules reject those).
type edge struct {
	value string
	ok    bool
}

// schemaEdges are each primitive family's edges under the R4 schema's
// pattern for that type.
var schemaEdges = map[string][]edge{
	"date": {
		{"2020", true}, {"2020-02", true}, {"2020-02-29", true}, {"2021-02-29", true}, {"2020-04-31", true},
		{"0001", true}, {"0010", true}, {"0100", true}, {"1000", true}, {"9999-12-31", true},
		{"0000", false}, {"0000-01-01", false}, {"20", false}, {"20200", false}, {"2020-2", false}, {"2020-13", false},
		{"2020-00", false}, {"2020-01-00", false}, {"2020-01-32", false}, {"2020-1-01", false},
		{"2020-01-01T00:00:00Z", false}, {"2020-01-01 ", false}, {" 2020", false}, {"2020/01/01", false},
		{"２０２０", false}, {"", false}, {"2020-01-01\n", false}, {"2020-", false},
	},
	"dateTime": {
		{"2020", true}, {"2020-02", true}, {"2020-02-29", true}, {"2020-02-29T23:59:60Z", true},
		{"2020-01-01T00:00:00.000000001+14:00", true}, {"2020-01-01T10:00:00-13:59", true},
		{"2020-01-01T10:00:00+00:00", true}, {"2020-12-31T23:59:59-00:00", true}, {"2020-12-31T00:00:00-14:00", true},
		{"2020-01-01T10:00:00", false}, {"2020-01-01T10:00Z", false}, {"2020-01-01T24:00:00Z", false},
		{"2020-01-01T10:00:00+14:01", false}, {"2020-01-01T10:00:00+15:00", false}, {"2020-01-01T10:00:00+1400", false},
		{"2020-01-01T10:00:00.Z", false}, {"2020-01-01t10:00:00Z", false}, {"2020-01T10:00:00Z", false},
		{"2020-01-01T10:00:61Z", false}, {"2020-01-01T10:60:00Z", false}, {"2020-01-01T10:00:00z", false},
		{"0000-01-01T00:00:00Z", false}, {"2020-01-01T", false}, {"2020-01-01T10:00:00+14:00 ", false},
	},
	"instant": {
		{"2020-02-29T23:59:60.123Z", true}, {"1970-01-01T00:00:00+14:00", true}, {"0001-01-01T00:00:00-00:00", true},
		{"2020-02-29", false}, {"2020-02-29T23:59:60", false}, {"2020", false}, {"2020-01-01T00:00:00+14:30", false},
		{"0000-01-01T00:00:00Z", false}, {"2020-01-01T00:00:00+09:0", false},
	},
	"time": {
		{"00:00:00", true}, {"23:59:60", true}, {"12:30:45.000", true}, {"19:00:00.1234567890", true},
		{"24:00:00", false}, {"9:00:00", false}, {"12:30", false}, {"12:30:45Z", false}, {"12:30:45.", false},
		{"12:60:00", false}, {"12:30:61", false}, {"", false},
	},
	"decimal": {
		{"0", true}, {"-0", true}, {"0.0", true}, {"1.50", true}, {"-1.5e+10", true}, {"1E5", true}, {"1e-400", true},
		{"123456789012345678901234567890.123456789", true},
		{"01", false}, {"1.", false}, {".5", false}, {"+1", false}, {"1e", false}, {"1e+", false}, {"--1", false},
		{"1.5.5", false}, {" 1", false}, {"0x10", false}, {"Infinity", false}, {"NaN", false}, {"", false}, {"-", false},
	},
	"integer": {
		{"0", true}, {"-0", true}, {"2147483648", true}, {"-12", true},
		{"01", false}, {"1.0", false}, {"1e2", false}, {"+1", false}, {"-", false}, {"", false}, {"1 ", false},
	},
	"id": {
		{strings.Repeat("a", 64), true}, {"a", true}, {"A-z.0", true}, {"-", true}, {".", true},
		{strings.Repeat("a", 65), false}, {"", false}, {"a_b", false}, {"a b", false}, {"é", false}, {"a/b", false},
	},
	"code": {
		{"a", true}, {"a b", true}, {"a\tb", true}, {"a-b_c", true}, {"é", true}, {"a\vb", true}, {"a\u00a0b", true},
		{"", false}, {" a", false}, {"a ", false}, {"a  b", false}, {"a \tb", false}, {"\n", false}, {"a\fb", true}, {"a\f\fb", false},
	},
	"string": {
		{"x", true}, {" ", true}, {"a\nb", true}, {"\t", true}, {"\v", true}, {"é", true}, {"\xff", true},
		{"", false}, {"a\fb", false}, {"\f", false},
	},
	"markdown": {{"# x\n\n* y", true}, {"", false}, {"a\fb", false}},
	"uri": {
		{"", true}, {"http://x", true}, {"urn:oid:1.2", true}, {"a\vb", true}, {"http://x/é", true},
		{"http://x y", false}, {"a\tb", false}, {"\n", false}, {"http://x\r", false},
	},
	"url":       {{"https://example.org/fhir", true}, {"", true}, {"https://x/ y", false}},
	"canonical": {{"http://hl7.org/fhir/StructureDefinition/Patient|4.0.1", true}, {"x|4.0 .1", false}},
}

// variantEdges are where the profile engine's variants differ from the
// schema's patterns: any four-digit year, and a code's separator is one
// space only.
var variantEdges = map[string][]edge{
	`^([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$`: {{"0000", true}, {"0000-01-01", true}, {"2020-13", false}},
	`^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`: {
		{"0000-01-01T00:00:00Z", true}, {"2020-01-01T00:00:00", false},
	},
	`^[^\s]+( [^\s]+)*$`:     {{"a b", true}, {"a\tb", false}, {"a\nb", false}},
	`^[A-Za-z0-9\-.]{1,64}$`: {{strings.Repeat("9", 64), true}, {strings.Repeat("9", 65), false}},
}

var _ = Describe("the matchers on each primitive family's edges", func() {
	var patterns map[string]string
	BeforeEach(func() {
		var err error
		patterns, err = schemaPatterns()
		Expect(err).NotTo(HaveOccurred())
	})

	It("accept exactly what the R4 schema's pattern accepts, type by type", func() {
		for typ, edges := range schemaEdges {
			p, ok := patterns[typ]
			Expect(ok).To(BeTrue(), "the R4 schema gives %s a pattern", typ)
			match := lexical.Matcher(p)
			Expect(match).NotTo(BeNil(), "a matcher for %s (%s)", typ, p)
			re := regexp.MustCompile(p)
			for _, e := range edges {
				Expect(re.MatchString(e.value)).To(Equal(e.ok), "the %s pattern on %q", typ, e.value)
				Expect(match(e.value)).To(Equal(e.ok), "the %s matcher on %q", typ, e.value)
			}
		}
	})

	It("accept exactly what the profile engine's variants accept", func() {
		for p, edges := range variantEdges {
			match := lexical.Matcher(p)
			Expect(match).NotTo(BeNil(), p)
			re := regexp.MustCompile(p)
			for _, e := range edges {
				Expect(re.MatchString(e.value)).To(Equal(e.ok), "%s on %q", p, e.value)
				Expect(match(e.value)).To(Equal(e.ok), "the matcher of %s on %q", p, e.value)
			}
		}
	})

	It("leave the regular expression in place for the schema patterns they do not cover", func() {
		var uncovered []string
		for typ, p := range patterns {
			if lexical.Matcher(p) == nil {
				uncovered = append(uncovered, typ)
			}
		}
		// These keep Go's regexp; a matcher added for one is then held to
		// its pattern by FuzzLexical, which takes its list from the schema.
		Expect(uncovered).To(ConsistOf("boolean", "oid", "positiveInt", "unsignedInt", "uuid"))
		_, hasBase64 := patterns["base64Binary"]
		Expect(hasBase64).To(BeFalse(), "the R4 schema gives base64Binary no pattern")
		Expect(lexical.Matcher(`^[0-9a-zA-Z+/=\s]*$`)).To(BeNil(), "base64 text, whitespace allowed, stays a regular expression")
	})

	It("cover every pattern FuzzLexical checks with an edge case", func() {
		pairs, err := matchedPatterns()
		Expect(err).NotTo(HaveOccurred())
		covered := map[string]bool{}
		for typ := range schemaEdges {
			covered[patterns[typ]] = true
		}
		for p := range variantEdges {
			covered[p] = true
		}
		for _, pr := range pairs {
			if !covered[pr.source] {
				// a variant without a listed edge must at least be one of
				// the profile engine's, which the fuzz target covers.
				Expect(lexical.Patterns()).To(ContainElement(pr.source))
			}
		}
	})
})
