package fhir

import (
	"fmt"

	"github.com/carecert/carecert/model"
)

// Wording words findings about how a value is written in the terms of the
// format the record came in: a boolean is a JSON literal in one file and a
// value attribute in the other, and the supplier fixes what they wrote. Only
// the words differ; codes and requirements are the same for both formats, so
// the same defect gets the same verdict. The zero value words FHIR JSON.
type Wording struct {
	xml bool
}

// WordingOf returns the wording for the format rec was written in.
func WordingOf(rec *model.Record) Wording {
	return Wording{xml: rec != nil && rec.Format == model.FormatXML}
}

// NotPrimitive says that v is not of the JSON kind ("boolean", "number" or
// "string") a FHIR primitive needs.
func (w Wording) NotPrimitive(kind string, v any) string {
	what := kind
	if kind == "boolean" {
		what = "boolean (true or false)"
	}
	if w.xml {
		return fmt.Sprintf("must be a %s in the value attribute, got %s", what, xmlValue(v))
	}
	return fmt.Sprintf("must be a JSON %s, got %s", what, KindOf(v))
}

// NotObject says that v is not the object (in XML, the element with child
// elements) a value of the complex type typ needs; typ may be "" when the
// type is not known.
func (w Wording) NotObject(typ string, v any) string {
	if w.xml {
		want := "an element with child elements"
		if typ != "" {
			want = "a " + typ + " element with child elements"
		}
		return fmt.Sprintf("must be %s, got %s", want, xmlValue(v))
	}
	want := "an object"
	if typ != "" {
		want = "a " + typ + " object"
	}
	return fmt.Sprintf("must be %s, got %s", want, KindOf(v))
}

// NoValue says that an element has neither a value nor an id or extension.
func (w Wording) NoValue() string {
	if w.xml {
		return "has no value: write the value attribute, or child elements, or omit the element"
	}
	return "null is not a valid value: omit the element or align arrays with null only where the other array has a value"
}

// NotSingle says that element name, which allows one value, has several.
func (w Wording) NotSingle(name string) string {
	if w.xml {
		return fmt.Sprintf("%s must be a single value, but the <%s> element is written more than once", name, name)
	}
	return fmt.Sprintf("%s must be a single value, but it is a JSON array", name)
}

// NotRepeating says that element name, which may repeat, is written as one
// value where the format needs a list.
func (w Wording) NotRepeating(name string) string {
	if w.xml {
		return fmt.Sprintf("%s repeats: each of its values must be a <%s> element of its own", name, name)
	}
	return fmt.Sprintf("%s repeats: it must be a JSON array, even of one value", name)
}

// WrongType says that a value has the JSON-schema type given ("string",
// "object", "array", ...) where expected was due; v is the value.
func (w Wording) WrongType(expected, given string, v any) string {
	if w.xml {
		return fmt.Sprintf("wrong form: expected %s, got %s", xmlKind(expected), xmlValue(v))
	}
	return fmt.Sprintf("wrong JSON type: expected %s, got %s", expected, given)
}

// NumberProblem is the package's NumberProblem (the JSON wording) worded
// for the format: FHIR XML holds decimals as text, but the same value must
// be exchangeable in every format.
func (w Wording) NumberProblem(n string) string {
	if w.xml {
		return numberProblem(n, "FHIR can exchange (IEEE 754 double precision, a limit every FHIR format shares)")
	}
	return NumberProblem(n)
}

// Value shows a value in a message as the supplier wrote it: ValueText for
// JSON; for XML a primitive as its value attribute's text, anything else by
// the elements it came from.
func (w Wording) Value(v any) string {
	if !w.xml {
		return ValueText(v)
	}
	return xmlValue(v)
}

func xmlValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return "child elements"
	case []any:
		return "a repeated element"
	case nil:
		return "no value"
	}
	return ValueText(v)
}

// xmlKind names a JSON-schema type as FHIR XML writes it.
func xmlKind(kind string) string {
	switch kind {
	case "object":
		return "child elements"
	case "array":
		return "repeated elements"
	case "boolean":
		return "a boolean (true or false) in the value attribute"
	case "number", "integer", "string":
		return "a " + kind + " in the value attribute"
	}
	return kind
}
