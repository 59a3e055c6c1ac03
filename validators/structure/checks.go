package structure

import (
	"fmt"
	"sort"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

func newResourceTypeCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	if err := spec.Params.Reject(); err != nil {
		return nil, err
	}
	s, err := sharedSchema(env)
	if err != nil {
		return nil, err
	}
	return check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
		res := rec.Resource()
		typ, present := res["resourceType"]
		name, isString := typ.(string)
		switch {
		case !present:
			return []model.Finding{rec.Finding(model.Error, "structure.resource-type", "", "record has no resourceType: it is not a FHIR resource")}
		case !isString:
			return []model.Finding{rec.Finding(model.Error, "structure.resource-type", "", fmt.Sprintf("resourceType must be a string, got %T", typ))}
		case !s.IsResourceType(name):
			msg := fmt.Sprintf("unknown resource type %q", name)
			if near := closest(name, s.ResourceTypes()); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			return []model.Finding{rec.Finding(model.Error, "structure.resource-type", "", msg)}
		}
		return nil
	}), nil
}

func newSchemaCheck(spec check.Spec, env *check.Env) (check.Check, error) {
	if err := spec.Params.Reject(); err != nil {
		return nil, err
	}
	s, err := sharedSchema(env)
	if err != nil {
		return nil, err
	}
	applies := func(rec *model.Record) bool {
		return rec.Kind == model.KindFHIR && s.IsResourceType(fhir.ResourceType(rec.Resource()))
	}
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		var out []model.Finding
		s.Validate(rec.Resource(), rec.Type, func(path, code, msg, evidence string) {
			f := rec.Finding(model.Error, code, path, msg)
			f.Evidence = evidence
			f.Sensitive = fhir.IsIdentifying(path)
			out = append(out, f)
		})
		return out
	}), nil
}

// closest returns the candidate nearest to s by edit distance, if near enough to
// be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	sort.Strings(candidates)
	for _, c := range candidates {
		if d := distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
