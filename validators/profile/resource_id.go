package profile

import (
	"github.com/carecert/carecert/model"
)

// resourceIDExtensions reports extensions on a resource's id (JSON "_id", an
// <extension> inside XML's <id>). Resource.id is the resource's logical id on
// its server, a string the server assigns, not an element of the content:
// R4 types it as a plain FHIRPath string, and the reference validator
// refuses extensions on it. An extension about the resource belongs in its
// own extension element.
func (w *walker) resourceIDExtensions(m map[string]any, path string) {
	c, _ := m["_id"].(map[string]any)
	if exts, _ := c["extension"].([]any); len(exts) > 0 {
		w.add(model.Error, CodeExtension, path+".id", "the resource id takes no extensions: it is the logical id a server assigns, not content; put an extension about the resource in the resource's own extension element", "")
	}
}
