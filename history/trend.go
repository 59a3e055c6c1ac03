package history

import (
	"fmt"
	"strings"
)

// Trend is how a vendor's runs developed, oldest first.
type Trend struct {
	Vendor string
	// Rates are the pass rates of the runs, oldest first.
	Rates []float64
	// Last is the latest run.
	Last Run
}

// Trends groups runs (oldest first) by vendor, vendors in order of first
// appearance.
func Trends(runs []Run) []Trend {
	idx := map[string]int{}
	var out []Trend
	for _, r := range runs {
		i, ok := idx[r.Vendor]
		if !ok {
			i = len(out)
			idx[r.Vendor] = i
			out = append(out, Trend{Vendor: r.Vendor})
		}
		out[i].Rates = append(out[i].Rates, r.PassRate())
		out[i].Last = r
	}
	return out
}

// Change describes the latest change in pass rate: "▲ +12.5 pts", "▼ -3.0 pts",
// "= 0.0 pts", or "first run".
func (t Trend) Change() string {
	n := len(t.Rates)
	if n < 2 {
		return "first run"
	}
	d := 100 * (t.Rates[n-1] - t.Rates[n-2])
	switch {
	case d > 0.05:
		return fmt.Sprintf("▲ +%.1f pts", d)
	case d < -0.05:
		return fmt.Sprintf("▼ %.1f pts", d)
	}
	return "= 0.0 pts"
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws rates between 0 and 1 as a line of block characters.
func Sparkline(rates []float64) string {
	var b strings.Builder
	for _, r := range rates {
		i := int(r*float64(len(sparks)-1) + 0.5)
		b.WriteRune(sparks[min(max(i, 0), len(sparks)-1)])
	}
	return b.String()
}
