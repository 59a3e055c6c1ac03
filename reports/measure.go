package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// IsProportion reports whether a measure is a share of its denominator
// (0 ≤ numerator ≤ denominator), which can be shown as a percentage. Checks also
// store other ratios as measures (a mean lag in hours, a response time), which
// can not.
func IsProportion(m model.Measure) bool {
	return m.Denominator > 0 && m.Numerator >= 0 && m.Numerator <= m.Denominator
}

// MeasureValue formats a measure's value without judging it: whether a high
// value is good depends on the measure (completeness) or bad (missing, late).
// Proportions are percentages ("95.0%"), other ratios plain numbers ("52.71"),
// and a measure with nothing counted is "—".
func MeasureValue(m model.Measure) string {
	switch {
	case m.Denominator == 0:
		return "—"
	case IsProportion(m):
		return fmt.Sprintf("%.1f%%", 100*m.Rate())
	}
	s := strconv.FormatFloat(m.Rate(), 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
