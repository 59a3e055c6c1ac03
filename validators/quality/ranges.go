package quality

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// Range is the plausible interval of an observation's value for one code,
// in one unit; values in other units of the same dimension are converted.
type Range struct {
	System string
	Code   string
	Name   string
	Unit   string
	Low    float64
	High   float64
	// Factors convert units of another dimension that only make sense for
	// this code (glucose: mmol/L to mg/dL), value in that unit times factor.
	Factors map[string]float64
}

const loinc = "http://loinc.org"

// BuiltinRanges are the limits of physiological possibility (not of normality)
// for common vital signs and labs: a value outside is an entry or unit error.
func BuiltinRanges() []Range {
	return []Range{
		{System: loinc, Code: "8867-4", Name: "heart rate", Unit: "/min", Low: 20, High: 300},
		{System: loinc, Code: "9279-1", Name: "respiratory rate", Unit: "/min", Low: 2, High: 120},
		{System: loinc, Code: "29463-7", Name: "body weight", Unit: "kg", Low: 0.2, High: 400},
		{System: loinc, Code: "3141-9", Name: "body weight (measured)", Unit: "kg", Low: 0.2, High: 400},
		{System: loinc, Code: "8302-2", Name: "body height", Unit: "cm", Low: 20, High: 280},
		{System: loinc, Code: "8310-5", Name: "body temperature", Unit: "Cel", Low: 25, High: 45},
		{System: loinc, Code: "8480-6", Name: "systolic blood pressure", Unit: "mm[Hg]", Low: 40, High: 300},
		{System: loinc, Code: "8462-4", Name: "diastolic blood pressure", Unit: "mm[Hg]", Low: 10, High: 200},
		{System: loinc, Code: "2708-6", Name: "oxygen saturation", Unit: "%", Low: 20, High: 100},
		{System: loinc, Code: "59408-5", Name: "oxygen saturation (pulse oximetry)", Unit: "%", Low: 20, High: 100},
		{System: loinc, Code: "39156-5", Name: "body mass index", Unit: "kg/m2", Low: 5, High: 200},
		{System: loinc, Code: "2339-0", Name: "blood glucose", Unit: "mg/dL", Low: 10, High: 2000, Factors: map[string]float64{"mmol/L": 18.016}},
		{System: loinc, Code: "2345-7", Name: "serum glucose", Unit: "mg/dL", Low: 10, High: 2000, Factors: map[string]float64{"mmol/L": 18.016}},
		{System: loinc, Code: "2823-3", Name: "serum potassium", Unit: "mmol/L", Low: 1, High: 12},
		{System: loinc, Code: "2951-2", Name: "serum sodium", Unit: "mmol/L", Low: 90, High: 200},
		{System: loinc, Code: "718-7", Name: "haemoglobin", Unit: "g/dL", Low: 1, High: 25, Factors: map[string]float64{"g/L": 0.1}},
	}
}

// unit is a UCUM unit as a linear map to its dimension's base unit.
type unit struct {
	dim            string
	factor, offset float64
}

// units are the UCUM codes the range check converts between.
var units = map[string]unit{
	"kg": {"mass", 1, 0}, "g": {"mass", 1e-3, 0}, "mg": {"mass", 1e-6, 0},
	"[lb_av]": {"mass", 0.45359237, 0}, "[oz_av]": {"mass", 0.028349523125, 0},
	"m": {"length", 1, 0}, "cm": {"length", 1e-2, 0}, "mm": {"length", 1e-3, 0},
	"[in_i]": {"length", 0.0254, 0}, "[ft_i]": {"length", 0.3048, 0},
	"Cel": {"temperature", 1, 273.15}, "K": {"temperature", 1, 0}, "[degF]": {"temperature", 5.0 / 9, 459.67 * 5 / 9},
	"/min": {"rate", 1, 0}, "{beats}/min": {"rate", 1, 0}, "{breaths}/min": {"rate", 1, 0}, "/s": {"rate", 60, 0}, "/h": {"rate", 1.0 / 60, 0},
	"mm[Hg]": {"pressure", 1, 0}, "kPa": {"pressure", 7.50061683, 0},
	"%":     {"fraction", 1, 0},
	"kg/m2": {"area-density", 1, 0},
	"mg/dL": {"mass-concentration", 1, 0}, "g/dL": {"mass-concentration", 1000, 0}, "g/L": {"mass-concentration", 100, 0},
	"mmol/L": {"molar-concentration", 1, 0}, "umol/L": {"molar-concentration", 1e-3, 0},
}

