package terminology

import (
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/coded"
)

// RunGuideUnits returns the GuideUnits a run's checks built, nil if none did.
func RunGuideUnits(env *check.Env) *GuideUnits {
	g, _ := guideUnits.Built(env, env.Terminology)
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

// CodingPaths lists the codings of a Coding or CodeableConcept value at path
// as "system|code path", each with the instance path a finding would use.
func CodingPaths(typ, path string, value map[string]any) []string {
	cs, paths := codings(codedValue{Path: coded.TextPath(path), Type: typ, Value: value}, nil)
	var out []string
	for i, c := range cs {
		out = append(out, c.System+"|"+c.Code+" "+paths.path(i))
	}
	return out
}
