package hl7v2

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/dict"
	"github.com/carecert/carecert/model"
)

// newParseCheck reports what the reader noticed. Params: segment-terminator
// "cr" (default: LF and CRLF ends are reported) or "any"; bom "report"
// (default) or "allow".
func newParseCheck(_ check.Spec, p parseParams, _ *check.Env) (check.Check, error) {
	term, bom := p.SegmentTerminator, p.BOM
	if term != "cr" && term != "any" {
		return nil, fmt.Errorf("parameter \"segment-terminator\": %q: want cr or any", term)
	}
	if bom != "report" && bom != "allow" {
		return nil, fmt.Errorf("parameter \"bom\": %q: want report or allow", bom)
	}
	applies := func(rec *model.Record) bool { return rec.Kind == model.KindHL7v2 && message(rec) != nil }
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		m := message(rec)
		var out []model.Finding
		for _, is := range m.Issues {
			if (is.Code == "parse.segment-terminator" && term == "any") || (is.Code == "parse.bom" && bom == "allow") {
				continue
			}
			out = append(out, issueFinding(rec, is))
		}
		if f, bad := charsetFinding(rec, m); bad {
			out = append(out, f)
		}
		// Escapes are checked here, once for the whole message, so that a
		// malformed one is reported whatever the field's data type.
		for i := range m.Segments {
			s := &m.Segments[i]
			first := 1
			if s.Name == "MSH" || s.Name == "FHS" || s.Name == "BHS" {
				first = 3
			}
			for n := first; n <= s.FieldCount(); n++ {
				if bad, why := m.Delims.CheckEscapes(s.Field(n)); bad != "" {
					f := finding(rec, model.Error, "hl7v2.escape", fmt.Sprintf("%s.%d", s.Path(), n), why)
					f.Evidence = bad
					out = append(out, f)
				}
			}
		}
		return out
	}), nil
}

// charsetFinding judges the character set MSH-18 declares (ASCII when
// empty) against the encoding the message arrived in (hl7v2.Encoding): a
// mismatch means the sender encoded after framing, or declared the wrong
// set, and a receiver that reads by MSH-18 garbles names, or, for UTF-16
// or UTF-32 read as single bytes, the whole message. A set carecert does
// not decode is not checked (information), never the sender's failure.
func charsetFinding(rec *model.Record, m *hl7v2.Message) (model.Finding, bool) {
	if m.Header() == nil || m.Envelope {
		return model.Finding{}, false
	}
	// `UTF-8` or `unicode utf-8` is no code (hl7v2-fields reports it), so
	// it names no set to judge the bytes against.
	cs := m.Charset()
	declared := "MSH-18 declares " + cs
	if cs == "" {
		declared = "MSH-18 is empty, so ASCII applies"
	}
	enc := m.Encoding
	if enc.Decoded() {
		// Bytes that were no UTF-16 (UTF-32) are the reader's issue, at
		// their field, whatever MSH-18 says (a U+FFFD the sender wrote is a
		// character like any other): one charset finding a message.
		if slices.ContainsFunc(m.Issues, func(is hl7v2.Issue) bool { return is.Code == "parse.charset" }) {
			return model.Finding{}, false
		}
		if cs == "UNICODE" || cs == "UNICODE "+enc.Form {
			return model.Finding{}, false
		}
		return finding(rec, model.Error, "parse.charset", "MSH[1].18",
			fmt.Sprintf("the message arrived in %s but %s: a receiver that reads it so cannot read a segment; declare UNICODE %s (HL7 2.5 to 2.7.1), or send it as MSH-18 says", enc, declared, enc.Form)), true
	}
	switch cs {
	case "", "ASCII", "ISO IR6":
		if path, found := fieldWith(m, func(f string) bool { return !isASCII(f) }); found {
			return finding(rec, model.Warning, "parse.charset", path,
				fmt.Sprintf("a byte above 0x7F but %s: declare the character set (e.g. UNICODE UTF-8 or 8859/1)", declared)), true
		}
	case "UNICODE UTF-8", "UNICODE":
		// ISO 10646 in single bytes can only be UTF-8: UTF-16 and UTF-32
		// were found above.
		if path, found := fieldWith(m, func(f string) bool { return !utf8.ValidString(f) }); found {
			return finding(rec, model.Error, "parse.charset", path, declared+" but the bytes are not valid UTF-8"), true
		}
	case "UNICODE UTF-16", "UNICODE UTF-32":
		return finding(rec, model.Error, "parse.charset", "MSH[1].18",
			fmt.Sprintf("%s but the message arrived in %s, one byte for each ASCII character: a receiver decoding %s cannot read it", declared, enc, cs[len("UNICODE "):])), true
	case "8859/1", "8859/2", "8859/3", "8859/4", "8859/5", "8859/6", "8859/7", "8859/8", "8859/9", "8859/15":
		// Single-byte sets: any byte reads as a character of the set.
	default:
		return finding(rec, model.Information, "parse.charset", "MSH[1].18",
			fmt.Sprintf("not checked: %s, no set carecert decodes (a code of HL7 table 0211 it does not decode, or no code of it: the table check judges the value); the bytes were not judged against it", declared)), true
	}
	return model.Finding{}, false
}

