package lexical_test

import (
	"testing"
)

// FuzzLexical holds every hand-written matcher to its regular expression
// (the R4 schema's patterns, read from the embedded definitions, and the
// profile engine's variants) on any string, invalid UTF-8 included. The
// seeds in testdata/fuzz/FuzzLexical are each primitive family's edges.
func FuzzLexical(f *testing.F) {
	pairs, err := matchedPatterns()
	if err != nil {
		f.Fatal(err)
	}
	if len(pairs) < 14 {
		f.Fatalf("only %d patterns with matchers", len(pairs))
	}
	f.Add("2020-02-29T23:59:60.5+14:00")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range pairs {
			if got, want := p.match(s), p.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: matcher %v, regular expression %v", p.source, s, got, want)
			}
		}
	})
}
