package profile

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/carecert/carecert/model"
)

// The extensions (R4 core and SDC) by which a Questionnaire limits the
// answers to an item.
const (
	extMinValue    = "http://hl7.org/fhir/StructureDefinition/minValue"
	extMaxValue    = "http://hl7.org/fhir/StructureDefinition/maxValue"
	extMinLength   = "http://hl7.org/fhir/StructureDefinition/minLength"
	extRegex       = "http://hl7.org/fhir/StructureDefinition/regex"
	extMaxDecimals = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"
	extMimeType    = "http://hl7.org/fhir/StructureDefinition/mimeType"
	extMaxSize     = "http://hl7.org/fhir/StructureDefinition/maxSize"
	extMinOccurs   = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs"
	extMaxOccurs   = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
	extUnitOption  = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"
	extExclusive   = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
	extMinQuantity = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-minQuantity"
	extMaxQuantity = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-maxQuantity"
	extEntryFormat = "http://hl7.org/fhir/StructureDefinition/entryFormat"
	extUnitVS      = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitValueSet"
	noLimit        = -1
)

// qLimits are the limits a Questionnaire item puts on its answers, through
// Questionnaire.item.maxLength and extensions. nil when it puts none.
type qLimits struct {
	minValue, maxValue     qValue
	minQty, maxQty         map[string]any
	minLength, maxLength   int
	regex                  *regexp.Regexp
	regexText, entryFormat string
	maxDecimals            int
	minOccurs, maxOccurs   int
	mimeTypes              []string
	maxSize                int64
	units                  []qValue // Codings
	unitValueSet           string
	exclusive              []qValue // options that must be the only answer
}

// compileLimits reads the limits of one Questionnaire item.
func compileLimits(m map[string]any) *qLimits {
	l := &qLimits{minLength: noLimit, maxLength: noLimit, maxDecimals: noLimit, minOccurs: noLimit, maxOccurs: noLimit, maxSize: noLimit}
	limited := false
	if n, ok := intOf(m["maxLength"]); ok {
		l.maxLength, limited = n, true
	}
	for _, ext := range objects(m["extension"]) {
		url, _ := ext["url"].(string)
		v, hasV := typedValue(ext, "value")
		if !hasV {
			continue
		}
		switch url {
		case extMinValue:
			l.minValue, limited = v, true
		case extMaxValue:
			l.maxValue, limited = v, true
		case extMinQuantity:
			l.minQty, _ = v.v.(map[string]any)
			limited = true
		case extMaxQuantity:
			l.maxQty, _ = v.v.(map[string]any)
			limited = true
		case extMinLength:
			l.minLength, _ = intOrNone(v.v)
			limited = true
		case extMaxDecimals:
			l.maxDecimals, _ = intOrNone(v.v)
			limited = true
		case extMinOccurs:
			l.minOccurs, _ = intOrNone(v.v)
			limited = true
		case extMaxOccurs:
			l.maxOccurs, _ = intOrNone(v.v)
			limited = true
		case extMaxSize:
			if n, ok := intOf(v.v); ok {
				l.maxSize, limited = int64(n), true
			}
		case extRegex:
			if s, ok := v.v.(string); ok {
				// A pattern that Go cannot compile is not the response's
				// fault: it is left unchecked.
				if re, err := regexp.Compile("^(?:" + s + ")$"); err == nil {
					l.regex, l.regexText, limited = re, s, true
				}
			}
		case extEntryFormat:
			l.entryFormat, _ = v.v.(string)
		case extMimeType:
			if s, ok := v.v.(string); ok {
				l.mimeTypes, limited = append(l.mimeTypes, s), true
			}
		case extUnitOption:
			l.units, limited = append(l.units, v), true
		case extUnitVS:
			if vs, ok := v.v.(string); ok {
				l.unitValueSet, limited = vs, true
			}
		}
	}
	for _, o := range objects(m["answerOption"]) {
		for _, ext := range objects(o["extension"]) {
			if ext["url"] == extExclusive && ext["valueBoolean"] == true {
				if v, ok := typedValue(o, "value"); ok {
					l.exclusive, limited = append(l.exclusive, v), true
				}
			}
		}
	}
	if !limited {
		return nil
	}
	return l
}

