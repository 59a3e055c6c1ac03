package quality

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// The parameters of each quality check type, decoded strictly by
// check.Define; the defaults given at registration are in Register.

// common are the parameters every quality check takes.
type common struct {
	Category Category       `param:"category" doc:"data-quality category the result is filed under (conformance, completeness, plausibility.atemporal, plausibility.temporal, plausibility.uniqueness)"`
	Context  Context        `param:"context" doc:"verification (against the data's own constraints) or validation (against external truth)"`
	Kind     model.Kind     `param:"kind" doc:"record kind the rule reads: fhir, csv or hl7v2"`
	Type     []string       `param:"type" doc:"record types the rule applies to; by default the types its element paths start with"`
	Severity model.Severity `param:"severity" doc:"severity of each finding"`
	Warn     limit          `param:"warn" doc:"defects tolerated before a warning (a count, or a share such as 5%)"`
	Fail     limit          `param:"fail" doc:"defects tolerated before a failure; with neither warn nor fail, any defect fails"`
}

// defaults returns the common parameters of a check filed under cat and ctx.
func defaults(cat Category, ctx Context) common {
	return common{Category: cat, Context: ctx, Kind: model.KindFHIR, Severity: model.Warning}
}

// matchParams say what an acceptable value is: exactly one of them.
type matchParams struct {
	Format  string   `param:"format" doc:"a named format: nhs-number, uk-postcode, date, ... (see docs/quality.md)"`
	Pattern string   `param:"pattern" doc:"a regular expression the whole value must match"`
	Values  []string `param:"values" doc:"the acceptable values"`
}

func (m matchParams) given() bool { return m.Format != "" || m.Pattern != "" || len(m.Values) > 0 }

type completenessParams struct {
	common
	Element string   `param:"element" doc:"the element that must be present and non-empty"`
	AnyOf   []string `param:"any_of" doc:"instead of element: elements of which any one present is enough"`
}

type valueFormatParams struct {
	common
	Element string `param:"element,required" doc:"the element whose values are checked"`
	matchParams
}

type defaultValuesParams struct {
	common
	Element string   `param:"element,required" doc:"the element whose values are checked"`
	Values  []string `param:"values,required" doc:"the default or unknown values counted"`
}

type uniqueParams struct {
	common
	ResourceID bool     `param:"resource_id" doc:"the key is the resource id (Type/id)"`
	Key        []string `param:"key" doc:"instead of resource_id: elements whose values together form the key"`
	Normalize  bool     `param:"normalize" doc:"compare key values case- and space-insensitively"`
	What       string   `param:"what" doc:"what the key identifies, in findings" default:"the key's elements"`
	PerFile    bool     `param:"per_file" doc:"keys need only be unique within each file"`
	Names      string   `param:"names" doc:"exact, or phonetic to compare name parts by sound"`
}

type referencesParams struct {
	common
	References []string `param:"references,required" doc:"elements holding references (e.g. Observation.subject)"`
	External   []string `param:"external" doc:"reference prefixes that resolve outside the feed"`
}

type notFutureParams struct {
	common
	Elements  []string      `param:"elements,required" doc:"dates that must not be after the plan's date"`
	Tolerance time.Duration `param:"tolerance" doc:"how far after the plan's day a date may be"`
}

type dateOrderParams struct {
	common
	Earlier string `param:"earlier,required" doc:"the date that must come first (e.g. Encounter.period.start)"`
	Later   string `param:"later,required" doc:"the date that must not be earlier"`
}

type withinLifeParams struct {
	common
	Patient        string        `param:"patient" doc:"the record type of the patient"`
	Birth          string        `param:"birth" doc:"the patient's birth date" default:"<patient>.birthDate"`
	Death          string        `param:"death" doc:"the patient's death date or flag" default:"<patient>.deceased"`
	Events         []string      `param:"events,required" doc:"event dates that must lie within the patient's life"`
	Subject        string        `param:"subject" doc:"the element of an event referring to the patient"`
	ExamplesPer    int           `param:"examples_per_patient" doc:"findings kept per patient"`
	DeathTolerance time.Duration `param:"death_tolerance" doc:"whole days an event may follow death (e.g. 14d)"`
}

