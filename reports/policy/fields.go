package policy

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/internal/spelling"
)

// UnknownFields finds every key of a policy section that no policy field
// has, at its path ("rules[0].levle"), with the nearest known key. A
// misspelt key would otherwise drop a rule or waiver silently; every one is
// reported at once so the author fixes them in one pass.
func UnknownFields(cfg map[string]any) []*FieldError {
	var errs []*FieldError
	unknownKeys(cfg, "", yamlKeys(Config{}), &errs)
	for _, part := range []struct {
		key  string
		keys []string
	}{{"rules", yamlKeys(RuleConfig{})}, {"waivers", yamlKeys(Waiver{})}} {
		items, _ := cfg[part.key].([]any)
		for i, item := range items {
			if m, ok := item.(map[string]any); ok {
				unknownKeys(m, fmt.Sprintf("%s[%d].", part.key, i), part.keys, &errs)
			}
		}
	}
	return errs
}

func unknownKeys(m map[string]any, prefix string, known []string, errs *[]*FieldError) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same input, the same report
	for _, k := range keys {
		if slices.Contains(known, k) {
			continue
		}
		msg := fmt.Sprintf("policy: unknown field %q", k)
		if near := spelling.Closest(k, known, 3); near != "" {
			msg += fmt.Sprintf(": did you mean %s?", near)
		}
		msg += fmt.Sprintf(" (fields here: %s)", strings.Join(known, ", "))
		*errs = append(*errs, &FieldError{Path: prefix + k, Msg: msg})
	}
}

// yamlKeys are the keys a policy struct decodes, read from its yaml tags so
// that the list cannot drift from the fields.
func yamlKeys(v any) []string {
	t := reflect.TypeOf(v)
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	return keys
}
