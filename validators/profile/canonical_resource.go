package profile

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
)

// CodeCanonicalResource marks a definition (a canonical resource) whose
// version or status says something its users will misread.
const CodeCanonicalResource = "profile.canonical-resource"

// standardsStatuses gives, for each standards status a definition may state
// by extension, the resource statuses that agree with it: a normative
// definition is active, a draft one draft, a deprecated or withdrawn one
// retired.
var standardsStatuses = map[string][]string{
	"draft":       {"draft"},
	"normative":   {"active"},
	"trial-use":   {"draft", "active"},
	"informative": {"draft", "active", "retired"},
	"deprecated":  {"retired"},
	"withdrawn":   {"retired"},
	"external":    {"draft", "active", "retired"},
}

// likelyStatus is the status a definition of standards status ss most
// often has, when status (one ss allows) is an unusual one: a trial-use
// definition is in use (active), not a draft; an informative or external
// one that is retired is not usually still published. status itself
// otherwise.
func likelyStatus(ss, status string) string {
	switch {
	case ss == "trial-use" && status == "draft":
		return "active"
	case (ss == "informative" || ss == "external") && status == "retired":
		return "draft or active"
	}
	return status
}

// canonicalResourceRules warns of what every definition (a resource with a
// canonical url, a version and a publication status) should avoid, as the
// reference validator does: a version holding '#', which readers of a
// versioned reference (url|version#fragment) split wrongly; and a status
// that contradicts the standards status the definition states by extension.
// A definition HL7 publishes also names at most one work group
// (hl7WorkGroup), a check the reference makes on definitions only.
func (w *walker) canonicalResourceRules(m map[string]any, typ, path string) {
	if !isCanonicalType(typ) {
		return
	}
	w.hl7WorkGroup(m, path)
	if w.e.noExperimentalContent && m["experimental"] == true {
		w.add(model.Error, CodeCanonicalResource, path+".experimental", "this definition is marked experimental, and no-experimental-content refuses experimental content: content that must be fit for production uses definitions that are not experimental", "")
	}
	if v, _ := m["version"].(string); strings.Contains(v, "#") {
		w.add(model.Warning, CodeCanonicalResource, path+".version", fmt.Sprintf("the version %q holds '#', which separates a fragment in a URL: a reference to url|version#id is read wrongly; choose a version without '#'", v), "")
	}
	status, _ := m["status"].(string)
	for _, ss := range extensionValues(m, extStandardsStatus) {
		ok, known := standardsStatuses[ss]
		switch {
		case !known || status == "":
		case !slices.Contains(ok, status):
			w.add(model.Warning, CodeCanonicalResource, path+".status", fmt.Sprintf("the status %s contradicts the standards status %s the definition states: a %s definition has status %s", status, ss, ss, strings.Join(ok, " or ")), "")
		case status != likelyStatus(ss, status):
			w.add(model.Information, CodeCanonicalResource, path+".status", fmt.Sprintf("the status %s is allowed with the standards status %s, but unusual: a %s definition is most often %s; check which is meant", status, ss, ss, likelyStatus(ss, status)), "")
		}
	}
}

// isCanonicalType reports whether resources of typ are definitions: R4 gives
// them a publication status (code), a publisher (string) and a date
// (dateTime); not all of them a url and version (NamingSystem has neither).
func isCanonicalType(typ string) bool { return canonicalTypes()[typ] }

// canonicalTypes is the set of R4 definition resource types, found once in
// the element index so that other resources pay one map lookup.
var canonicalTypes = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	ix, err := elements.R4()
	if err != nil {
		return out
	}
	for _, typ := range ix.Names() {
		if !ix.IsResource(typ) {
			continue
		}
		canonical := true
		for el, code := range map[string]string{"status": "code", "publisher": "string", "date": "dateTime"} {
			if e := ix.Element(typ + "." + el); e == nil || e.TypeCode() != code {
				canonical = false
			}
		}
		out[typ] = canonical
	}
	return out
})
