package profile

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// A filter of a ValueSet's compose (R4 ValueSet.compose.include.filter)
// names a property of the code system, an operator and a value. The
// reference validator judges them offline from the code system's own
// definition, or from the properties every code system may have when it does
// not hold the system: a property the code system does not define is a
// warning (nothing more is judged), an operator the property does not allow
// is an error, and a value that is not of the property's kind (a boolean, a
// date, a number, a code of the system, a regular expression that compiles)
// is an error. A property given the type string, or one no rule types, is
// not judged further.

// filterKind is what a filter property's values are.
type filterKind int

const (
	filterAny filterKind = iota // not judged
	filterBoolean
	filterCode
	filterDateTime
	filterDecimal
	filterInteger
	filterCodeList // one of the rule's list
)

// codeCheck says whether a code value must be a code of the system, and how
// firmly: the concept hierarchy properties must name codes (an error); a
// property the code system types as code should (a warning).
type codeCheck int

const (
	codeUnchecked codeCheck = iota
	codeShould
	codeMust
)

// filterRule is how one property of a code system may be filtered on.
type filterRule struct {
	kind  filterKind
	codes codeCheck
	// ops are the operators allowed; empty allows any.
	ops []string
	// list is the values a filterCodeList property takes.
	list []string
	// why is added to the finding on a code that is not the system's.
	why string
}

// r4ConceptOps are the operators R4 allows on the concept itself; code adds
// regex. R5's child-of and descendent-leaf are not among them.
var r4ConceptOps = []string{"=", "in", "is-a", "descendent-of", "is-not-a", "generalizes", "not-in"}

// standardFilterRules are the properties any code system may be filtered on
// (R4 §4.8.5 Properties, and the concept itself), with their kinds.
var standardFilterRules = map[string]filterRule{
	"concept":         {kind: filterCode, codes: codeMust, ops: r4ConceptOps},
	"code":            {kind: filterCode, codes: codeMust, ops: append([]string{"regex"}, r4ConceptOps...)},
	"status":          {kind: filterCode},
	"inactive":        {kind: filterBoolean},
	"effectiveDate":   {kind: filterDateTime},
	"deprecationDate": {kind: filterDateTime},
	"retirementDate":  {kind: filterDateTime},
	"notSelectable":   {kind: filterBoolean},
	"parent":          {kind: filterCode, codes: codeMust},
	"child":           {kind: filterCode, codes: codeMust},
	"partOf":          {kind: filterCode, codes: codeMust},
	"synonym":         {kind: filterCode},
	"comment":         {kind: filterAny},
	"itemWeight":      {kind: filterDecimal},
}

// hierarchyProperties are standard only in a code system with a hierarchy.
var hierarchyProperties = []string{"parent", "child", "partOf"}

// propertyKinds maps CodeSystem.property.type to a filter kind.
var propertyKinds = map[string]filterKind{"boolean": filterBoolean, "code": filterCode, "dateTime": filterDateTime,
	"decimal": filterDecimal, "integer": filterInteger}

// comparator is the search prefix a date or number filter value may carry.
var comparator = regexp.MustCompile(`^(eq|ne|gt|lt|ge|le|sa|eb|ap)`)

