package hl7v2

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/validators/quality"
)

// QualityLanguage lets the data-quality checks (completeness, formats,
// uniqueness, dates not in the future, ...) select values of HL7 v2 messages:
// an expression is a terse path (PID-7, PID-3.1, PID-11.5, MSH-10), and
// selects that field or component in every occurrence of the segment and
// every repetition. Dates and times (DT, DTM, TS) are handed over in the
// FHIR form the checks read ("19800101" → "1980-01-01"); other values
// unescaped. Register it with quality.Register(reg, hl7v2.QualityLanguage()).
func QualityLanguage() quality.Language {
	defs := NewDefinitions()
	return quality.Language{
		Kind: model.KindHL7v2,
		Compile: func(expr string) (quality.Selector, error) {
			p, ok := hl7v2.ParsePath(strings.TrimSpace(expr))
			if !ok || p.Rep != 0 {
				return nil, fmt.Errorf("%q is not an HL7 v2 path such as PID-7, PID-3.1 or PID[2]-3.4", expr)
			}
			return &v2Selector{path: p, defs: defs}, nil
		},
		Sensitive: personal.V2Path,
	}
}

type v2Selector struct {
	path hl7v2.Path
	defs *Definitions
}

func (s *v2Selector) Select(rec *model.Record) ([]quality.Node, error) {
	m, ok := rec.Value.(*hl7v2.Message)
	if !ok || m.Envelope {
		return nil, nil
	}
	typ := s.typeOf(m)
	d := m.Delims
	var out []quality.Node
	for i := range m.Segments {
		seg := &m.Segments[i]
		if seg.Name != s.path.Segment || (s.path.Seq > 0 && seg.Seq != s.path.Seq) {
			continue
		}
		raw := seg.Field(s.path.Field)
		if raw == "" {
			continue
		}
		reps := strings.Count(raw, string(d.Repetition)) + 1
		if seg.Name == "MSH" && s.path.Field <= 2 {
			reps = 1
		}
		for r := 1; r <= reps; r++ {
			v := d.Value(raw, r, s.path.Component, s.path.Sub)
			if reps == 1 && seg.Name == "MSH" && s.path.Field <= 2 {
				v = raw
			}
			if v == "" || v == `""` {
				continue
			}
			path := seg.Path() + "." + strconv.Itoa(s.path.Field) + "[" + strconv.Itoa(r) + "]"
			if s.path.Component > 0 {
				path += "." + strconv.Itoa(s.path.Component)
				if s.path.Sub > 0 {
					path += "." + strconv.Itoa(s.path.Sub)
				}
			}
			out = append(out, quality.Node{Path: path, Value: convert(d.Unescape(v), typ, d)})
		}
	}
	return out, nil
}

// typeOf finds the data type at the selector's path in the message's version.
func (s *v2Selector) typeOf(m *hl7v2.Message) string {
	v, _ := versionOf(m, "")
	if v == "" {
		return ""
	}
	ver, err := s.defs.Dict.Version(v)
	if err != nil {
		return ""
	}
	seg := ver.Segments[s.path.Segment]
	if seg == nil || s.path.Field > len(seg.Fields) {
		return ""
	}
	typ := seg.Fields[s.path.Field-1].Type
	for _, c := range []int{s.path.Component, s.path.Sub} {
		if c == 0 {
			break
		}
		dt := ver.Types[typ]
		if typ == "TS" && c == 1 {
			typ = "DTM"
			continue
		}
		if dt == nil || c > len(dt.Components) {
			return ""
		}
		typ = dt.Components[c-1].Type
	}
	return typ
}

// convert writes HL7 v2 dates and times as FHIR dates and dateTimes.
func convert(v, typ string, d hl7v2.Delimiters) any {
	switch typ {
	case "DT", "DTM", "TS":
	default:
		return v
	}
	if i := strings.IndexByte(v, d.Component); i >= 0 {
		v = v[:i] // TS: the time, without its degree of precision
	}
	if checkDTM(v) != "" {
		return v // not a date: the quality checks see it as written
	}
	main, zone, _ := splitZone(v)
	var b strings.Builder
	b.WriteString(main[:4])
	if len(main) >= 6 {
		b.WriteString("-" + main[4:6])
	}
	if len(main) >= 8 {
		b.WriteString("-" + main[6:8])
	}
	if len(main) > 8 {
		t := main[8:]
		frac := ""
		if i := strings.IndexByte(t, '.'); i >= 0 {
			t, frac = t[:i], t[i:]
		}
		for len(t) < 6 {
			t += "0"
		}
		b.WriteString("T" + t[:2] + ":" + t[2:4] + ":" + t[4:6] + frac)
		if zone == "" {
			b.WriteString("Z")
		} else {
			b.WriteString(v[len(main):len(main)+1] + zone[:2] + ":" + zone[2:])
		}
	}
	return b.String()
}
