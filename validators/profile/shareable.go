package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// A definition published for others to use (a shareable ValueSet,
// CodeSystem, ConceptMap or Measure) carries what lets them find, cite and
// trust it. R4 says which elements in its shareable profiles
// (shareablevalueset, shareablecodesystem, shareablemeasure); the reference
// validator checks a list of its own when it validates for publication
// (-forPublication), and carecert does the same under its for-publication
// option: the elements the reference requires are errors for HL7's own
// definitions (url containing "hl7") and warnings for others'; the other
// elements the R4 profile requires, and the name (or a Measure's title),
// are warnings. A contained definition is not published on its own and is
// not judged.

// CodeShareable marks a definition published for others to use that lacks
// what a shareable definition carries (under for-publication).
const CodeShareable = "profile.shareable"

// shareableMust are, per type, the elements a published definition must
// carry, as the reference validator lists them.
var shareableMust = map[string][]string{
	"ValueSet":   {"url", "version", "title", "status", "experimental", "description"},
	"ConceptMap": {"url", "version", "title", "status", "experimental", "description"},
	"CodeSystem": {"url", "version", "title", "status", "experimental", "description", "content", "caseSensitive"},
	"Measure":    {"url", "version", "name", "status", "experimental", "publisher", "description"},
}

// shareableShould are, per type, the elements a published definition
// should carry beyond those its R4 shareable profile requires.
var shareableShould = map[string][]string{
	"ValueSet":   {"name"},
	"ConceptMap": {"name"},
	"CodeSystem": {"name"},
	"Measure":    {"title"},
}

// shareableElements checks, under for-publication, a definition of a type
// above (not contained) for the elements a shareable one carries.
func (w *walker) shareableElements(m map[string]any, typ, path string) {
	must, ok := shareableMust[typ]
	if !w.e.forPublication || !ok || containedAt(path) {
		return
	}
	url, _ := m["url"].(string)
	sev := model.Warning
	if strings.Contains(url, "hl7") {
		sev = model.Error
	}
	for _, name := range must {
		if name == "caseSensitive" && (m["content"] == "supplement" || m["supplements"] != nil) {
			continue // a supplement's case sensitivity is its base's (supplementHeader)
		}
		if _, ok := m[name]; !ok {
			w.add(sev, CodeShareable, path, fmt.Sprintf("a %s published for others to use carries %s, and this one has none", typ, name), name)
		}
	}
	for _, name := range w.shareableShould(typ, must) {
		if _, ok := m[name]; !ok {
			w.add(model.Warning, CodeShareable, path, fmt.Sprintf("a %s published for others to use should carry %s, and this one has none", typ, name), name)
		}
	}
	if typ == "CodeSystem" && strings.Contains(url, "hl7.org") && !strings.Contains(url, "terminology.hl7.org") && !strings.Contains(url, "hl7.org/cda/stds/core") {
		w.add(model.Information, CodeShareable, path+".url", fmt.Sprintf("HL7 publishes its code systems in its terminology (terminology.hl7.org), not under %s", url), url)
	}
}

// shareableShould returns the elements a published definition of typ
// should carry: its list above and the top-level elements its R4
// shareable profile requires, less those it must carry.
func (w *walker) shareableShould(typ string, must []string) []string {
	out := slices.Clone(shareableShould[typ])
	sd, err := w.e.defs.StructureDefinition(definitions.CoreBase + "shareable" + strings.ToLower(typ))
	if err != nil {
		return out // R4 has no shareable ConceptMap profile
	}
	for _, el := range sd.Differential.Element {
		name, top := strings.CutPrefix(el.Path, typ+".")
		if !top || strings.Contains(name, ".") || el.Min == nil || *el.Min < 1 || slices.Contains(must, name) || slices.Contains(out, name) {
			continue
		}
		out = append(out, name)
	}
	return out
}
