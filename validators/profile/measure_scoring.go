package profile

import (
	"encoding/json"
	"fmt"

	"github.com/carecert/carecert/model"
)

// measureScoringSystem is the code system of Measure.scoring in R4.
const measureScoringSystem = "http://terminology.hl7.org/CodeSystem/measure-scoring"

// scoringOf reads a Measure's scoring code and the unit its scores are in.
func scoringOf(res map[string]any) (string, map[string]any) {
	scoring := ""
	if cc, ok := res["scoring"].(map[string]any); ok {
		for _, c := range objects(cc["coding"]) {
			if sys, _ := c["system"].(string); sys == measureScoringSystem || sys == "" {
				scoring, _ = c["code"].(string)
				break
			}
		}
	}
	var unit map[string]any
	for _, ext := range objects(res["extension"]) {
		if ext["url"] == extQuestionnaireUnit {
			unit, _ = ext["valueCoding"].(map[string]any)
		}
	}
	return scoring, unit
}

// extQuestionnaireUnit gives the unit of a Measure's scores.
const extQuestionnaireUnit = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"

// score checks a report group's measureScore against the Measure's scoring
// (R4 Measure.scoring, MeasureReport.group.measureScore), as the reference
// validator does: a data-collection report and a cohort measure have no
// score; proportion, ratio and continuous-variable measures have one with a
// value; a proportion is a unitless number from 0 to 1; a ratio or a
// continuous variable is in the unit the Measure gives (a ratio should give
// a unit when the Measure does not).
func (r *reportCheck) score(g map[string]any, path string) {
	ms, has := g["measureScore"].(map[string]any)
	sp := path + ".measureScore"
	switch {
	case r.reportType == "data-collection":
		if has {
			r.fail(sp, "a data-collection report carries no measureScore")
		}
		return
	case r.m.scoring == "cohort":
		if has {
			r.fail(sp, fmt.Sprintf("Measure %s scores as a cohort, so its report groups have no measureScore", r.m.name))
		}
		return
	case r.m.scoring != "proportion" && r.m.scoring != "ratio" && r.m.scoring != "continuous-variable":
		return // scoring unknown: nothing to check against
	}
	if !has {
		r.fail(path, fmt.Sprintf("Measure %s scores as a %s, so each group needs a measureScore", r.m.name, r.m.scoring))
		return
	}
	value, hasValue := ms["value"].(json.Number)
	if !hasValue {
		r.fail(sp, fmt.Sprintf("the measureScore of a %s measure needs a value", r.m.scoring))
		return
	}
	switch r.m.scoring {
	case "proportion":
		for _, k := range []string{"unit", "system", "code"} {
			if _, ok := ms[k]; ok {
				r.fail(sp+"."+k, "a proportion is a number without a unit, so the measureScore has no "+k)
			}
		}
		if f, err := value.Float64(); err == nil && (f < 0 || f > 1) {
			r.fail(sp+".value", fmt.Sprintf("a proportion is between 0 and 1, not %s", value))
		}
	case "ratio", "continuous-variable":
		code, hasCode := ms["code"].(string)
		switch {
		case hasCode && r.m.unit != nil:
			if want, _ := r.m.unit["code"].(string); want != "" && code != want {
				r.fail(sp+".code", fmt.Sprintf("Measure %s gives its scores in %s, not %s", r.m.name, want, code))
			}
			if want, _ := r.m.unit["system"].(string); want != "" {
				if sys, ok := ms["system"].(string); ok && sys != want {
					r.fail(sp+".system", fmt.Sprintf("Measure %s gives its scores in units of %s, not %s", r.m.name, want, sys))
				}
			}
		case r.m.unit != nil:
			want, _ := r.m.unit["code"].(string)
			r.fail(sp, fmt.Sprintf("Measure %s gives its scores in %s, but the measureScore has no unit code", r.m.name, want))
		case !hasCode && r.m.scoring == "ratio":
			r.w.add(model.Warning, CodeMeasureReport, sp, "a ratio's measureScore should say its unit (code)", "")
		}
	}
}
