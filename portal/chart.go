package portal

import (
	"fmt"
	"html/template"
	"strings"
)

// point is one release on a line chart.
type point struct {
	Label string
	// Value is drawn against the chart's top, max.
	Value float64
	Text  string
	Href  string
	Class string
}

// lineChart draws values across releases as inline SVG: a line through the
// points, each point a link to its run. Colours come from classes, never from
// style attributes, which the portal's content security policy forbids.
func lineChart(title string, points []point, max float64) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const left, top, plotW, plotH, bottom = 48.0, 12.0, 640.0, 150.0, 44.0
	if max <= 0 {
		max = 1
	}
	step := 0.0
	if len(points) > 1 {
		step = plotW / float64(len(points)-1)
	}
	x := func(i int) float64 {
		if len(points) == 1 {
			return left + plotW/2
		}
		return left + step*float64(i)
	}
	y := func(v float64) float64 { return top + plotH*(1-min(v/max, 1)) }
	// Label at most about 16 releases; the others keep their tooltip.
	every := (len(points) + 15) / 16
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart line" role="img" aria-label="%s" viewBox="0 0 %g %g" width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(title), left+plotW+24, top+plotH+bottom)
	for _, g := range []float64{0, 0.5, 1} {
		fmt.Fprintf(&b, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/><text class="label" x="%g" y="%.1f" text-anchor="end">%s</text>`,
			left, left+plotW, y(g*max), y(g*max), left-6, y(g*max)+4, template.HTMLEscapeString(axisText(g*max, max)))
	}
	var path strings.Builder
	for i, pt := range points {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y(pt.Value))
	}
	fmt.Fprintf(&b, `<path class="series" d="%s"/>`, strings.TrimSpace(path.String()))
	for i, pt := range points {
		cls := pt.Class
		if cls == "" {
			cls = "dot"
		}
		fmt.Fprintf(&b, `<a href="%s"><circle class="%s" cx="%.1f" cy="%.1f" r="5"><title>%s: %s</title></circle></a>`,
			template.HTMLEscapeString(pt.Href), template.HTMLEscapeString(cls), x(i), y(pt.Value),
			template.HTMLEscapeString(pt.Label), template.HTMLEscapeString(pt.Text))
		if i%every == 0 || i == len(points)-1 {
			label := []rune(pt.Label)
			if len(label) > 12 {
				label = append(label[:11], '…')
			}
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%g" text-anchor="middle">%s</text>`, x(i), top+plotH+18, template.HTMLEscapeString(string(label)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// axisText labels a gridline: a percentage on a 0–1 scale, else the value.
func axisText(v, max float64) string {
	if max == 1 {
		return fmt.Sprintf("%.0f%%", 100*v)
	}
	return fmt.Sprintf("%.3g", v)
}
