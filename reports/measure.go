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

// Direction says whether a higher value of a measure is better or worse, or
// neither (a distribution to compare with a baseline).
type Direction int

const (
	Neutral Direction = iota
	HigherBetter
	LowerBetter
)

// Arrow is the direction for a table cell.
func (d Direction) Arrow() string {
	switch d {
	case HigherBetter:
		return "higher is better"
	case LowerBetter:
		return "lower is better"
	}
	return "no better or worse"
}

// Judge classes a measure's rate good, fair or poor when its direction says
// which way is good; "" when it does not or the measure is not a share.
func (d Direction) Judge(m model.Measure) string {
	if !IsProportion(m) {
		return ""
	}
	switch d {
	case HigherBetter:
		return rateClass(m.Rate())
	case LowerBetter:
		return rateClass(1 - m.Rate())
	}
	return ""
}

func rateClass(rate float64) string {
	switch {
	case rate >= 0.95:
		return "good"
	case rate >= 0.8:
		return "fair"
	}
	return "poor"
}

// measureWords are the human descriptions of the measures carecert's checks
// store, by the name's prefix (the part before any ":"), longest prefix first.
var measureWords = []struct {
	prefix string
	words  string
	dir    Direction
}{
	{"dq.completeness.verification.missing", "records missing a required element", LowerBetter},
	{"dq.conformance.verification.invalid", "values that are not valid", LowerBetter},
	{"dq.conformance.verification.dangling", "references that point to nothing in the feed", LowerBetter},
	{"dq.plausibility.uniqueness.verification.duplicate-id", "records whose id repeats another's", LowerBetter},
	{"dq.plausibility.uniqueness.verification.duplicate-key", "records repeating another's identifier", LowerBetter},
	{"dq.plausibility.uniqueness.validation.duplicate-key", "likely duplicate records (same person or event)", LowerBetter},
	{"dq.plausibility.temporal.verification.future", "dates in the future", LowerBetter},
	{"dq.plausibility.temporal.verification.order", "periods that end before they start", LowerBetter},
	{"dq.plausibility.temporal.validation.after-death", "events dated after the patient's death", LowerBetter},
	{"dq.plausibility.temporal.validation.before-birth", "events dated before the patient's birth", LowerBetter},
	{"dq.plausibility.temporal.validation.outside-life", "events dated outside the patient's life", LowerBetter},
	{"dq.plausibility.temporal.validation.late", "records sent later than allowed", LowerBetter},
	{"dq.plausibility.temporal.validation.mean-lag-hours", "mean delay before a record is sent, in hours", LowerBetter},
	{"dq.plausibility.temporal.validation.age-hours", "age of the newest record, in hours", LowerBetter},
	{"dq.plausibility.atemporal.validation.out-of-range", "values outside their plausible range", LowerBetter},
	{"dq.plausibility.atemporal.validation.default", "placeholder or default values", LowerBetter},
	{"dq.maturity.item", "records with this item present and valid", HigherBetter},
	{"dq.maturity.score", "data maturity score", HigherBetter},
	{"dq.drift.current", "share of records with this value now (compare with the baseline)", Neutral},
	{"mapped", "local codes mapped to a national code system", HigherBetter},
	{"must-support", "must-support elements filled in", HigherBetter},
}

// MeasureLabel describes a measure in words, with the detail its name carries
// after ":" or a space (an element, a value, a profile), and which way is
// better. Unknown measures keep their name and have no direction.
func MeasureLabel(name string) (string, Direction) {
	for _, w := range measureWords {
		rest, ok := strings.CutPrefix(name, w.prefix)
		if !ok || (rest != "" && rest[0] != ':' && rest[0] != ' ' && rest[0] != '.') {
			continue
		}
		rest = strings.TrimLeft(rest, ":. ")
		if rest == "" {
			return w.words, w.dir
		}
		return w.words + ": " + rest, w.dir
	}
	return name, Neutral
}
