package dict

import (
	"fmt"
	"sort"
)

// CompareDefinitions lists, one line each, where two sources' definitions of
// the same version disagree on a segment's fields or a data type's components
// (data type, optionality, repetitions, length, table, or how many there are).
// Definitions only one source has are not disagreements.
func CompareDefinitions(a, b *Version) []string {
	var out []string
	for _, name := range sortedKeys(a.Segments) {
		if bs, ok := b.Segments[name]; ok {
			out = append(out, compareFields(a.Version, "segment "+name, a.Segments[name].Fields, bs.Fields)...)
		}
	}
	for _, name := range sortedKeys(a.Types) {
		if bt, ok := b.Types[name]; ok {
			out = append(out, compareFields(a.Version, "type "+name, a.Types[name].Components, bt.Components)...)
		}
	}
	return out
}

func compareFields(v, what string, a, b []Field) []string {
	var out []string
	if len(a) != len(b) {
		out = append(out, fmt.Sprintf("%s %s: %d fields in hl7v2-dictionary, %d in hl7-dictionary", v, what, len(a), len(b)))
	}
	for i := 0; i < min(len(a), len(b)); i++ {
		x, y := a[i], b[i]
		var diffs []string
		if x.Type != y.Type {
			diffs = append(diffs, fmt.Sprintf("type %s/%s", x.Type, y.Type))
		}
		if x.Opt != y.Opt {
			diffs = append(diffs, fmt.Sprintf("opt %s/%s", x.Opt, y.Opt))
		}
		if x.MaxReps() != y.MaxReps() {
			diffs = append(diffs, fmt.Sprintf("rep %d/%d", x.MaxReps(), y.MaxReps()))
		}
		if x.Len != y.Len {
			diffs = append(diffs, fmt.Sprintf("len %d/%d", x.Len, y.Len))
		}
		if x.Table != y.Table {
			diffs = append(diffs, fmt.Sprintf("table %d/%d", x.Table, y.Table))
		}
		for _, d := range diffs {
			out = append(out, fmt.Sprintf("%s %s.%d: %s", v, what, i+1, d))
		}
	}
	return out
}

// CompareVersions compares dotted versions numerically: -1, 0 or 1.
func CompareVersions(a, b string) int { return compareVersions(a, b) }

// SortedKeys returns a map's keys in order.
func SortedKeys[T any](m map[string]T) []string { return sortedKeys(m) }

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
