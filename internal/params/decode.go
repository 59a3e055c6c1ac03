package params

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/internal/spelling"
	"github.com/carecert/carecert/model"
)

// Settings are a struct whose fields carry a `param:"name"` tag
// (",required" when the author must give it, not empty) and a `doc:"..."`
// tag; the struct given at registration holds the defaults. Anonymous struct
// fields are flattened, so checks (or targets) of a family share their
// common settings. One decoder reads every type, refuses unknown and
// mistyped keys at the line and column they were written, and the same
// structs print the table of `carecert checks TYPE`. A field without a param
// tag is named by its json tag, for types a check also reads as JSON.
//
// Field types (or pointers to them, to tell a parameter the suite left out
// from one it wrote): string (and named string types), bool, int, float64 (a
// number, or a percentage written "95%"), time.Duration ("90s", "36h",
// "7d"), []string (a single string is a list of one), any type implementing
// Value or encoding.TextUnmarshaler, a nested parameter struct (a mapping), a
// slice of them (a list of mappings), map[string]string, and any or []any
// for values the check reads itself.

// Value is a parameter type that decodes itself from what the suite wrote (a
// string, bool, number, list or mapping as YAML gives it).
type Value interface {
	DecodeParam(v any) error
	// ParamType names the type in the parameter table ("count or percentage").
	ParamType() string
}

// Shorthand is a mapping parameter type that also takes a value that is
// not a mapping, as a shorter way to write a common case ("tls: true" for
// the system's certificate authorities).
type Shorthand interface {
	// DecodeShorthand reads what the suite or plan wrote instead of a mapping.
	DecodeShorthand(v any) error
	// ShorthandType names what it takes besides a mapping ("true/false").
	ShorthandType() string
}

// Locator turns a problem at a path of a suite file into an error naming the
// file, line and column ("$.requirements[2].params.element").
type Locator interface {
	Errorf(path, format string, args ...any) error
}

// Doc is one row of a settings table.
type Doc struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	Default  string `json:"default,omitempty"`
	Doc      string `json:"doc"`
}

// Decoder reads one owner's settings: a check's parameters or a target's
// options.
type Decoder struct {
	// Where locates the settings in their file; nil when they were not
	// read from one (a suite or target made in code, command-line flags).
	Where Locator
	// Label names their owner in located messages ("target feed",
	// "requirement R1, check completeness").
	Label string
	// Options is set for a target's options, so messages say "option" and
	// "the target" rather than "parameter" and "the check".
	Options bool
}

// Decode fills dst, a pointer to a settings struct already holding the
// defaults, from m, whose mapping is at the YAML path at: keys not written
// keep their default. Unknown keys, wrong types and missing required keys
// are errors located in the file when Where knows it.
func (d Decoder) Decode(m Params, dst any, at string) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("params: Decode wants a pointer to a struct, got %T", dst))
	}
	return d.object(map[string]any(m), v.Elem(), at, "")
}

// Located reports whether err already names the file, line and column of
// the parameter or option it is about, so a caller adds no place of its own.
func Located(err error) bool {
	var l located
	return errors.As(err, &l)
}

// noun is what the decoder reads, as messages name one.
func (d Decoder) noun() string {
	if d.Options {
		return "option"
	}
	return "parameter"
}

// owner is what takes them, as messages name it.
func (d Decoder) owner() string {
	if d.Options {
		return "the target"
	}
	return "the check"
}

// located is an error about a setting that already names its file, line and
// column and the setting's owner.
type located struct{ error }

func (l located) Unwrap() error { return l.error }

// Errorf is an error about the setting at the YAML path, found while
// decoding or after (a value out of range): located at its line and column
// when Where knows the file, else naming the setting as name says
// ("\"timeout\"", "\"rules\"[2].usage"; "" names none).
func (d Decoder) Errorf(path, name, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if d.Where != nil {
		return located{d.Where.Errorf(path, "%s: %s", d.Label, msg)}
	}
	if name == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s %s: %s", d.noun(), name, msg)
}

type field struct {
	name     string
	required bool
	doc      string
	def      string // the default as the docs show it, when the tag says
	index    []int
}

// fields lists the parameters of a struct type, anonymous structs flattened.
func fields(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("param")
		if !ok && f.IsExported() && !f.Anonymous {
			// A type shared with JSON (a v2 profile rule) is named by its
			// json tags: one name for a key, whichever reads it.
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				tag, ok = name, true
			}
		}
		if !ok {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				for _, sub := range fields(f.Type) {
					sub.index = append([]int{i}, sub.index...)
					out = append(out, sub)
				}
			}
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		out = append(out, field{name: name, required: opt == "required", doc: f.Tag.Get("doc"), def: f.Tag.Get("default"), index: []int{i}})
	}
	return out
}

