package profile

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/carecert/carecert/model"
)

// Extensions on an element definition that constrain instances beyond what
// R4's ElementDefinition can say: the length floor of the core extensions
// pack, R5's mustHaveValue and valueAlternatives (as R4 cross-version
// extensions), and the narrative controls.
const (
	extElementMinLength   = "http://hl7.org/fhir/StructureDefinition/minLength"
	extMustHaveValue      = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue"
	extValueAlternatives  = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives"
	extNarrativeSource    = "http://hl7.org/fhir/StructureDefinition/narrative-source-control"
	extNarrativeLanguages = "http://hl7.org/fhir/StructureDefinition/narrative-language-control"
	extElementMaxSize     = "http://hl7.org/fhir/StructureDefinition/maxSize"
	extElementRegex       = "http://hl7.org/fhir/StructureDefinition/regex"
	extMaxDecimalPlaces   = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"
)

// controls are what an element definition's extensions require of values.
type controls struct {
	minLength int
	// mustHaveValue: a primitive may not stand on extensions alone.
	mustHaveValue bool
	// valueAlternatives are the extensions a primitive without a value must
	// carry one of (when any are listed).
	valueAlternatives []string
	// narrativeSource is the severity of a narrative section that does not
	// say where it came from ("" when not asked).
	narrativeSource string
	// narrativeLanguages are the language-section rules: "_no", "_yes",
	// "_resource", or a language that must have a section.
	narrativeLanguages []string
	// maxSize is the most bytes an Attachment's or a base64Binary's data
	// may hold, when hasMaxSize (attachment_size.go).
	maxSize    int64
	hasMaxSize bool
	// regex is the pattern a primitive's whole value must match, as the
	// profile writes it (pattern); nil with regexProblem set when Go's
	// regular expressions cannot read it.
	pattern      string
	regex        *regexp.Regexp
	regexProblem string
	// maxDecimals is the most digits a decimal (or a Quantity's value) may
	// have after its point, when hasMaxDecimals.
	maxDecimals    int
	hasMaxDecimals bool
}

// readControls reads the controls among an element's extensions, or nil
// when there are none (most elements).
func readControls(exts []json.RawMessage) *controls {
	var c *controls
	for _, raw := range exts {
		var x struct {
			URL            string       `json:"url"`
			ValueInteger   *int         `json:"valueInteger"`
			ValueBoolean   bool         `json:"valueBoolean"`
			ValueCode      string       `json:"valueCode"`
			ValueCanonical string       `json:"valueCanonical"`
			ValueDecimal   *json.Number `json:"valueDecimal"`
			ValueString    string       `json:"valueString"`
		}
		if json.Unmarshal(raw, &x) != nil {
			continue
		}
		switch x.URL {
		case extElementMinLength, extMustHaveValue, extValueAlternatives, extNarrativeSource, extNarrativeLanguages, extElementMaxSize, extElementRegex, extMaxDecimalPlaces:
		default:
			continue
		}
		if c == nil {
			c = &controls{}
		}
		switch x.URL {
		case extElementMinLength:
			if x.ValueInteger != nil {
				c.minLength = *x.ValueInteger
			}
		case extMustHaveValue:
			c.mustHaveValue = x.ValueBoolean
		case extValueAlternatives:
			if x.ValueCanonical != "" {
				c.valueAlternatives = append(c.valueAlternatives, x.ValueCanonical)
			}
		case extElementMaxSize:
			c.maxSize, c.hasMaxSize = maxSizeValue(x.ValueDecimal, x.ValueInteger)
		case extElementRegex:
			c.readRegex(x.ValueString)
		case extMaxDecimalPlaces:
			if x.ValueInteger != nil && *x.ValueInteger >= 0 {
				c.maxDecimals, c.hasMaxDecimals = *x.ValueInteger, true
			}
		case extNarrativeSource:
			c.narrativeSource = x.ValueCode
		case extNarrativeLanguages:
			if x.ValueCode != "" {
				c.narrativeLanguages = append(c.narrativeLanguages, x.ValueCode)
			}
		}
	}
	return c
}

// primitiveControls checks a primitive against its element's controls:
// value is nil when the primitive has only an id and extensions (ext).
func (w *walker) primitiveControls(c *controls, value any, ext map[string]any, path string) {
	if s, ok := value.(string); ok && c.hasMaxSize {
		w.dataSize(c, nil, s, path)
	}
	if s, ok := value.(string); ok && c.minLength > 0 && utf8.RuneCountInString(s) < c.minLength {
		w.add(model.Error, CodeMinLength, path, fmt.Sprintf("value is %d characters long, less than the minimum length %d (minLength)", utf8.RuneCountInString(s), c.minLength), "")
	}
	if value != nil {
		w.valuePattern(c, value, path)
		w.decimalPlaces(c, value, path)
	}
	if value != nil || ext == nil {
		return
	}
	if c.mustHaveValue {
		w.add(model.Error, CodeValueAbsent, path, "the profile requires a value here (mustHaveValue), but the element has only extensions", "")
		return
	}
	if len(c.valueAlternatives) > 0 {
		list, _ := ext["extension"].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok && slices.Contains(c.valueAlternatives, fmt.Sprint(m["url"])) {
				return
			}
		}
		w.add(model.Error, CodeValueAbsent, path, fmt.Sprintf("the element has no value, and the profile admits its absence only with one of the extensions %s (valueAlternatives)", strings.Join(c.valueAlternatives, ", ")), "")
	}
}

