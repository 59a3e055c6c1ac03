package profile

import (
	"fmt"
	"slices"
	"strings"

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
// It reads typ's own definition only, which a run has loaded for the
// records of typ it checks: asking it of every resource type at once loaded
// all R4's definitions, 3% of a clean NDJSON feed's CPU and most of a small
// file's start-up.
func isCanonicalType(typ string) bool {
	ix, err := elements.R4()
	if err != nil || !ix.IsResource(typ) {
		return false
	}
	for _, m := range canonicalMarks {
		if e := ix.Element(typ + "." + m.name); e == nil || e.TypeCode() != m.code {
			return false
		}
	}
	return true
}

// canonicalMarks are the root elements, and their types, every R4
// definition resource has.
var canonicalMarks = [...]struct{ name, code string }{{"status", "code"}, {"publisher", "string"}, {"date", "dateTime"}}
