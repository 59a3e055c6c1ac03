package profile

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// Codes of the findings on a MeasureReport checked against the Measure it
// reports.
const (
	// CodeMeasureReport is a report that does not fit its Measure: a group,
	// population or stratifier whose code names none of the Measure's, one
	// reported twice, or one the Measure defines and the report leaves out.
	CodeMeasureReport = "profile.measure-report"
	// CodeMeasureUnknown is a report whose Measure is not loaded, so its
	// groups could not be checked.
	CodeMeasureUnknown = "profile.unknown-measure"
)

// measurePopulationObservation is the population code of the measure
// observations of a continuous-variable measure: a report need not carry it.
const measurePopulationObservation = "http://terminology.hl7.org/CodeSystem/measure-population|measure-observation"

// measureDef is a Measure compiled for checking reports: its groups, their
// populations and stratifiers, with their codes. Built once per Engine and
// read-only after.
type measureDef struct {
	// name is how findings name it: its url, and version when it has one.
	name   string
	groups []*mGroup
	// scoring is the Measure's scoring code ("proportion"); unit the
	// Coding its scores are in (questionnaire-unit), or nil
	// (measure_scoring.go).
	scoring string
	unit    map[string]any
}

// mGroup is one Measure.group; populations and stratifiers use it too (a
// population has no parts, a stratifier has components).
type mGroup struct {
	id          string
	code        concept
	populations []*mGroup
	stratifiers []*mGroup
	components  []concept
}

// concept is a CodeableConcept reduced to what matching reads: its codings
// as "system|code" and its text.
type concept struct {
	codings []string
	text    string
	present bool
}

func compileMeasure(res map[string]any) *measureDef {
	m := &measureDef{}
	m.name, _ = res["url"].(string)
	if v, ok := res["version"].(string); ok && v != "" {
		m.name += "|" + v
	}
	if m.name == "" {
		id, _ := res["id"].(string)
		m.name = "#" + id
	}
	m.scoring, m.unit = scoringOf(res)
	for _, g := range objects(res["group"]) {
		mg := &mGroup{code: conceptOf(g["code"])}
		mg.id, _ = g["id"].(string)
		for _, p := range objects(g["population"]) {
			mp := &mGroup{code: conceptOf(p["code"])}
			mp.id, _ = p["id"].(string)
			mg.populations = append(mg.populations, mp)
		}
		for _, s := range objects(g["stratifier"]) {
			ms := &mGroup{code: conceptOf(s["code"])}
			ms.id, _ = s["id"].(string)
			for _, c := range objects(s["component"]) {
				ms.components = append(ms.components, conceptOf(c["code"]))
			}
			mg.stratifiers = append(mg.stratifiers, ms)
		}
		m.groups = append(m.groups, mg)
	}
	return m
}

func conceptOf(v any) concept {
	m, ok := v.(map[string]any)
	if !ok {
		return concept{}
	}
	c := concept{present: true}
	c.text, _ = m["text"].(string)
	for _, cd := range objects(m["coding"]) {
		system, _ := cd["system"].(string)
		code, _ := cd["code"].(string)
		if code != "" {
			c.codings = append(c.codings, system+"|"+code)
		}
	}
	return c
}

// usable reports whether a code can match: a coding with a system and a code.
func (c concept) usable() bool {
	for _, cd := range c.codings {
		if !strings.HasPrefix(cd, "|") {
			return true
		}
	}
	return false
}

// matches reports whether two codes share a coding (system and code).
func (c concept) matches(other concept) bool {
	for _, a := range c.codings {
		for _, b := range other.codings {
			if a == b {
				return true
			}
		}
	}
	return false
}

// String renders a code for a message: its codings, or its text.
func (c concept) String() string {
	switch {
	case len(c.codings) > 0:
		parts := make([]string, len(c.codings))
		for i, cd := range c.codings {
			if code, ok := strings.CutPrefix(cd, "|"); ok {
				parts[i] = "'" + code + "' (no system)"
			} else {
				parts[i] = "'" + cd + "'"
			}
		}
		return strings.Join(parts, ", ")
	case c.text != "":
		return "text '" + c.text + "'"
	}
	return "no code"
}

// describe names a group, population or stratifier of the Measure in a
// message: by code, and by id when it has one.
func (g *mGroup) describe() string {
	s := g.code.String()
	if !g.code.present {
		s = "without a code"
	}
	if g.id != "" {
		s += " (id '" + g.id + "')"
	}
	return s
}

