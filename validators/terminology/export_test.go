package terminology

import (
	"strings"

	"github.com/carecert/carecert/check"
)

// RunGuideUnits returns the GuideUnits a run's checks built, nil if none did.
func RunGuideUnits(env *check.Env) *GuideUnits {
	g, _ := guideUnits.Built(env)
	return g
}

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
