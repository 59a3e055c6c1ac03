package profile

import (
	"fmt"
	"strings"
)

// quantityAnnotation reports, as best practice, a UCUM unit code holding an
// annotation in braces ("mg{total}", "{beats}/min"): UCUM defines an
// annotation as carrying no meaning, so comparisons and conversions ignore
// it and "{tablets}" equals "{capsules}" (UCUM §2.1 annotations). What the
// annotation says belongs in Quantity.unit, the human-readable form; the
// reference validator reports both the annotation and a unit that does not
// repeat it. Off by default, as the best-practice option is.
func (w *walker) quantityAnnotation(m map[string]any, at pathAt) {
	if w.e.bestPractice == BestPracticeIgnore {
		return
	}
	if sys, _ := m["system"].(string); sys != ucumSystem {
		return
	}
	code, _ := m["code"].(string)
	open, end := strings.IndexByte(code, '{'), strings.IndexByte(code, '}')
	if open < 0 || end <= open {
		return
	}
	annotation, text := code[open:end+1], code[open+1:end]
	msg := fmt.Sprintf("best practice: the UCUM code %s holds the annotation %s, which UCUM ignores when comparing or converting units; do not depend on it", code, annotation)
	switch unit, ok := m["unit"].(string); {
	case !ok:
		msg += ", and give the annotation's meaning in Quantity.unit"
	case !strings.Contains(strings.ToLower(unit), strings.ToLower(text)):
		msg += fmt.Sprintf(", and Quantity.unit %q should say what the annotation says", unit)
	}
	w.add(w.e.bestPractice.severity(), CodeBestPractice, w.pathText(at)+".code", msg, code)
}
