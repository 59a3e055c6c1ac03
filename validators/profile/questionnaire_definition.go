package profile

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/model"
)

// questionnaireRules checks what a Questionnaire's enableWhen conditions
// refer to (R4 Questionnaire.item.enableWhen.question): an item that exists
// in the Questionnaire, that is not the item itself nor one inside it (an
// item cannot depend on its own answers), and that comes before it, so a
// form can be filled in order (a warning, as in the reference validator);
// and the Questionnaire against those it derives from
// (questionnaire_derivation.go).
func (w *walker) questionnaireRules(m map[string]any, path string) {
	w.questionnaireDerivations(m, path)
	type place struct {
		order int
		item  map[string]any
		path  string
		outer []map[string]any // the enclosing items, innermost last
	}
	byLinkID := map[string]*place{}
	var all []*place
	var walk func(items any, p string, outer []map[string]any)
	walk = func(items any, p string, outer []map[string]any) {
		for i, it := range objects(items) {
			pl := &place{order: len(all), item: it, path: p + ".item[" + strconv.Itoa(i) + "]", outer: outer}
			all = append(all, pl)
			if id, ok := it["linkId"].(string); ok {
				if _, seen := byLinkID[id]; !seen {
					byLinkID[id] = pl
				}
			}
			walk(it["item"], pl.path, append(outer[:len(outer):len(outer)], it))
		}
	}
	walk(m["item"], path, nil)
	for _, pl := range all {
		self, _ := pl.item["linkId"].(string)
		for j, ew := range objects(pl.item["enableWhen"]) {
			ep := pl.path + ".enableWhen[" + strconv.Itoa(j) + "]"
			q, ok := ew["question"].(string)
			if !ok || q == "" {
				continue // the element's cardinality reports a missing question
			}
			target := byLinkID[q]
			switch {
			case target == nil:
				w.add(model.Error, CodeQuestionnaire, ep+".question", fmt.Sprintf("enableWhen of item '%s' refers to the question '%s', which this Questionnaire does not have", self, q), "")
			case q == self:
				w.add(model.Error, CodeQuestionnaire, ep+".question", fmt.Sprintf("enableWhen of item '%s' refers to the item itself: an item cannot be enabled by its own answer", self), "")
			case insideOf(target.outer, pl.item):
				w.add(model.Error, CodeQuestionnaire, ep+".question", fmt.Sprintf("enableWhen of item '%s' refers to '%s', which is inside it: an item cannot be enabled by the answers it holds", self, q), "")
			case target.order > pl.order:
				w.add(model.Warning, CodeQuestionnaire, ep+".question", fmt.Sprintf("enableWhen of item '%s' refers to '%s', which comes after it: a form filled in order cannot know yet whether the item is enabled", self, q), "")
			}
		}
	}
}

// insideOf reports whether item is one of the enclosing items.
func insideOf(outer []map[string]any, item map[string]any) bool {
	for _, o := range outer {
		if sameMap(o, item) {
			return true
		}
	}
	return false
}
