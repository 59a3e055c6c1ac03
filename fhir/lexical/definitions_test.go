package lexical_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/fhir/r4core"
)

// schemaPatterns reads each primitive type's pattern from the embedded R4 JSON
// schema, where the structure suite's quick walk takes them from: type name
// to regular expression source.
func schemaPatterns() (map[string]string, error) {
	_, defs, err := r4core.SchemaParts()
	if err != nil {
		return nil, fmt.Errorf("reading the embedded R4 schema: %w", err)
	}
	out := map[string]string{}
	for name, part := range defs {
		b, err := part.Bytes()
		if err != nil {
			return nil, fmt.Errorf("schema definition %s: %w", name, err)
		}
		var d map[string]any
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("schema definition %s: %w", name, err)
		}
		if p, ok := d["pattern"].(string); ok {
			out[name] = p
		}
	}
	return out, nil
}

// pair is one pattern with its matcher and the regular expression it stands
// for.
type pair struct {
	source string
	re     *regexp.Regexp
	match  func(string) bool
}

// matchedPatterns lists every pattern that has a hand-written matcher: the
// schema's (as read from the definitions) and the profile engine's variants,
// in a stable order.
func matchedPatterns() ([]pair, error) {
	fromSchema, err := schemaPatterns()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var sources []string
	for _, p := range fromSchema {
		if lexical.Matcher(p) != nil && !seen[p] {
			seen[p] = true
			sources = append(sources, p)
		}
	}
	for _, p := range lexical.Patterns() {
		if !seen[p] {
			seen[p] = true
			sources = append(sources, p)
		}
	}
	sort.Strings(sources)
	out := make([]pair, 0, len(sources))
	for _, p := range sources {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("pattern %s: %w", p, err)
		}
		out = append(out, pair{source: p, re: re, match: lexical.Matcher(p)})
	}
	return out, nil
}