// object decodes a mapping; name names it in unlocated errors ("" for the
// parameters themselves).
func (d Decoder) object(m map[string]any, v reflect.Value, at, name string) error {
	fs := fields(v.Type())
	known := make([]string, len(fs))
	for i, f := range fs {
		known[i] = f.name
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		k := unknown[0]
		hint := ""
		if near := spelling.Closest(k, known, 3); near != "" {
			hint = fmt.Sprintf("did you mean %s? ", near)
		}
		if len(known) == 0 {
			return d.Errorf(at+"."+k, name, "unknown %s(s) %s (%s takes no %ss)", d.noun(), strings.Join(unknown, ", "), d.owner(), d.noun())
		}
		return d.Errorf(at+"."+k, name, "unknown %s(s) %s (%sknown: %s)", d.noun(), strings.Join(unknown, ", "), hint, strings.Join(known, ", "))
	}
	for _, f := range fs {
		raw, ok := m[f.name]
		if !ok || raw == nil {
			if f.required {
				return d.Errorf(at, name, "%s %q is required: %s", d.noun(), f.name, f.doc)
			}
			continue
		}
		if f.required && empty(raw) {
			return d.Errorf(at+"."+f.name, name, "%s %q is required, and is empty: %s", d.noun(), f.name, f.doc)
		}
		if err := d.value(raw, v.FieldByIndex(f.index), at+"."+f.name, nested(name, f.name)); err != nil {
			return err
		}
	}
	return nil
}

