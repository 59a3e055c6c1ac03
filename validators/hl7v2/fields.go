package hl7v2

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/dict"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// fieldRules says which field rules a hl7v2-fields check applies, and how
// severe each is.
type fieldRules struct {
	required, repetitions, formats, components bool
	extra                                      model.Severity
	extraOn                                    bool
	length                                     model.Severity
	lengthOn                                   bool
	tableID, tableIS                           model.Severity
	tablesOn, userTablesOn                     bool
	fallback                                   string
}

var fieldAspects = []string{"required", "repetitions", "lengths", "formats", "components", "tables", "user-tables", "extra-fields"}

// newFieldsCheck walks every field of every segment the version defines.
// Params: check (list of aspects, default all: required, repetitions,
// lengths, formats, components, tables (HL7 tables of ID values and of coded
// elements that name an HL7 table), user-tables (IS values and other coded
// elements: sites define these tables, so a miss is often no fault),
// extra-fields), length-severity
// (default warning: lengths in 2.5+ are conformance lengths many senders
// exceed), table-severity (ID tables, default error), user-table-severity (IS
// and coded tables, default warning), default-version.
func newFieldsCheck(spec check.Spec, p fieldsParams, env *check.Env) (check.Check, error) {
	applies, err := messagesWhen(spec, p.When)
	if err != nil {
		return nil, err
	}
	aspects := p.Check
	if len(aspects) == 0 {
		aspects = fieldAspects
	}
	var r fieldRules
	for _, a := range aspects {
		switch a {
		case "required":
			r.required = true
		case "repetitions":
			r.repetitions = true
		case "lengths":
			r.lengthOn = true
		case "formats":
			r.formats = true
		case "components":
			r.components = true
		case "tables":
			r.tablesOn = true
		case "user-tables":
			r.userTablesOn = true
		case "extra-fields":
			r.extraOn = true
		default:
			return nil, fmt.Errorf("parameter \"check\": unknown aspect %q (known: %s)", a, strings.Join(fieldAspects, ", "))
		}
	}
	r.extra = model.Warning
	r.length, r.tableID, r.tableIS, r.fallback = p.LengthSeverity, p.TableSeverity, p.UserTableSeverity, p.DefaultVersion
	defs, err := runDefinitions.Get(env)
	if err != nil {
		return nil, err
	}
	// Boxed once per version: the key of this run's shared walk in each
	// message's memo. The walk depends only on the version the message is
	// read as, so checks with different default versions (a national suite
	// holding its messages to their base) share it.
	memoKeys := make(map[string]any, len(dict.Versions()))
	for _, v := range dict.Versions() {
		memoKeys[v] = fieldsMemo{defs: defs, version: v}
	}
	walkRules := allAspects(r.fallback)
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		m := message(rec)
		v, _ := versionOf(m, r.fallback)
		if v == "" {
			return nil
		}
		ver, err := defs.Dict.Version(v)
		if err != nil {
			return []model.Finding{finding(rec, model.Error, "hl7v2.internal", "", err.Error())}
		}
		memoKey := memoKeys[v]
		all, ok := m.Memo(memoKey)
		if !ok {
			w := walker{rec: rec, m: m, ver: ver, dict: defs.Dict, rules: walkRules}
			for i := range m.Segments {
				w.segment(&m.Segments[i])
			}
			all = w.out
			m.SetMemo(memoKey, all)
		}
		return r.keep(all.([]tagged))
	}), nil
}

// fieldsMemo keys a message's full field walk, shared by the hl7v2-fields
// requirements of a run (V2-REQUIRED, V2-FORMATS, ... walk it once).
type fieldsMemo struct {
	defs    *Definitions
	version string
}

// allAspects are the rules of the shared walk: every aspect, at default
// severities that keep replaces with each check's own.
func allAspects(fallback string) *fieldRules {
	return &fieldRules{required: true, repetitions: true, formats: true, components: true,
		extra: model.Warning, extraOn: true, length: model.Warning, lengthOn: true,
		tableID: model.Error, tableIS: model.Warning, tablesOn: true, userTablesOn: true, fallback: fallback}
}