func intOf(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil {
		f, err := n.Float64()
		if err != nil || f != float64(int64(f)) {
			return 0, false
		}
		i = int64(f)
	}
	return int(i), true
}

func intOrNone(v any) (int, bool) {
	if n, ok := intOf(v); ok {
		return n, true
	}
	return noLimit, false
}

// occurs checks the number of answers of a response item against
// questionnaire-minOccurs and -maxOccurs.
func (r *responseCheck) occurs(qi *qItem, n int, path string) {
	l := qi.limits
	if l == nil {
		return
	}
	if l.maxOccurs != noLimit && n > l.maxOccurs {
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("item '%s' has %d answers, more than the %d its questionnaire-maxOccurs allows in Questionnaire %s", qi.linkID, n, l.maxOccurs, r.q.name), "")
	}
	if l.minOccurs != noLimit && n < l.minOccurs {
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("item '%s' has %d answers, fewer than the %d its questionnaire-minOccurs asks in Questionnaire %s", qi.linkID, n, l.minOccurs, r.q.name), "")
	}
}

// limits checks one answer value against the limits of its item; n is the
// number of answers the item has (for exclusive options).
func (r *responseCheck) limits(v qValue, qi *qItem, n int, path string) {
	l := qi.limits
	if l == nil || v.v == nil {
		return
	}
	vp := path + ".value" + v.typ
	fail := func(format string, args ...any) {
		r.w.add(model.Error, CodeQuestionnaire, vp, fmt.Sprintf("answer to item '%s' of Questionnaire %s: ", qi.linkID, r.q.name)+fmt.Sprintf(format, args...), "")
	}
	switch v.typ {
	case "Integer", "Decimal", "Date", "DateTime", "Time":
		if c, ok := compareAnswerValues(v, l.minValue); ok && c < 0 {
			fail("%s is less than the minimum %s (minValue)", compact(v.v), compact(l.minValue.v))
		}
		if c, ok := compareAnswerValues(v, l.maxValue); ok && c > 0 {
			fail("%s is more than the maximum %s (maxValue)", compact(v.v), compact(l.maxValue.v))
		}
		if num, ok := v.v.(json.Number); ok && v.typ == "Decimal" && l.maxDecimals != noLimit {
			// counted as a profile's maxDecimalPlaces counts them (controls.go)
			if places := decimalsOf(num.String()); places > l.maxDecimals {
				fail("%s has %d decimal places, more than the %d maxDecimalPlaces allows", num, places, l.maxDecimals)
			}
		}
	case "String":
		s, _ := v.v.(string)
		length := utf8.RuneCountInString(s)
		if l.minLength != noLimit && length < l.minLength {
			fail("%q is %d characters long, shorter than the minimum %d (minLength)", s, length, l.minLength)
		}
		if l.maxLength != noLimit && length > l.maxLength {
			fail("%q is %d characters long, longer than the maximum %d (maxLength)", s, length, l.maxLength)
		}
		if l.regex != nil && !l.regex.MatchString(s) {
			format := ""
			if l.entryFormat != "" {
				format = fmt.Sprintf(", expected as %s", l.entryFormat)
			}
			fail("%q does not match the pattern %s (regex)%s", s, l.regexText, format)
		}
	case "Quantity":
		q, _ := v.v.(map[string]any)
		r.quantityLimit(q, l.minQty, true, fail)
		r.quantityLimit(q, l.maxQty, false, fail)
		if l.unitValueSet != "" {
			r.unitInValueSet(q, l.unitValueSet, fail)
		}
		if len(l.units) > 0 && (q["system"] != nil || q["code"] != nil) {
			unit := qValue{typ: "Coding", v: map[string]any{"system": q["system"], "code": q["code"]}}
			found := false
			for _, u := range l.units {
				found = found || sameValue(u, unit) != no
			}
			if !found {
				opts := make([]string, len(l.units))
				for i, u := range l.units {
					opts[i] = describeValue(u)
				}
				fail("the unit %s is not one of the item's unit options (%s)", describeValue(unit), listSome(opts, 10))
			}
		}
	case "Attachment":
		a, _ := v.v.(map[string]any)
		if len(l.mimeTypes) > 0 {
			ct, _ := a["contentType"].(string)
			ok := false
			for _, m := range l.mimeTypes {
				ok = ok || ct != "" && strings.HasPrefix(ct, m)
			}
			switch {
			case ct == "":
				fail("the attachment has no contentType, but the item allows only %s (mimeType)", strings.Join(l.mimeTypes, ", "))
			case !ok:
				fail("the attachment's contentType %s is not one the item allows (%s)", ct, strings.Join(l.mimeTypes, ", "))
			}
		}
		if data, ok := a["data"].(string); ok && l.maxSize > 0 {
			if content, err := decodeBase64(data); err == nil && int64(len(content)) > l.maxSize {
				fail("the attachment is %d bytes, more than the %d maxSize allows", len(content), l.maxSize)
			}
		}
	case "Coding":
		if n > 1 {
			for _, x := range l.exclusive {
				if sameValue(x, v) == yes {
					fail("%s is an exclusive option: it must be the only answer, but the item has %d", describeValue(v), n)
				}
			}
		}
	}
}

