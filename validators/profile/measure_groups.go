package profile

import (
	"strconv"

	"github.com/carecert/carecert/model"
)

// CodeMeasureGroups is a Measure whose groups, populations or stratifiers
// a report could not tell apart, or that has none to report.
const CodeMeasureGroups = "profile.measure-groups"

// measureGroups warns about a Measure whose parts a report could not tell
// apart, as the reference validator's MeasureValidator does: a Measure has
// at least one group, each group at least one population, and where there
// are several groups, several populations of a group, several stratifiers
// of a group or several components of a stratifier, each carries a code —
// the code is how a MeasureReport names the part it reports (R4
// MeasureReport.group.code, population.code, stratifier.code).
func (w *walker) measureGroups(m map[string]any, path string) {
	groups := objects(m["group"])
	if len(groups) == 0 {
		w.add(model.Warning, CodeMeasureGroups, path, "the Measure has no group: a report of it has nothing to report", "")
		return
	}
	coded := func(parts []map[string]any, what, at string) {
		if len(parts) < 2 {
			return
		}
		for i, p := range parts {
			if _, ok := p["code"]; !ok {
				w.add(model.Warning, CodeMeasureGroups, at+"["+strconv.Itoa(i)+"]", "the "+what+" has no code, but it has "+strconv.Itoa(len(parts)-1)+" siblings: a report names each by its code", "")
			}
		}
	}
	coded(groups, "group", path+".group")
	for i, g := range groups {
		gp := path + ".group[" + strconv.Itoa(i) + "]"
		pops := objects(g["population"])
		if len(pops) == 0 {
			w.add(model.Warning, CodeMeasureGroups, gp, "the group has no population: there is nothing in it to count", "")
		}
		coded(pops, "population", gp+".population")
		strata := objects(g["stratifier"])
		coded(strata, "stratifier", gp+".stratifier")
		for j, s := range strata {
			coded(objects(s["component"]), "stratifier component", gp+".stratifier["+strconv.Itoa(j)+"].component")
		}
	}
}
