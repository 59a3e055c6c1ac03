package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// coding checks what a Coding's system must be beyond the uri format: an
// absolute URI that names a code system. A relative system ("Location1") has
// no meaning outside the sender, and the canonical URL of a value set is a
// common mistake for the code system it draws on.
func (w *walker) coding(m map[string]any, path string) {
	system, ok := m["system"].(string)
	if !ok || system == "" {
		return
	}
	if !absoluteURI(system) {
		w.add(model.Error, CodeCoding, path+".system", fmt.Sprintf("Coding.system %q must be an absolute URI naming a code system (such as http://snomed.info/sct), not a local name", system), "")
		return
	}
	if kind := w.e.canonicalKind(system); kind == "ValueSet" {
		w.add(model.Error, CodeCoding, path+".system", fmt.Sprintf("Coding.system %s is the URL of a value set, not of a code system: use the system of the code itself", system), "")
	}
}

// canonicalKind returns the resource type of the loaded definition a canonical
// URL names ("ValueSet"), or "" when none is loaded; answers are kept, since
// feeds repeat a handful of systems millions of times. Only URLs shaped like a
// value set's are looked up (and kept): looking up every system would load the
// core terminology index (about 70 MB) for feeds that never need it.
func (e *Engine) canonicalKind(url string) string {
	if !strings.Contains(url, "/ValueSet/") && !strings.Contains(url, "/vs/") {
		return ""
	}
	if v, ok := e.kinds.Load(url); ok {
		return v.(string)
	}
	kind := ""
	if entry, ok := e.defs.Lookup(url); ok {
		kind = entry.ResourceType
	}
	e.kinds.Store(url, kind)
	return kind
}