// narrativeControls checks a Narrative against the profile's source and
// language controls: each top-level part of the div says where its text
// came from (class generated, boilerplate or original); language sections
// are top-level divs with xml:lang, required, forbidden, or required for
// the resource's language or a given one.
func (w *walker) narrativeControls(c *controls, m map[string]any, path string) {
	div, _ := m["div"].(string)
	if div == "" || c.narrativeSource == "" && len(c.narrativeLanguages) == 0 {
		return // other controls on the element, none on its narrative
	}
	parts := w.narrativeSections(div).Parts
	if sev, ok := severityNamed(c.narrativeSource); ok {
		for _, p := range parts {
			if p.Content && !slices.ContainsFunc(p.Classes, func(s string) bool { return s == "generated" || s == "boilerplate" || s == "original" }) {
				w.add(sev, CodeNarrative, path, fmt.Sprintf("the narrative part %q does not say where it came from: the profile asks for a class of generated, boilerplate or original (narrative-source-control)", clipText(p.Text, 30)), "")
			}
		}
	}
	var langs []string
	for _, p := range parts {
		if p.Element == "div" && p.Lang != "" {
			langs = append(langs, p.Lang)
		}
	}
	found := strings.Join(langs, ", ")
	for _, rule := range c.narrativeLanguages {
		switch rule {
		case "_no":
			if len(langs) > 0 {
				w.add(model.Error, CodeNarrative, path, fmt.Sprintf("the narrative has language sections (%s), which the profile forbids (narrative-language-control)", found), "")
			}
		case "_yes":
			if len(langs) == 0 {
				w.add(model.Error, CodeNarrative, path, "the narrative has no language sections, which the profile requires (narrative-language-control)", "")
			}
		case "_resource":
			resLang, _ := w.res["language"].(string)
			switch {
			case len(langs) == 0 || resLang == "":
				w.add(model.Warning, CodeNarrative, path, "the profile asks for a narrative section in the resource's language, but the narrative has no language sections or the resource no language (narrative-language-control)", "")
			case !slices.Contains(langs, resLang):
				w.add(model.Error, CodeNarrative, path, fmt.Sprintf("the profile requires a narrative section in the resource's language %s, but the sections are %s (narrative-language-control)", resLang, found), "")
			}
		default:
			switch {
			case len(langs) == 0:
				w.add(model.Warning, CodeNarrative, path, fmt.Sprintf("the profile asks for a narrative section in %s, but the narrative has no language sections (narrative-language-control)", rule), "")
			case !slices.Contains(langs, rule):
				w.add(model.Error, CodeNarrative, path, fmt.Sprintf("the profile requires a narrative section in %s, but the sections are %s (narrative-language-control)", rule, found), "")
			}
		}
	}
}

// severityNamed reads the level of a narrative-source-control: an issue
// severity code written exactly, or hint, the reference validator's name for
// information. The codes mean what they mean everywhere (model.ParseSeverity:
// fatal is an error); carecert's own short forms (warn, info) are not codes.
func severityNamed(code string) (model.Severity, bool) {
	switch code {
	case "hint":
		return model.Information, true
	case "fatal", "error", "warning", "information":
		sev, err := model.ParseSeverity(code)
		return sev, err == nil
	}
	return 0, false
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// readRegex compiles the regex extension's pattern to match a value as a
// whole, as the reference validator matches it. The extension is written for
// Java's regular expressions; one that Go's (RE2) cannot read is kept as a
// problem, and values are then not checked against it.
func (c *controls) readRegex(pattern string) {
	if pattern == "" {
		return
	}
	c.pattern = pattern
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		c.regexProblem = err.Error()
		return
	}
	c.regex = re
}

// valuePattern checks a primitive's value, as written, against the regex
// its element definition gives.
func (w *walker) valuePattern(c *controls, value any, path string) {
	if c.pattern == "" {
		return
	}
	text := fmt.Sprint(value) // strings, json.Number and booleans as written
	if c.regex == nil {
		w.add(model.Information, CodeFormat, path, fmt.Sprintf("the value was not checked against the profile's regex %q: carecert cannot read it (%s)", c.pattern, c.regexProblem), c.pattern)
		return
	}
	if !c.regex.MatchString(text) {
		w.add(model.Error, CodeFormat, path, fmt.Sprintf("value %q does not match the pattern %q the profile gives this element (regex)", text, c.pattern), text)
	}
}

// decimalPlaces checks a decimal against the most digits after its point
// the element allows (maxDecimalPlaces), counted as the value is written.
func (w *walker) decimalPlaces(c *controls, value any, path string) {
	n, ok := value.(json.Number)
	if !c.hasMaxDecimals || !ok {
		return
	}
	if places := decimalsOf(string(n)); places > c.maxDecimals {
		w.add(model.Error, CodeFormat, path, fmt.Sprintf("value %s has %d digits after the decimal point, more than the %d the profile allows (maxDecimalPlaces)", n, places, c.maxDecimals), string(n))
	}
}

// decimalsOf counts the digits after a number's point, before any exponent.
func decimalsOf(n string) int {
	_, frac, ok := strings.Cut(n, ".")
	if !ok {
		return 0
	}
	if i := strings.IndexAny(frac, "eE"); i >= 0 {
		frac = frac[:i]
	}
	return len(frac)
}