// Convert converts v from unit from to unit to, using r's code-specific factors
// when the dimensions differ.
func (r Range) Convert(v float64, from string) (float64, bool) {
	if from == r.Unit {
		return v, true
	}
	if f, ok := r.Factors[from]; ok {
		return v * f, true
	}
	a, ok1 := units[from]
	b, ok2 := units[r.Unit]
	if !ok1 || !ok2 || a.dim != b.dim {
		return 0, false
	}
	base := v*a.factor + a.offset
	return (base - b.offset) / b.factor, true
}

func parseRanges(p valueRangeParams) ([]Range, error) {
	var out []Range
	if p.Builtin {
		out = BuiltinRanges()
	}
	for i, ip := range p.Ranges {
		at := fmt.Sprintf("parameter \"ranges\"[%d]: ", i)
		r := Range{System: ip.System, Code: ip.Code, Name: ip.Name, Unit: ip.Unit, Low: ip.Low, High: ip.High}
		if r.System == "" {
			r.System = loinc
		}
		if r.Name == "" {
			r.Name = r.Code
		}
		if r.Low > r.High {
			return nil, fmt.Errorf("%slow %g is above high %g", at, r.Low, r.High)
		}
		if _, ok := units[r.Unit]; !ok {
			return nil, fmt.Errorf("%sunit %q is not one the range check converts (known: UCUM kg, g, [lb_av], cm, Cel, [degF], /min, mm[Hg], %%, mg/dL, mmol/L, ...)", at, r.Unit)
		}
		// A suite's range replaces a built-in one for the same code.
		out = slicesDeleteFunc(out, func(x Range) bool { return x.System == r.System && x.Code == r.Code })
		out = append(out, r)
	}
	return out, nil
}

func slicesDeleteFunc(rs []Range, del func(Range) bool) []Range {
	out := rs[:0]
	for _, r := range rs {
		if !del(r) {
			out = append(out, r)
		}
	}
	return out
}

func (e *engine) valueRange(spec check.Spec, p valueRangeParams, env *check.Env) (check.Check, error) {
	r, err := e.newRule(spec, p.common)
	if err != nil {
		return nil, err
	}
	if r.kind != model.KindFHIR {
		return nil, fmt.Errorf("dq-value-range reads FHIR Observation values; kind %q is not supported", r.kind)
	}
	ranges, err := parseRanges(p)
	if err != nil {
		return nil, err
	}
	byCode := map[string]Range{}
	for _, x := range ranges {
		byCode[x.System+"|"+x.Code] = x
	}
	return counting(r, "out-of-range", "value(s) outside their plausible range", func(rec *model.Record, c *counts, _ *picker) []model.Finding {
		res := rec.Resource()
		var out []model.Finding
		check := func(item map[string]any, path string) {
			rg, ok := rangeOf(item, byCode)
			if !ok {
				return
			}
			q, _ := item["valueQuantity"].(map[string]any)
			v, ok := model.Number(q["value"])
			if !ok {
				return
			}
			c.Records++
			u, _ := q["code"].(string)
			if u == "" {
				u, _ = q["unit"].(string)
			}
			at := path + ".valueQuantity.value"
			val := strconv.FormatFloat(v, 'f', -1, 64) + " " + u
			conv, ok := rg.Convert(v, u)
			switch {
			case !ok:
				c.Defects++
				out = append(out, r.finding(rec, "unit", path+".valueQuantity.code",
					fmt.Sprintf("%s in unit %q cannot be converted to %s", rg.Name, u, rg.Unit), val))
			case conv < rg.Low || conv > rg.High:
				c.Defects++
				out = append(out, r.finding(rec, "out-of-range", at,
					fmt.Sprintf("%s %s is outside the plausible range %g–%g %s", rg.Name, val, rg.Low, rg.High, rg.Unit), val))
			}
		}
		check(res, rec.Type)
		comps, _ := res["component"].([]any)
		for i, x := range comps {
			if m, ok := x.(map[string]any); ok {
				check(m, fmt.Sprintf("%s.component[%d]", rec.Type, i))
			}
		}
		return out
	}), nil
}

// rangeOf finds the range of the first coding of item.code that has one.
func rangeOf(item map[string]any, byCode map[string]Range) (Range, bool) {
	code, _ := item["code"].(map[string]any)
	codings, _ := code["coding"].([]any)
	for _, x := range codings {
		m, _ := x.(map[string]any)
		sys, _ := m["system"].(string)
		c, _ := m["code"].(string)
		if rg, ok := byCode[sys+"|"+c]; ok {
			return rg, true
		}
	}
	return Range{}, false
}