// keep returns the findings of the aspects r checks, at r's severities.
func (r *fieldRules) keep(all []tagged) []model.Finding {
	var out []model.Finding
	for _, t := range all {
		f := t.f
		switch t.aspect {
		case "required":
			if !r.required {
				continue
			}
		case "repetitions":
			if !r.repetitions {
				continue
			}
		case "formats":
			if !r.formats {
				continue
			}
		case "components":
			if !r.components {
				continue
			}
		case "lengths":
			if !r.lengthOn {
				continue
			}
			f.Severity = r.length
		case "extra-fields":
			if !r.extraOn {
				continue
			}
			f.Severity = r.extra
		case "tables":
			if !r.tablesOn {
				continue
			}
			f.Severity = r.tableID
			if t.capped {
				f.Severity = min(f.Severity, model.Warning)
			}
		case "user-tables":
			if !r.userTablesOn {
				continue
			}
			f.Severity = r.tableIS
		}
		out = append(out, f)
	}
	return out
}

// walker checks one message's fields.
type walker struct {
	rec   *model.Record
	m     *hl7v2.Message
	ver   *dict.Version
	dict  *dict.Dictionary
	rules *fieldRules
	out   []tagged
	seg   *hl7v2.Segment
}

// tagged is a finding with the aspect that raised it. A message is walked
// once with every aspect on; each hl7v2-fields requirement then keeps the
// findings of its aspects, at its severities.
type tagged struct {
	aspect string
	// capped marks an HL7 table miss in a message of another version than
	// the tables': at most a warning.
	capped bool
	f      model.Finding
}

func (w *walker) add(aspect string, sev model.Severity, code, path, msg, evidence string) {
	f := finding(w.rec, sev, code, path, msg)
	f.Evidence = evidence
	f.Sensitive = personal.V2Segment(w.seg.Name)
	w.out = append(w.out, tagged{aspect: aspect, f: f})
}

func (w *walker) segment(s *hl7v2.Segment) {
	def := w.ver.Segments[s.Name]
	if def == nil {
		return // unknown and Z-segments: hl7v2-structure reports them
	}
	w.seg = s
	r := w.rules
	n := s.FieldCount()
	if n > len(def.Fields) && r.extraOn {
		for k := n; k > len(def.Fields); k-- {
			if s.Field(k) != "" {
				w.add("extra-fields", r.extra, "hl7v2.extra-field", fmt.Sprintf("%s.%d", s.Path(), k),
					fmt.Sprintf("%s has %d fields; HL7 %s defines %d", s.Name, k, w.ver.Version, len(def.Fields)), "")
				break
			}
		}
	}
	header := s.Name == "MSH"
	for i := range def.Fields {
		fd := &def.Fields[i]
		num := i + 1
		raw := s.Field(num)
		if raw == "" {
			if r.required && fd.Opt == "R" && !(header && num <= 2) {
				w.add("required", model.Error, "hl7v2.required-field", fieldPath(s, num),
					fmt.Sprintf("required field %s-%d (%s) is empty", s.Name, num, fd.Desc), "")
			}
			continue
		}
		if header && num <= 2 {
			continue
		}
		if isNull(raw) {
			continue // an explicit null: present, no value to check
		}
		d := w.m.Delims
		reps := strings.Count(raw, string(d.Repetition)) + 1
		if r.repetitions && fd.MaxReps() > 0 && reps > fd.MaxReps() {
			w.add("repetitions", model.Error, "hl7v2.repetition", fieldPath(s, num),
				fmt.Sprintf("%s-%d (%s) repeats %d times; at most %d allowed", s.Name, num, fd.Desc, reps, fd.MaxReps()), "")
		}
		rest := raw
		for rep := 1; ; rep++ {
			val := rest
			j := strings.IndexByte(rest, d.Repetition)
			if j >= 0 {
				val, rest = rest[:j], rest[j+1:]
			}
			if val != "" {
				path := vpath{seg: s, field: num, rep: rep}
				if r.lengthOn && fd.Len > 0 && len(val) > fd.Len {
					w.add("lengths", r.length, "hl7v2.length", path.String(),
						fmt.Sprintf("%s-%d (%s) is %d characters long; HL7 %s allows %d", s.Name, num, fd.Desc, len(val), w.ver.Version, fd.Len), "")
				}
				w.value(val, valueType(s, num, fd, d), path, 1)
			}
			if j < 0 {
				break
			}
		}
	}
}

