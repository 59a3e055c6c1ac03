package terminology

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// v2Field names a coded field of an HL7 v2 segment in a suite: "OBX-3".
var v2Field = regexp.MustCompile(`^([A-Z][A-Z0-9]{2})-([1-9][0-9]*)$`)

// v2Systems maps HL7 table 0396 coding-system names to the URIs the mapping
// engine and ConceptMaps use. Names not listed (local "L", "99xxx") stay as
// written, so a mapping CSV names them the same way.
var v2Systems = map[string]string{
	"LN": terminology.LOINC, "LOINC": terminology.LOINC,
	"SCT": terminology.SNOMED, "SNM": terminology.SNOMED, "SNOMED-CT": terminology.SNOMED, "SNM3": terminology.SNOMED,
	"I10": terminology.ICD10, "ICD10": terminology.ICD10,
	"DMD": terminology.DMD,
}

// v2Codings reads the codings of a CE/CWE value: the identifier and coding
// system of the primary triplet (components 1 and 3) and of the alternate one
// (components 4 and 6).
func v2Codings(d hl7v2.Delimiters, value string) []terminology.Coding {
	var out []terminology.Coding
	for _, comps := range [][2]int{{1, 3}, {4, 6}} {
		code := d.Unescape(d.Value(value, 1, comps[0], 0))
		if code == "" {
			continue
		}
		sys := d.Unescape(d.Value(value, 1, comps[1], 0))
		if uri, ok := v2Systems[strings.ToUpper(sys)]; ok {
			sys = uri
		}
		out = append(out, terminology.Coding{System: sys, Code: code})
	}
	return out
}

// observeV2 counts every occurrence of the suite's v2 fields in a message:
// each segment occurrence is one coded value, mapped when a coding is national
// or maps to a national one.
func (s *CoverageState) observeV2(rec *model.Record) []model.Finding {
	c := s.check
	m, ok := rec.Value.(*hl7v2.Message)
	if !ok || m.Envelope || m.Headless {
		return nil
	}
	var out []model.Finding
	for _, name := range c.v2Fields {
		parts := v2Field.FindStringSubmatch(name)
		n, _ := strconv.Atoi(parts[2])
		for i := range m.Segments {
			seg := &m.Segments[i]
			raw := seg.Field(n)
			if seg.Name != parts[1] || raw == "" {
				continue
			}
			cs := v2Codings(m.Delims, raw)
			if len(cs) == 0 {
				continue
			}
			path := seg.Path() + "." + parts[2]
			mapped := c.mapper.Mapped(cs)
			at := model.Location{File: rec.Source, Line: seg.Line, Record: v2RecordName(rec), Path: path}
			s.Add(name, mapped, cs, at, c.examples)
			if mapped {
				continue
			}
			var local []string
			for _, cd := range cs {
				local = append(local, cd.System+"|"+cd.Code)
			}
			out = append(out, model.Finding{
				Severity: model.Warning, Code: "terminology.unmapped", Location: at,
				Message:  fmt.Sprintf("local code %s has no national code beside it and maps to none", strings.Join(local, ", ")),
				Evidence: strings.Join(local, ", "),
			})
		}
	}
	return out
}

// v2RecordName names a message as the HL7 v2 validators do, with its position
// in the file, so that findings of both read alike.
func v2RecordName(rec *model.Record) string {
	return rec.Name() + " (message " + strconv.FormatInt(rec.Index+1, 10) + ")"
}
