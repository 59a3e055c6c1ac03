package profile

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/model"
)

// codeSystemRules checks what a CodeSystem says about its own content
// against the content it carries (R4 CodeSystem.content, count, supplements,
// property): a complete code system has exactly the count of concepts it
// states (counted at every level) and a fragment or example fewer; one whose
// content is not present carries none; a supplement says what it supplements
// and is content "supplement", and only a supplement is; codes and property
// codes are each unique. The reference validator rejects each, except a
// fragment's count and an empty complete code system, which it warns about.
func (w *walker) codeSystemRules(m map[string]any, path string) {
	content, _ := m["content"].(string)
	concepts := objects(m["concept"])
	seen := map[string]string{}
	total := 0
	var walk func(list []map[string]any, p string)
	walk = func(list []map[string]any, p string) {
		for i, c := range list {
			cp := p + ".concept[" + strconv.Itoa(i) + "]"
			total++
			if code, ok := c["code"].(string); ok {
				if first, dup := seen[code]; dup {
					w.add(model.Error, CodeDuplicate, cp+".code", fmt.Sprintf("the code %q is defined twice in this CodeSystem (also at %s): a code identifies one concept", code, first), "")
				} else {
					seen[code] = cp
				}
			}
			walk(objects(c["concept"]), cp)
		}
	}
	walk(concepts, path)
	props := map[string]bool{}
	for i, p := range objects(m["property"]) {
		if code, ok := p["code"].(string); ok {
			if props[code] {
				w.add(model.Error, CodeDuplicate, path+".property["+strconv.Itoa(i)+"].code", fmt.Sprintf("the property code %q is declared twice in this CodeSystem", code), "")
			}
			props[code] = true
		}
	}
	_, supplements := m["supplements"].(string)
	switch {
	case supplements && content != "supplement" && content != "":
		w.add(model.Error, CodeCodeSystem, path+".content", fmt.Sprintf("this CodeSystem supplements another, so its content must be \"supplement\", not %q", content), "")
	case !supplements && content == "supplement":
		w.add(model.Error, CodeCodeSystem, path+".content", "content is \"supplement\", but the CodeSystem does not say which code system it supplements (supplements)", "")
	}
	if content == "not-present" && len(concepts) > 0 {
		w.add(model.Error, CodeCodeSystem, path+".concept[0]", fmt.Sprintf("content is \"not-present\", but the CodeSystem carries %d concepts", total), "")
	}
	if content == "complete" && total == 0 {
		w.add(model.Warning, CodeCodeSystem, path, "content is \"complete\", but the CodeSystem has no concepts", "")
	}
	count, ok := intOf(m["count"])
	if !ok {
		return
	}
	switch content {
	case "complete":
		if count != total {
			w.add(model.Error, CodeCodeSystem, path+".count", fmt.Sprintf("the CodeSystem is complete and states %d concepts, but has %d", count, total), "")
		}
	case "fragment", "example":
		if total >= count {
			w.add(model.Warning, CodeCodeSystem, path+".count", fmt.Sprintf("the CodeSystem is a %s of %d concepts, but already has %d", content, count, total), "")
		}
	}
}
