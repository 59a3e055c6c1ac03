package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/model"
)

// expansionMembers checks a ValueSet's expansion against its own definition,
// as the reference validator does: an expansion says which expansion it is
// (R4 ValueSet.expansion.identifier, information when missing), and where
// carecert can enumerate the compose offline (concepts listed, whole code
// systems it holds complete, value sets it can enumerate in turn) the
// expansion lists the same codes: those it lacks and those it adds are each
// a warning. An expansion that is one page of a larger one (an offset, or a
// total beyond what it lists) is not judged for what it lacks.
func (w *walker) expansionMembers(vs, exp map[string]any, path string) {
	if _, ok := exp["identifier"]; !ok {
		w.add(model.Information, CodeValueSet, path, "the expansion has no identifier: an expansion is best identified, so that its users can say which they used", "")
	}
	compose, _ := vs["compose"].(map[string]any)
	if compose == nil {
		return
	}
	x := NewEnumeratedCodes(w.e.defs).fromCompose(compose, 0)
	if !x.ok {
		return
	}
	listed := map[string]map[string]bool{}
	count := 0
	walkContains(exp["contains"], func(c map[string]any) {
		count++
		system, _ := c["system"].(string)
		if code, ok := c["code"].(string); ok && system != "" {
			put(&expansion{codes: listed}, system, code, true)
		}
	})
	offset, _ := intOf(exp["offset"])
	total, hasTotal := intOf(exp["total"])
	if paged := offset > 0 || (hasTotal && total > count); !paged {
		if missing := codesBeside(x.codes, listed); len(missing) > 0 {
			w.add(model.Warning, CodeValueSet, path, fmt.Sprintf("the expansion lacks %d code(s) the compose includes: %s", len(missing), codeSample(missing)), "")
		}
	}
	if extra := codesBeside(listed, x.codes); len(extra) > 0 {
		w.add(model.Warning, CodeValueSet, path, fmt.Sprintf("the expansion lists %d code(s) the compose does not include: %s", len(extra), codeSample(extra)), "")
	}
}

// codesBeside returns, sorted, the system#code pairs of a that b lacks.
func codesBeside(a, b map[string]map[string]bool) []string {
	var out []string
	for system, codes := range a {
		for code := range codes {
			if !b[system][code] {
				out = append(out, system+"#"+code)
			}
		}
	}
	slices.Sort(out)
	return out
}

// codeSample writes at most five system#code pairs for a message.
func codeSample(list []string) string {
	if len(list) > 5 {
		return strings.Join(list[:5], ", ") + ", ..."
	}
	return strings.Join(list, ", ")
}