// quantityLimit compares a Quantity answer with an SDC min or max quantity.
// They compare when both give the same unit (system and code), or UCUM units
// of the same kind, converted; otherwise the limit cannot be applied, which
// the reference validator reports as an error of the answer: an answer whose
// unit is only text, or is of another kind, cannot be shown to respect it.
func (r *responseCheck) quantityLimit(q, limit map[string]any, isMin bool, fail func(string, ...any)) {
	if q == nil || limit == nil || q["value"] == nil || limit["value"] == nil {
		return
	}
	which := "maximum"
	if isMin {
		which = "minimum"
	}
	c, problem := compareQuantities(q, limit)
	if problem != "" {
		fail("%s cannot be compared with the %s %s: %s", describeQuantity(q), which, describeQuantity(limit), problem)
		return
	}
	if isMin && c < 0 {
		fail("%s is less than the minimum %s (minQuantity)", describeQuantity(q), describeQuantity(limit))
	}
	if !isMin && c > 0 {
		fail("%s is more than the maximum %s (maxQuantity)", describeQuantity(q), describeQuantity(limit))
	}
}

const ucumSystem = "http://unitsofmeasure.org"

// unitInValueSet checks a Quantity answer's coded unit against the item's
// unit value set. A unit without a code is not in it; a value set carecert
// cannot expand offline decides nothing.
func (r *responseCheck) unitInValueSet(q map[string]any, vs string, fail func(string, ...any)) {
	system, _ := q["system"].(string)
	code, _ := q["code"].(string)
	if code == "" {
		fail("%s has no coded unit, so its unit is not in the item's unit value set %s", describeQuantity(q), vs)
		return
	}
	if in, known := r.w.e.codes.Contains(vs, system, code); known && !in {
		fail("the unit %s|%s of %s is not in the item's unit value set %s", system, code, describeQuantity(q), vs)
	}
}

// describeQuantity shows a quantity as value, unit text and coded unit.
func describeQuantity(q map[string]any) string {
	out := compact(q["value"])
	if u, ok := q["unit"].(string); ok {
		out += " " + u
	}
	if c, ok := q["code"].(string); ok {
		out += " (" + c + ")"
	}
	return out
}

// compareAnswerValues compares an answer with a limit of a comparable type:
// numbers with numbers, dates and times by their text at the same
// precision. ok is false when they cannot be compared (or there is no
// limit).
func compareAnswerValues(v, limit qValue) (int, bool) {
	if limit.v == nil {
		return 0, false
	}
	switch {
	case isNumber(v.typ) && isNumber(limit.typ):
		return compareValues(v.v, limit.v)
	case v.typ == limit.typ, v.typ == "Date" && limit.typ == "DateTime", v.typ == "DateTime" && limit.typ == "Date":
		return compareValues(v.v, limit.v)
	}
	return 0, false
}
