package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// Element ids, contained resource ids and security labels are sets: an id
// identifies one element (or contained resource) within its resource, so
// that references such as "#id" and the narrative's links point at one
// thing (R4 §2.24.0.4 Element.id, §2.21 contained); and a security label
// said twice says nothing more and suggests two labels that disagree were
// meant (R4 Meta.security). The reference validator rejects repeats of each.

// uniqueSets reports repeated contained resource ids and security labels of
// one resource.
func (w *walker) uniqueSets(m map[string]any, path string) {
	contained, _ := m["contained"].([]any)
	for i, c := range contained {
		// A contained resource is found only by its id (R4 §2.21.0.1:
		// "#id" references), so it must have one, as the reference
		// validator requires.
		if cm, ok := c.(map[string]any); ok && cm["id"] == nil && cm["_id"] == nil {
			w.add(model.Error, CodeDuplicate, path+".contained["+strconv.Itoa(i)+"]", fmt.Sprintf("contained resource %d has no id: a contained resource is referred to by its id, so it must have one", i), "")
		}
	}
	if len(contained) > 1 {
		first := map[string]int{}
		for i, c := range contained {
			cm, _ := c.(map[string]any)
			id, ok := cm["id"].(string)
			if !ok {
				continue
			}
			if j, dup := first[id]; dup {
				w.add(model.Error, CodeDuplicate, path+".contained["+strconv.Itoa(i)+"]", fmt.Sprintf("contained resources %d and %d both have the id %q: a contained id must identify one resource", j, i, id), "")
				continue
			}
			first[id] = i
		}
	}
	meta, _ := m["meta"].(map[string]any)
	if security, ok := meta["security"].([]any); ok && len(security) > 1 {
		first := map[string]int{}
		for i, s := range security {
			sm, _ := s.(map[string]any)
			system, _ := sm["system"].(string)
			code, _ := sm["code"].(string)
			key := system + "#" + code
			if j, dup := first[key]; dup {
				w.add(model.Error, CodeDuplicate, path+".meta.security["+strconv.Itoa(i)+"]", fmt.Sprintf("the security label %s is given twice (labels %d and %d): security labels are a set", key, j, i), "")
				continue
			}
			first[key] = i
		}
	}
}

// elementID records the id of an element (not of a resource) at path and
// reports one already used by another element of the same resource. Nested
// resources (contained, in a Parameters) have ids of their own.
func (w *walker) elementID(id, path string) {
	if w.ids == nil {
		w.ids = map[string]string{}
	}
	key := id
	if strings.Contains(path, ".snapshot.") && w.res["resourceType"] == "StructureDefinition" {
		// A snapshot repeats the differential's element ids by design.
		key = "snapshot\x00" + id
	}
	if other, dup := w.ids[key]; dup {
		if other != path {
			w.add(model.Error, CodeDuplicate, path, fmt.Sprintf("the element id %q is also the id of %s: element ids must be unique within a resource", id, other), "")
		}
		return
	}
	w.ids[key] = path
}