// valueType is the field's definition, except for an observation's value
// (OBX-5, type varies), whose type OBX-2 names: an NM result is checked as
// a number, a CWE as coded, and so on.
func valueType(s *hl7v2.Segment, num int, fd *dict.Field, d hl7v2.Delimiters) *dict.Field {
	if s.Name != "OBX" || num != 5 {
		return fd
	}
	vt := strings.TrimSpace(d.FirstComponent(s.Field(2), 1))
	if vt == "" {
		return fd
	}
	x := *fd
	x.Type = vt
	return &x
}

func fieldPath(s *hl7v2.Segment, n int) string { return s.Path() + "." + strconv.Itoa(n) }

// vpath is a value's place, turned into a string ("PID[1].3[2].4.1") only
// when a finding needs it: most values raise none.
type vpath struct {
	seg        *hl7v2.Segment
	field, rep int
	comps      [2]int
	depth      int
}

func (p vpath) child(i int) vpath {
	if p.depth < len(p.comps) {
		p.comps[p.depth] = i
		p.depth++
	}
	return p
}

func (p vpath) String() string {
	b := make([]byte, 0, 24)
	b = append(b, p.seg.Path()...)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(p.field), 10)
	if p.rep > 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.rep), 10)
		b = append(b, ']')
	}
	for i := 0; i < p.depth; i++ {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(p.comps[i]), 10)
	}
	return string(b)
}

// value checks one repetition, component or subcomponent of data type fd.Type.
// level 1 splits at the component separator, level 2 at the subcomponent one.
func (w *walker) value(val string, fd *dict.Field, path vpath, level int) {
	if isNull(val) {
		// An explicit null: present, with no value to check. The standard
		// allows it in a repetition, a component or a subcomponent as in a
		// whole field, so a null date or code is never a malformed one.
		return
	}
	r := w.rules
	d := w.m.Delims
	typ := fd.Type
	switch typ {
	case "TS", "DTM", "DT", "TM", "NM", "SI":
		if r.formats {
			w.format(val, typ, path, level)
		}
		return
	case "ID":
		if r.tablesOn {
			w.table(val, fd, path, true)
		}
		return
	case "IS":
		if r.userTablesOn {
			w.table(val, fd, path, false)
		}
		return
	}
	dt := w.ver.Types[typ]
	if dt == nil || len(dt.Components) == 0 || level > 2 {
		return
	}
	sep := d.Component
	if level == 2 {
		sep = d.Subcomponent
	}
	rest := val
	i := 1
	for ; ; i++ {
		part := rest
		j := strings.IndexByte(rest, sep)
		if j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		}
		cpath := path.child(i)
		if i > len(dt.Components) {
			if r.components && (part != "" || j >= 0) {
				w.add("components", model.Warning, "hl7v2.extra-component", cpath.String(),
					fmt.Sprintf("%s has %d components; data type %s defines %d", path, strings.Count(val, string(sep))+1, typ, len(dt.Components)), "")
			}
			return
		}
		c := &dt.Components[i-1]
		switch {
		case part == "" && c.Opt == "R" && r.components:
			w.requiredComponent(typ, i, c, cpath)
		case part != "":
			// A coded element's identifier is checked against the field's
			// table when the coding system is HL7's (or not given).
			if (typ == "CE" || typ == "CWE" || typ == "CNE") && i == 1 && fd.Table > 0 {
				system := hl7v2.Part(val, sep, 3)
				hl7 := strings.HasPrefix(system, "HL7")
				if (hl7 && r.tablesOn) || (system == "" && r.userTablesOn) {
					w.table(part, &dict.Field{Desc: fd.Desc, Table: fd.Table}, cpath, hl7)
				}
			}
			w.value(part, c, cpath, level+1)
		}
		if j < 0 {
			break
		}
	}
	// A required component after the last one sent is as missing as an
	// empty one inside: "1^^^H" lacks a required CX.5 just as "1^^^H^" does.
	if r.components {
		for k := i + 1; k <= len(dt.Components); k++ {
			if c := &dt.Components[k-1]; c.Opt == "R" {
				w.requiredComponent(typ, k, c, path.child(k))
			}
		}
	}
}