type valueRangeParams struct {
	common
	Ranges  []rangeParams `param:"ranges" doc:"ranges that add to, or replace by code, the built-in ones"`
	Builtin bool          `param:"builtin" doc:"use the built-in ranges of common vital signs and labs"`
}

type rangeParams struct {
	System string  `param:"system" doc:"code system of the code" default:"LOINC"`
	Code   string  `param:"code,required" doc:"the observation code"`
	Name   string  `param:"name" doc:"the range's name in findings" default:"the code"`
	Unit   string  `param:"unit,required" doc:"UCUM unit of low and high"`
	Low    float64 `param:"low" doc:"lowest plausible value"`
	High   float64 `param:"high" doc:"highest plausible value"`
}

type timelinessParams struct {
	common
	Events []string      `param:"events,required" doc:"event dates compared with meta.lastUpdated"`
	MaxLag time.Duration `param:"max_lag,required" doc:"longest tolerated lag (e.g. 24h, 14d)"`
}

type freshnessParams struct {
	common
	MaxAge  time.Duration `param:"max_age,required" doc:"oldest tolerated newest update, against the plan's date (e.g. 2d)"`
	WarnAge time.Duration `param:"warn_age" doc:"age of the newest update that warns"`
}

type driftParams struct {
	common
	Element  string    `param:"element,required" doc:"the element whose distribution is compared"`
	Bins     []float64 `param:"bins" doc:"increasing bin edges for a numeric element; without them values are categories"`
	Method   string    `param:"method" doc:"psi (population stability index) or chi-square"`
	Baseline string    `param:"baseline" doc:"a previous report.json to compare with" default:"the plan's baseline"`
}

type maturityParams struct {
	common
	Items     []maturityItemParams `param:"items,required" doc:"the key items scored"`
	MinScore  limit                `param:"min_score" doc:"lowest score that passes (a percentage)"`
	WarnScore limit                `param:"warn_score" doc:"score below which the result warns (a percentage)"`
}

type maturityItemParams struct {
	Name    string `param:"name,required" doc:"the item's name in the report"`
	Element string `param:"element,required" doc:"the element scored"`
	matchParams
	Defaults  []string `param:"defaults" doc:"default or unknown values counted against the item"`
	Tolerance limit    `param:"tolerance" doc:"share of default values tolerated (a percentage)"`
}

// DecodeParam reads a limit: a count ("fail: 10") or a share ("fail: 5%").
func (l *limit) DecodeParam(v any) error {
	if x, ok := v.(string); ok {
		s := strings.TrimSpace(x)
		if !strings.HasSuffix(s, "%") {
			return fmt.Errorf("%q: write a share as a percentage (\"5%%\") or a count as a number", x)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil || f < 0 || f > 100 {
			return fmt.Errorf("%q is not a percentage between 0%% and 100%%", x)
		}
		*l = limit{set: true, rate: true, v: f / 100}
		return nil
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case uint64:
		f = float64(x)
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return fmt.Errorf("want a count or a percentage, got %T", v)
	}
	if f < 0 {
		return fmt.Errorf("a count must not be negative")
	}
	*l = limit{set: true, v: f}
	return nil
}

func (*limit) ParamType() string { return "count or percentage" }

// DecodeParam reads a category, refusing one the framework does not have.
func (c *Category) DecodeParam(v any) error {
	s, ok := v.(string)
	if !ok || !containsCategory(Category(s)) {
		return fmt.Errorf("%v is not a category (want %s)", v, joinCategories())
	}
	*c = Category(s)
	return nil
}

func (*Category) ParamType() string { return "category" }

// DecodeParam reads a context: verification or validation.
func (c *Context) DecodeParam(v any) error {
	s, _ := v.(string)
	if Context(s) != Verification && Context(s) != Validation {
		return fmt.Errorf("%v: want verification or validation", v)
	}
	*c = Context(s)
	return nil
}

func (*Context) ParamType() string { return "verification or validation" }

var _ params.Value = (*limit)(nil)