// filterDateTime values follow FHIR's dateTime, without the need for a zone.
var filterDateTimeRE = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?$`)

// composeFilters judges the filters of one compose clause on system.
func (w *walker) composeFilters(clause map[string]any, system, version, path string) {
	filters := objects(clause["filter"])
	if len(filters) == 0 {
		return
	}
	url, _, _ := strings.Cut(system, "|")
	catalogue := filterCatalogues[url]
	var cs map[string]any
	if catalogue == nil {
		cs = w.heldDefinition(url, "CodeSystem")
	}
	codes, complete := w.e.completeCodes(system, version)
	for i, f := range filters {
		p := path + ".filter[" + strconv.Itoa(i) + "]"
		property, _ := f["property"].(string)
		op, _ := f["op"].(string)
		value, hasValue := f["value"].(string)
		if property == "" {
			continue
		}
		var rule *filterRule
		known := false
		if catalogue != nil {
			rule, known = catalogue[property]
		} else {
			rule, known = filterRuleFor(cs, property)
		}
		if !known {
			// Where the system's properties are unknown, so is the property's
			// meaning: the reference only hints.
			switch {
			case catalogue != nil:
				w.add(model.Warning, CodeValueSet, p+".property", fmt.Sprintf("%q is not among the filter properties of %s, so terminology services may not understand the filter", property, system), property)
			case cs != nil:
				w.add(model.Warning, CodeValueSet, p+".property", fmt.Sprintf("%q is not a property of code system %s, nor one every code system has, so the filter selects nothing carecert can tell", property, system), property)
			}
			continue
		}
		if rule == nil {
			continue // a string property, or one no rule types
		}
		if op != "" && len(rule.ops) > 0 && !slices.Contains(rule.ops, op) {
			w.add(model.Error, CodeValueSet, p+".op", fmt.Sprintf("the operator %q cannot be used on property %q of %s; it allows %s", op, property, system, strings.Join(rule.ops, ", ")), op)
		}
		if !hasValue {
			continue // the value's cardinality is the structure's rule
		}
		check := func(r *filterRule, v string) {
			if msg, sev := filterValue(r, v, codes, complete, system); msg != "" {
				w.add(sev, CodeValueSet, p+".value", fmt.Sprintf("filter value %q for property %q: %s", v, property, msg), v)
			}
		}
		switch op {
		case "exists":
			check(&filterRule{kind: filterBoolean}, value)
		case "regex":
			if why := regexProblem(value); why != "" {
				w.add(model.Error, CodeValueSet, p+".value", fmt.Sprintf("filter value %q is not a regular expression: %s", value, why), value)
			}
			if property == "concept" {
				w.add(model.Error, CodeValueSet, p+".property", "a regex filter matches codes: use property code, not concept", property)
			}
		case "in", "not-in":
			for _, v := range strings.Split(value, ",") {
				check(rule, v)
			}
		default:
			check(rule, value)
		}
	}
}

// filterRuleFor is how property may be filtered on in code system cs (nil
// when carecert does not hold it): known is false for a property that is
// neither the code system's nor standard; the rule is nil for a property
// whose values are not judged.
func filterRuleFor(cs map[string]any, property string) (rule *filterRule, known bool) {
	var ops []string
	declared := false
	for _, f := range objects(cs["filter"]) {
		if f["code"] == property {
			declared = true
			if list, ok := f["operator"].([]any); ok {
				for _, o := range list {
					if s, ok := o.(string); ok && !slices.Contains(ops, s) {
						ops = append(ops, s)
					}
				}
			}
		}
	}
	for _, pr := range objects(cs["property"]) {
		if pr["code"] != property {
			continue
		}
		typ, _ := pr["type"].(string)
		kind, typed := propertyKinds[typ]
		if !typed {
			return nil, true // string, Coding and untyped properties are not judged
		}
		r := &filterRule{kind: kind, ops: ops}
		if kind == filterCode {
			r.codes = codeShould
		}
		return r, true
	}
	std, isStd := standardFilterRules[property]
	if isStd && slices.Contains(hierarchyProperties, property) && cs["hierarchyMeaning"] == nil {
		isStd = false
	}
	if !isStd {
		if declared {
			return &filterRule{kind: filterAny, ops: ops}, true
		}
		return nil, false
	}
	r := std
	if len(std.ops) > 0 {
		r.ops = append(slices.Clone(ops), std.ops...)
	} else {
		r.ops = ops
	}
	return &r, true
}

// filterValue says what is wrong with one filter value of a rule's kind,
// and how severely, or "". A code is looked up in a code system carecert
// holds complete, and otherwise checked by the system's form where carecert
// knows it (terminology.FormatError).
func filterValue(rule *filterRule, v string, codes map[string]bool, complete bool, system string) (string, model.Severity) {
	bare := comparator.ReplaceAllString(v, "")
	switch rule.kind {
	case filterBoolean:
		if v != "true" && v != "false" {
			return "must be true or false", model.Error
		}
	case filterCode:
		if strings.TrimSpace(v) != v {
			return "a code has no leading or trailing spaces", model.Error
		}
		if rule.codes == codeUnchecked {
			break
		}
		sev := model.Error
		if rule.codes == codeShould {
			sev = model.Warning
		}
		msg := ""
		if complete && !codes[v] {
			msg = fmt.Sprintf("the code is not defined in code system %s", system)
		} else if err := terminology.FormatError(system, v); !complete && err != nil {
			msg = fmt.Sprintf("not a code of %s: %v", system, err)
		}
		if msg != "" && rule.why != "" {
			msg += " (" + rule.why + ")"
		}
		if msg != "" {
			return msg, sev
		}
	case filterCodeList:
		if !slices.Contains(rule.list, v) {
			return "must be one of " + strings.Join(rule.list, ", "), model.Error
		}
	case filterDateTime:
		if !filterDateTimeRE.MatchString(bare) {
			return "must be a date or dateTime (optionally after a comparator such as ge)", model.Error
		}
	case filterDecimal:
		if !decimalRE.MatchString(bare) {
			return "must be a decimal number (optionally after a comparator such as ge)", model.Error
		}
	case filterInteger:
		if _, err := strconv.Atoi(bare); err != nil {
			return "must be an integer (optionally after a comparator such as ge)", model.Error
		}
	}
	return "", 0
}

// decimalRE is FHIR's decimal form.
var decimalRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// regexProblem says why a filter's regular expression does not compile, or
// "". The reference compiles it as a Java pattern: constructs Go's RE2 lacks
// but Java has (look-around, back references, possessive repetition) are
// given the benefit of the doubt.
func regexProblem(expr string) string {
	_, err := regexp.Compile(expr)
	if err == nil {
		return ""
	}
	var se *syntax.Error
	if errors.As(err, &se) {
		switch se.Code {
		case syntax.ErrInvalidPerlOp, syntax.ErrInvalidEscape, syntax.ErrInvalidRepeatOp, syntax.ErrInvalidNamedCapture, syntax.ErrInvalidUTF8, syntax.ErrLarge, syntax.ErrNestingDepth:
			return ""
		}
	}
	return err.Error()
}