// requiredComponent reports component (or subcomponent) n of data type typ,
// required in the message's version, as empty. Only versions from 2.5 mark
// components required; the dictionaries of earlier ones mark none, so the
// rule reaches exactly the versions that define it.
func (w *walker) requiredComponent(typ string, n int, c *dict.Field, path vpath) {
	w.add("components", model.Error, "hl7v2.required-component", path.String(),
		fmt.Sprintf("required component %s.%d (%s) is empty", typ, n, c.Desc), "")
}

// emptyTime reports a TS whose first component, the time, is empty while a
// later one is sent, when the version makes TS.1 required.
func (w *walker) emptyTime(path vpath) {
	ts := w.ver.Types["TS"]
	if !w.rules.components || ts == nil || len(ts.Components) == 0 || ts.Components[0].Opt != "R" {
		return
	}
	w.requiredComponent("TS", 1, &ts.Components[0], path)
}

func (w *walker) table(val string, fd *dict.Field, path vpath, hl7Table bool) {
	// Tables 0104 (version) and 0354 (message structure) are checked by
	// hl7v2-message-type, against the versions and structures carecert has.
	if fd.Table == 0 || fd.Table == 104 || fd.Table == 354 {
		return
	}
	t := w.dict.CodeTable(w.ver, fd.Table)
	if t.Table == nil || len(t.Codes) == 0 {
		return
	}
	v := w.m.Delims.Unescape(val)
	if t.Has(v) {
		return
	}
	if fd.Table == 125 && t.Version != w.ver.Version && w.ver.Types[v] != nil {
		// Table 0125 (value type) lists data types: where carecert has not
		// the version's own table, a type the version defines (CE, TS
		// before 2.6) is a value type in it.
		return
	}
	sev, kind, note, aspect, capped := w.rules.tableIS, "user-defined table", "", "user-tables", false
	if hl7Table && !t.User {
		// A code a later version lists is accepted: tables grow, and
		// national profiles of older versions adopt the new codes (NHS v2.4
		// messages carry MSH-18 UNICODE UTF-8, which HL7 added in 2.5). A
		// code only an earlier version lists (withdrawn since) is a warning.
		other := w.dict.ListedElsewhere(fd.Table, v)
		if other != "" && dict.CompareVersions(other, w.ver.Version) > 0 {
			return
		}
		sev, kind, aspect = w.rules.tableID, "HL7 table", "tables"
		// A miss is an error only against the version's own, closed list:
		// against another version's (2.7.1's, where carecert has none of
		// the version's own) or a list the standard leaves open, a code
		// may be right, so it is a warning.
		switch {
		case t.Version != w.ver.Version:
			sev, note, capped = min(sev, model.Warning), "; the table carecert has for HL7 "+w.ver.Version+" is "+t.Version+"'s", true
		case !t.Exact:
			sev, note, capped = min(sev, model.Warning), "; HL7 "+w.ver.Version+" leaves this table open", true
		case other != "":
			sev, note, capped = min(sev, model.Warning), "; HL7 "+other+" lists it, a version before this one", true
		}
	}
	w.add(aspect, sev, "hl7v2.table", path.String(), fmt.Sprintf("%q is not in %s %04d (%s)%s", v, kind, fd.Table, t.Desc, note), v)
	w.out[len(w.out)-1].capped = capped
}

// format checks the lexical form of date, time and number types. TS before
// 2.6 is a composite whose first component is the date/time.
func (w *walker) format(val, typ string, path vpath, level int) {
	d := w.m.Delims
	if typ == "TS" {
		sep := d.Component
		if level == 2 {
			sep = d.Subcomponent
		}
		if t := tsTime(val, sep); t != val {
			val = t
			path = path.child(1)
			if val == "" {
				w.emptyTime(path)
				return
			}
			if isNull(val) {
				return // a null time: present, nothing to check
			}
		}
		typ = "DTM"
	}
	if why := lexical(typ, val); why != "" {
		w.add("formats", model.Error, "hl7v2.format", path.String(), fmt.Sprintf("%q is not a valid %s: %s", val, typ, why), val)
	}
}