// measureReportRules checks a MeasureReport against the Measure it names, as
// the reference validator does: the report's groups match the Measure's by
// code (one anonymous group may stand for a Measure's only group), each group
// reports the Measure group's populations and stratifiers, matched by code,
// each once, and none the Measure does not define; and each group's score
// is what the Measure's scoring makes it (measure_scoring.go).
func (w *walker) measureReportRules(m map[string]any, path string) {
	md, ok := companionOf(w, m, "measure", "Measure", CodeMeasureUnknown, path, "the report's groups", compileMeasure)
	if !ok {
		return
	}
	if len(md.groups) == 0 {
		return // nothing to compare with
	}
	groups := objects(m["group"])
	r := &reportCheck{w: w, m: md}
	r.reportType, _ = m["type"].(string)
	if len(groups) == 1 && len(md.groups) == 1 {
		// A measure's only group may be reported anonymously; when both name
		// it, the codes must agree.
		g, mg := groups[0], md.groups[0]
		gp := path + ".group[0]"
		if code := conceptOf(g["code"]); code.present && mg.code.present {
			switch {
			case !code.usable():
				r.fail(gp+".code", fmt.Sprintf("group code %s has no coding with both a system and a code, so it cannot be matched to the group %s of Measure %s", code, mg.describe(), md.name))
			case !code.matches(mg.code):
				r.fail(gp+".code", fmt.Sprintf("group code %s does not match the code of the only group of Measure %s (%s)", code, md.name, mg.code))
			}
		}
		r.group(g, mg, gp)
		return
	}
	r.groups(m, groups, path)
}

// reportCheck is the state of checking one report.
type reportCheck struct {
	w          *walker
	m          *measureDef
	reportType string
}

func (r *reportCheck) fail(path, msg string) {
	r.w.add(model.Error, CodeMeasureReport, path, msg, "")
}

// groups matches several report groups (or several Measure groups) by code.
func (r *reportCheck) groups(report map[string]any, groups []map[string]any, path string) {
	seen := map[*mGroup]bool{}
	for i, g := range groups {
		gp := path + ".group[" + strconv.Itoa(i) + "]"
		code := conceptOf(g["code"])
		if !code.present {
			r.fail(gp, fmt.Sprintf("group has no code; when a Measure has several groups, or a report several, each group must have the code of the Measure group it reports (Measure %s has %s)", r.m.name, describeAll(r.m.groups)))
			continue
		}
		mg := findByCode(r.m.groups, code, false)
		switch {
		case mg == nil:
			r.fail(gp+".code", fmt.Sprintf("group code %s matches no group of Measure %s (its groups: %s)", code, r.m.name, describeAll(r.m.groups)))
		case seen[mg]:
			r.fail(gp+".code", fmt.Sprintf("group %s of Measure %s is reported more than once; report each group once", mg.describe(), r.m.name))
		default:
			seen[mg] = true
			r.group(g, mg, gp)
		}
	}
	if report["type"] == "data-collection" {
		return // data collection reports carry no groups (mrp-1)
	}
	for _, mg := range r.m.groups {
		if !seen[mg] {
			r.fail(path, fmt.Sprintf("Measure %s defines the group %s, but the report has no group with its code", r.m.name, mg.describe()))
		}
	}
}

