package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// workGroupSystem is R4's code system of HL7 work groups, which the
// structuredefinition-wg extension's required binding draws from: a code
// outside it already fails that binding in R4, so it is the list of known
// groups too.
const workGroupSystem = "http://terminology.hl7.org/CodeSystem/hl7-work-group"

// hl7Publisher is how a definition HL7 publishes names its publisher: HL7
// International, then the owning work group's name.
const hl7Publisher = "HL7 International / "

// workGroup is one HL7 work group as R4's code system describes it.
type workGroup struct {
	// names are the names a publisher may give the group: R4's display,
	// and the name HL7 has used since, where it renamed the group.
	names []string
	// page is the group's page on hl7.org (R4 gives it in the concept's
	// definition), which a definition it owns lists as a contact url.
	page string
}

// renamedWorkGroups are the names HL7 gives four groups since R4 (the
// code system's later versions on terminology.hl7.org, and the publisher of
// HL7's guides since): a definition naming its publisher by either name
// names it rightly. Only names change here, never which codes exist.
var renamedWorkGroups = map[string]string{
	"dev":   "Devices",
	"pher":  "Public Health",
	"us":    "US Realm Steering Committee",
	"vocab": "Terminology Infrastructure",
}

// hl7WorkGroups reads the work groups from R4's code system once.
func (e *Engine) hl7WorkGroups() map[string]workGroup {
	e.workGroupsOnce.Do(func() {
		e.workGroups = map[string]workGroup{}
		cs, err := e.defs.Resource(workGroupSystem)
		if err != nil {
			return
		}
		for _, c := range objects(cs["concept"]) {
			code, _ := c["code"].(string)
			display, _ := c["display"].(string)
			if code == "" || display == "" {
				continue
			}
			g := workGroup{names: []string{display}, page: groupPage(c["definition"])}
			if name, ok := renamedWorkGroups[code]; ok {
				g.names = append(g.names, name)
			}
			e.workGroups[code] = g
		}
	})
	return e.workGroups
}

// groupPage finds the group's page in R4's definition of it ("Patient Care
// (http://www.hl7.org/Special/committees/patientcare/index.cfm)."), without
// the index page: the committee's address.
func groupPage(definition any) string {
	s, _ := definition.(string)
	_, rest, ok := strings.Cut(s, "(http")
	if !ok {
		return ""
	}
	page, _, _ := strings.Cut("http"+rest, ")")
	return strings.TrimSuffix(page, "/index.cfm")
}

// hl7WorkGroup checks a definition HL7 itself publishes (its url under
// http://hl7.org/fhir/, as the reference validator tells HL7's content from
// others'), as the reference does by default:
//   - it is owned by one work group, so it names at most one with the
//     structuredefinition-wg extension (an error);
//   - the group named is one HL7 has (an error);
//   - its publisher is HL7 International and that group: missing, a
//     warning; another, an error when written in that form ("HL7
//     International / Pharmacy", a mistaken group), a warning otherwise (an
//     older form of HL7's name);
//   - its contacts give the group's page (a warning).
//
// Whether a work group must be named at all is a publication check
// (for-publication; HL7's identifier systems under /sid/ excepted, which no
// group owns).
func (w *walker) hl7WorkGroup(m map[string]any, path string) {
	url, _ := m["url"].(string)
	if !strings.HasPrefix(url, coreBase) {
		return
	}
	first, code := -1, ""
	for i, x := range objects(m["extension"]) {
		if x["url"] != extWorkGroup {
			continue
		}
		if first < 0 {
			first = i
			code, _ = x["valueCode"].(string)
			continue
		}
		w.add(model.Error, CodeExtension, path+".extension["+strconv.Itoa(i)+"]",
			fmt.Sprintf("a resource HL7 publishes is owned by one work group, but this one names a second with %s (the first at extension[%d])", extWorkGroup, first), "")
	}
	if first < 0 {
		if w.e.forPublication && !strings.HasPrefix(url, coreBase+"sid/") {
			w.add(model.Error, CodeCanonicalResource, path, fmt.Sprintf("a definition HL7 publishes (url %s) names the work group that owns it with %s", url, extWorkGroup), "")
		}
		return
	}
	if code == "" {
		return // no code to judge: the extension's own definition says why
	}
	g, known := w.e.hl7WorkGroups()[code]
	if !known {
		// The extension's required binding to R4's work groups already
		// reports the code, at the same place; a second error would say
		// the same thing twice (and a group formed since R4, which the
		// reference validator knows, would get two for one cause).
		return
	}
	w.hl7Publisher(m, path, code, g)
	if g.page != "" && !listsPage(m, g.page) {
		w.add(model.Warning, CodeCanonicalResource, path+".contact", fmt.Sprintf("the work group %s owns this definition, but no contact gives its page %s as a url", code, g.page), "")
	}
}

// hl7Publisher checks the publisher of a definition work group code owns.
func (w *walker) hl7Publisher(m map[string]any, path, code string, g workGroup) {
	want := make([]string, len(g.names))
	for i, n := range g.names {
		want[i] = strconv.Quote(hl7Publisher + n)
	}
	pub, _ := m["publisher"].(string)
	if pub == "" {
		w.add(model.Warning, CodeCanonicalResource, path, fmt.Sprintf("a definition HL7 publishes names its publisher: for the work group %s, %s", code, strings.Join(want, " or ")), "")
		return
	}
	for _, n := range g.names {
		if pub == hl7Publisher+n {
			return
		}
	}
	level := model.Warning
	if strings.Contains(pub, "/") {
		level = model.Error
	}
	w.add(level, CodeCanonicalResource, path+".publisher", fmt.Sprintf("the publisher %q is not the work group %s this definition names: it is %s", pub, code, strings.Join(want, " or ")), "")
}

// listsPage reports whether a contact of the definition gives the group's
// page as a url: the page itself or an address under it (its index page),
// or a shorter form of it, as the reference accepts; hl7.org's paths are
// compared without regard to case, as its server serves them.
func listsPage(m map[string]any, page string) bool {
	page = strings.ToLower(page)
	for _, c := range objects(m["contact"]) {
		for _, t := range objects(c["telecom"]) {
			v, _ := t["value"].(string)
			v = strings.ToLower(v)
			if t["system"] == "url" && v != "" && (strings.HasPrefix(page, v) || strings.HasPrefix(v, page)) {
				return true
			}
		}
	}
	return false
}
