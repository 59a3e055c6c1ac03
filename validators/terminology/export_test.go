package terminology

import "strings"

// GuideUnitsService is the Env service holding a run's *GuideUnits.
const GuideUnitsService = ServiceName + ".guide-units"

// AllRules compiles every profile the loaded guides define and lists its unit
// rules as "profile element units".
func (g *GuideUnits) AllRules() (rules, errs []string) {
	for _, u := range g.defs.URLs("StructureDefinition") {
		p := g.profile(u)
		if p.Err != nil {
			errs = append(errs, u+": "+p.Err.Error())
		}
		for _, r := range p.Rules {
			rules = append(rules, u+" "+r.Element+" "+strings.Join(r.Want, "|"))
		}
	}
	return rules, errs
}