// empty reports whether a value written holds nothing: an empty string,
// list or mapping. A required parameter so written is as good as left out
// (a number or a boolean is never empty: zero and false are values).
func empty(raw any) bool {
	switch x := raw.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// nested names a parameter inside another in unlocated errors: "items"[2].name.
func nested(parent, key string) string {
	if parent == "" {
		return strconv.Quote(key)
	}
	return parent + "." + key
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	valueType     = reflect.TypeFor[Value]()
	shorthandType = reflect.TypeFor[Shorthand]()
	textType      = reflect.TypeFor[encoding.TextUnmarshaler]()
	severityType  = reflect.TypeFor[model.Severity]()
)

// value decodes raw into v; path locates it, name names it in unlocated errors.
func (d Decoder) value(raw any, v reflect.Value, path, name string) error {
	t := v.Type()
	switch {
	case reflect.PointerTo(t).Implements(valueType):
		if err := v.Addr().Interface().(Value).DecodeParam(raw); err != nil {
			return d.Errorf(path, name, "%v", err)
		}
		return nil
	case t == durationType:
		s, ok := raw.(string)
		if !ok {
			return d.Errorf(path, name, "want a duration (e.g. 90s, 36h, 7d), got %s", yamlType(raw))
		}
		dur, err := ParseDuration(s)
		if err != nil {
			return d.Errorf(path, name, "%v", err)
		}
		v.SetInt(int64(dur))
		return nil
	case reflect.PointerTo(t).Implements(textType) && t.Kind() != reflect.String:
		s, ok := raw.(string)
		if !ok {
			return d.Errorf(path, name, "want a string, got %s", yamlType(raw))
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return d.Errorf(path, name, "%v", err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		// A pointer tells a parameter the suite wrote from one it left out.
		e := reflect.New(t.Elem())
		if err := d.value(raw, e.Elem(), path, name); err != nil {
			return err
		}
		v.Set(e)
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return d.Errorf(path, name, "want a string, got %s", yamlType(raw))
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return d.Errorf(path, name, "want true or false, got %s", yamlType(raw))
		}
		v.SetBool(b)
	case reflect.Int:
		f, err := number(raw)
		if err != nil {
			return d.Errorf(path, name, "%v", err)
		}
		if f != float64(int(f)) {
			return d.Errorf(path, name, "want a whole number, got %g", f)
		}
		v.SetInt(int64(f))
	case reflect.Float64:
		f, err := number(raw)
		if err != nil {
			return d.Errorf(path, name, "%v", err)
		}
		v.SetFloat(f)
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if sh, short := v.Addr().Interface().(Shorthand); !ok && short {
			if err := sh.DecodeShorthand(raw); err != nil {
				return d.Errorf(path, name, "%v", err)
			}
			return nil
		}
		if !ok {
			return d.Errorf(path, name, "want a mapping, got %s", yamlType(raw))
		}
		return d.object(m, v, path, name)
	case reflect.Slice:
		return d.slice(raw, v, path, name)
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return d.Errorf(path, name, "want a mapping, got %s", yamlType(raw))
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, x := range m {
			e := reflect.New(t.Elem()).Elem()
			if err := d.value(x, e, path+"."+k, fmt.Sprintf("%s.%s", name, k)); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		v.Set(out)
	case reflect.Interface:
		v.Set(reflect.ValueOf(raw))
	default:
		panic(fmt.Sprintf("params: setting type %s is not supported", t))
	}
	return nil
}

// slice decodes a list; a single string is a list of one string.
func (d Decoder) slice(raw any, v reflect.Value, path, name string) error {
	t := v.Type()
	list, ok := raw.([]any)
	if !ok {
		if s, isString := raw.(string); isString && t.Elem().Kind() == reflect.String {
			list = []any{s}
		} else {
			what := "a list"
			if t.Elem().Kind() == reflect.String {
				what = "a list of strings"
			}
			return d.Errorf(path, name, "want %s, got %s", what, yamlType(raw))
		}
	}
	out := reflect.MakeSlice(t, len(list), len(list))
	for i, x := range list {
		if err := d.value(x, out.Index(i), fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", name, i)); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

// number reads a YAML number, or a string holding a number or a percentage
// ("95%" is 0.95).
func number(raw any) (float64, error) {
	switch x := raw.(type) {
	case float64:
		return x, nil
	case uint64:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case string:
		s := strings.TrimSpace(x)
		if p, ok := strings.CutSuffix(s, "%"); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not a percentage", x)
			}
			return f / 100, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("want a number, got %s", yamlType(raw))
}

// ParseDuration reads a Go duration ("90s", "36h") or a number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if f, err := strconv.ParseFloat(days, 64); err == nil {
			return time.Duration(f * 24 * float64(time.Hour)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 90s, 36h, 7d)", s)
	}
	return d, nil
}

// yamlType names what YAML gave, in the suite author's words.
func yamlType(raw any) string {
	switch raw.(type) {
	case string:
		return "a string"
	case bool:
		return "true or false"
	case float64, uint64, int64, int:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case nil:
		return "nothing (null)"
	}
	return fmt.Sprintf("%T", raw)
}

// Docs returns the table of a settings struct holding defaults;
// nested mappings are listed as name.child, lists of mappings as name[].child.
func Docs(defaults any) []Doc {
	v := reflect.ValueOf(defaults)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return docs(v, "", map[reflect.Type]string{v.Type(): ""})
}

// docs lists a struct's parameters. A mapping type met again (a condition
// under when, where and assert, or nested in itself) is listed where it was
// first, and named there by listed.
func docs(v reflect.Value, prefix string, listed map[reflect.Type]string) []Doc {
	var out []Doc
	for _, f := range fields(v.Type()) {
		fv := v.FieldByIndex(f.index)
		row := Doc{Name: prefix + f.name, Type: typeName(fv.Type()), Required: f.required, Doc: f.doc, Default: f.def}
		if row.Default == "" && !fv.IsZero() {
			row.Default = show(fv)
		}
		t, name := fv.Type(), row.Name+"."
		if t.Kind() == reflect.Slice {
			t, name = t.Elem(), row.Name+"[]."
		}
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		expand := t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(valueType)
		if at, ok := listed[t]; expand && ok {
			row.Type += " (as " + strings.TrimSuffix(at, ".") + ")"
			expand = false
		}
		out = append(out, row)
		if expand {
			listed[t] = name
			out = append(out, docs(reflect.New(t).Elem(), name, listed)...)
		}
	}
	return out
}

func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		return typeName(t.Elem())
	}
	switch {
	case reflect.PointerTo(t).Implements(valueType):
		return reflect.New(t).Interface().(Value).ParamType()
	case t == durationType:
		return "duration"
	case t == severityType:
		return "severity"
	case t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(shorthandType):
		return "mapping, or " + reflect.New(t).Interface().(Shorthand).ShorthandType()
	case t.Kind() != reflect.String && reflect.PointerTo(t).Implements(textType):
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "true/false"
	case reflect.Int:
		return "whole number"
	case reflect.Float64:
		return "number"
	case reflect.Struct:
		return "mapping"
	case reflect.Map:
		return "mapping of " + typeName(t.Elem())
	case reflect.Slice:
		switch t.Elem().Kind() {
		case reflect.String:
			return "list of strings"
		case reflect.Struct:
			return "list of mappings"
		case reflect.Pointer:
			if t.Elem().Elem().Kind() == reflect.Struct {
				return "list of mappings"
			}
		}
		return "list"
	}
	return "any"
}

// show writes a default value as a suite would write it.
func show(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return x.String()
	case fmt.Stringer:
		return x.String()
	case []string:
		return strings.Join(x, ", ")
	}
	switch v.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Float64:
		return fmt.Sprint(v.Interface())
	}
	return ""
}