// fieldWith returns the path of the first field for which bad holds.
func fieldWith(m *hl7v2.Message, bad func(string) bool) (string, bool) {
	for i := range m.Segments {
		seg := &m.Segments[i]
		for n, f := range seg.Fields {
			if bad(f) {
				return fmt.Sprintf("%s.%d", seg.Path(), n), true
			}
		}
	}
	return "", false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func issueFinding(rec *model.Record, is hl7v2.Issue) model.Finding {
	f := finding(rec, is.Severity, is.Code, is.Path, is.Message)
	if is.Line > 0 {
		f.Line = is.Line
	}
	f.Evidence = is.Evidence
	f.Sensitive = is.Evidence != ""
	return f
}

// newTypeCheck: MSH-9 and MSH-12 name a type, event and version carecert
// knows, and MSH-9.3 (when given) is the structure the event uses.
func newTypeCheck(_ check.Spec, p typeParams, env *check.Env) (check.Check, error) {
	fallback := p.DefaultVersion
	defs, err := runDefinitions.Get(env)
	if err != nil {
		return nil, err
	}
	return check.PerRecord(isMessage, func(rec *model.Record) []model.Finding {
		m := message(rec)
		var out []model.Finding
		add := func(sev model.Severity, code, path, msg, ev string) {
			f := finding(rec, sev, code, path, msg)
			f.Evidence = ev
			out = append(out, f)
		}
		v, problem := versionOf(m, fallback)
		if problem != "" {
			sev := model.Error
			switch {
			case v != "" && dict.Released(m.Version()):
				// A released version carecert has no definitions of its own
				// for (2.8.1): carecert's limit, not the sender's fault.
				sev = model.Information
			case v != "" && m.Version() != "":
				sev = model.Warning
			}
			add(sev, "hl7v2.version", "MSH[1].12", problem, m.Version())
		}
		typ, ev := m.Type(), m.Event()
		// Tables 0076 and 0003 as the message's version lists them (2.7.1's
		// where carecert has none of the version's own); a type or event the
		// version defines a structure for is correct whatever the table says.
		types, events := defs.Dict.Table(76), defs.Dict.Table(3)
		if x, err := defs.Dict.Version(v); v != "" && err == nil {
			types, events = defs.Dict.CodeTable(x, 76).Table, defs.Dict.CodeTable(x, 3).Table
		}
		switch {
		case typ == "":
			add(model.Error, "hl7v2.message-type", "MSH[1].9", "MSH-9 (message type) is empty", "")
			return out
		case types != nil && !types.Has(typ) && !defs.definesType(v, typ):
			add(model.Error, "hl7v2.message-type", "MSH[1].9[1].1", fmt.Sprintf("message type %q is not in HL7 table 0076", typ), typ)
		}
		if ev == "" && typ != "ACK" {
			add(model.Error, "hl7v2.message-type", "MSH[1].9[1].2", "MSH-9.2 (trigger event) is empty", "")
		} else if ev != "" && events != nil && !events.Has(ev) && !defs.hasStructure(v, typ+"_"+ev) {
			add(model.Error, "hl7v2.message-type", "MSH[1].9[1].2", fmt.Sprintf("trigger event %q is not in HL7 table 0003", ev), ev)
		}
		if v == "" {
			return out
		}
		id, how := defs.structureID(m, v)
		switch {
		case id == "":
			add(model.Error, "hl7v2.message-structure", "MSH[1].9", fmt.Sprintf("HL7 %s defines no message structure for %s", v, m.TypeName()), m.TypeName())
		case how == "unknown-msh-9.3" && !(m.StructureID() == typ+"_"+ev && defs.hasStructure(v, defs.Dict.StructureFor(typ, ev))):
			// When table 0354 gives the event a structure the version has
			// (MSH-9.3 "ADT_A04" for ADT_A01), the warning below says so: the
			// same verdict as in versions whose definitions list the event's
			// name as a structure of its own.
			add(model.Error, "hl7v2.message-structure", "MSH[1].9[1].3", fmt.Sprintf("MSH-9.3 names structure %q, which HL7 %s does not define", m.StructureID(), v), m.StructureID())
		}
		if sid := m.StructureID(); sid != "" && typ != "" && ev != "" {
			if want := defs.Dict.StructureFor(typ, ev); want != "" && want != sid && defs.hasStructure(v, want) {
				add(model.Warning, "hl7v2.message-structure", "MSH[1].9[1].3",
					fmt.Sprintf("MSH-9.3 is %q but HL7 table 0354 gives %s for %s^%s", sid, want, typ, ev), sid)
			}
		}
		return out
	}), nil
}