// group checks one report group's populations and stratifiers against the
// Measure group it reports.
func (r *reportCheck) group(g map[string]any, mg *mGroup, path string) {
	where := "group " + mg.describe() + " of Measure " + r.m.name
	seen := map[*mGroup]bool{}
	for i, p := range objects(g["population"]) {
		pp := path + ".population[" + strconv.Itoa(i) + "]"
		code := conceptOf(p["code"])
		if !code.present {
			r.fail(pp, fmt.Sprintf("population has no code, so it cannot be matched to a population of %s; give it the code of the population it counts", where))
			continue
		}
		mp := findByCode(mg.populations, code, false)
		switch {
		case mp == nil:
			r.fail(pp+".code", fmt.Sprintf("population code %s matches no population of %s (its populations: %s)", code, where, describeAll(mg.populations)))
		case seen[mp]:
			r.fail(pp+".code", fmt.Sprintf("population %s of %s is reported more than once in this group", mp.describe(), where))
		default:
			seen[mp] = true
			r.subjects(p, pp)
		}
	}
	for _, mp := range mg.populations {
		if !seen[mp] && !slices.Contains(mp.code.codings, measurePopulationObservation) {
			r.fail(path, fmt.Sprintf("%s defines the population %s, but this group does not report it", where, mp.describe()))
		}
	}

	seen = map[*mGroup]bool{}
	for i, s := range objects(g["stratifier"]) {
		sp := path + ".stratifier[" + strconv.Itoa(i) + "]"
		// R4 allows several codes on a report's stratifier: any may match.
		var codes []concept
		for _, c := range objects(s["code"]) {
			codes = append(codes, conceptOf(c))
		}
		var ms *mGroup
		for _, c := range codes {
			if ms = findByCode(mg.stratifiers, c, true); ms != nil {
				break
			}
		}
		switch {
		case ms == nil && len(codes) == 0:
			r.fail(sp, fmt.Sprintf("stratifier has no code, so it matches no stratifier of %s; give it the code of the Measure stratifier it reports (%s)%s", where, describeAll(mg.stratifiers), uncoded(mg.stratifiers)))
		case ms == nil:
			r.fail(sp+".code", fmt.Sprintf("stratifier code %s matches no stratifier of %s (its stratifiers: %s)%s", codes[0], where, describeAll(mg.stratifiers), uncoded(mg.stratifiers)))
		case seen[ms]:
			r.fail(sp+".code", fmt.Sprintf("stratifier %s of %s is reported more than once in this group", ms.describe(), where))
		default:
			seen[ms] = true
		}
	}
	for _, ms := range mg.stratifiers {
		if seen[ms] {
			continue
		}
		hint := ""
		if !ms.code.present {
			hint = ": it has no code (only components), so no report stratifier can match it; give the Measure stratifier a code and report it with that code"
		}
		r.fail(path, fmt.Sprintf("%s defines the stratifier %s, but this group has no stratifier with its code%s", where, ms.describe(), hint))
	}
	r.score(g, path)
}

// findByCode returns the first of the Measure's parts whose code shares a
// coding with c; for stratifiers, codes with no codings match on equal text.
func findByCode(parts []*mGroup, c concept, byText bool) *mGroup {
	for _, p := range parts {
		if p.code.matches(c) {
			return p
		}
		if byText && len(p.code.codings) == 0 && len(c.codings) == 0 && c.text != "" && p.code.text == c.text {
			return p
		}
	}
	return nil
}

// describeAll lists the Measure's parts for a message.
func describeAll(parts []*mGroup) string {
	if len(parts) == 0 {
		return "none"
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.describe()
	}
	return listSome(out, 10)
}

// uncoded explains why a Measure's stratifiers cannot be matched when none of
// them has a code (they are defined by components only).
func uncoded(parts []*mGroup) string {
	for _, p := range parts {
		if p.code.present {
			return ""
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; the Measure's stratifiers have no code (only components), so reports cannot name them: give each one a code in the Measure"
}

// personTypes are the subjects one reference counts as one of.
var personTypes = []string{"Patient", "Practitioner", "Person", "PractitionerRole", "RelatedPerson"}

// subjects checks a population's subjectResults as the reference validator
// does: only a subject-list report lists subjects; there, the population's
// count is the number of subjects it lists, where that can be told: a List
// counts its entries, a person (resolved, or named Type/id by its URL) one.
// A list that is not at hand, or a Group, leaves the count unchecked.
func (r *reportCheck) subjects(p map[string]any, path string) {
	ref, has := p["subjectResults"].(map[string]any)
	if r.reportType != "subject-list" {
		if has {
			r.fail(path+".subjectResults", fmt.Sprintf("only a subject-list report lists the subjects of a population; this one is %s", cmp.Or(r.reportType, "of no type")))
		}
		return
	}
	count, ok := p["count"].(json.Number)
	if !ok || !has {
		return
	}
	want, err := strconv.Atoi(string(count))
	if err != nil {
		return
	}
	got := -1
	if target := r.w.resolveLocal(ref); target != nil {
		switch typ, _ := target["resourceType"].(string); {
		case slices.Contains(personTypes, typ):
			got = 1
		case typ == "List" && target["status"] != nil: // the List itself, not only its entry's name
			got = len(objects(target["entry"]))
		}
	} else if lit, _ := ref["reference"].(string); lit != "" {
		if typ, _, found := strings.Cut(lit, "/"); found && strings.Count(lit, "/") == 1 && slices.Contains(personTypes, typ) {
			got = 1
		}
	}
	if got >= 0 && got != want {
		r.fail(path, fmt.Sprintf("the population's count is %d, but its subjectResults list %d subject(s)", want, got))
	}
}
