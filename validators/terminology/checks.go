package terminology

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/ucum"
)

// newBindingCheck validates the codes of every element with a required or
// extensible binding against its value set. Plain `code` elements with a
// required binding are left to the JSON schema check, whose enumerations hold
// the same codes, unless the suite sets codes: true.
func newBindingCheck(spec check.Spec, p bindingParams, env *check.Env) (check.Check, error) {
	eng, el, err := prepare(p.Terminology, env)
	if err != nil {
		return nil, err
	}
	withCodes := p.Codes
	ctx := ctxOf(env)
	return check.PerRecordOrNothing(appliesFHIR, func(rec *model.Record) ([]model.Finding, bool) {
		var out []model.Finding
		// bound is whether the record holds a value under a binding this
		// check judges, decided whether any was judged: a record none of
		// whose bound values could be judged is not checked.
		bound, decided := false, false
		el.Each(rec, func(c codedValue) {
			b := c.Binding
			if b == nil || (b.Strength != "required" && b.Strength != "extensible") {
				return
			}
			sevMiss := model.Error
			if b.Strength == "extensible" {
				sevMiss = model.Warning
			}
			if c.Type == "code" {
				code, ok := c.Value.(string)
				if !ok || (!withCodes && b.Strength == "required") {
					return
				}
				bound = true
				m, why, err := eng.Member(ctx, b.ValueSet, "", code)
				decided = decided || (err == nil && m != terminology.Unknown)
				out = append(out, membershipFindings(rec, c.Path.String(), b, m, why, err, sevMiss, strconv.Quote(code))...)
				return
			}
			var buf [codingsBuf]terminology.Coding
			cs, paths := codings(c, buf[:0])
			if c.Type != "Coding" && c.Type != "CodeableConcept" {
				return
			}
			bound = true
			if len(cs) == 0 {
				decided = true // text alone: an error under required, allowed under extensible
				if b.Strength == "required" {
					out = append(out, finding(rec, model.Error, terminology.IssueNotInValueSet, c.Path.String(),
						fmt.Sprintf("no coding: a code from the required value set %s is needed", b.ValueSet), ""))
				}
				return
			}
			best, why := terminology.NotMember, ""
			for _, cd := range cs {
				m, r, err := eng.Member(ctx, b.ValueSet, cd.System, cd.Code)
				if err != nil {
					out = append(out, membershipFindings(rec, c.Path.String(), b, terminology.Unknown, "", err, sevMiss, "")...)
					return
				}
				if m == terminology.Member {
					decided = true
					return
				}
				if m == terminology.Unknown {
					best, why = terminology.Unknown, r
				}
			}
			decided = decided || best != terminology.Unknown
			at := c.Path.String()
			if len(cs) == 1 {
				at = paths.path(0)
			}
			out = append(out, membershipFindings(rec, at, b, best, why, nil, sevMiss, codingsText(cs))...)
		})
		if !decided {
			model.MarkUndecided(out)
		}
		return out, !bound
	}), nil
}

func membershipFindings(rec *model.Record, path string, b *Binding, m terminology.Membership, why string, err error, sevMiss model.Severity, evidence string) []model.Finding {
	switch {
	case err != nil:
		return []model.Finding{finding(rec, model.Information, terminology.IssueUnknownValueSet, path,
			fmt.Sprintf("value set %s is not available offline: the %s binding was not checked", b.ValueSet, b.Strength), evidence)}
	case m == terminology.NotMember:
		return []model.Finding{finding(rec, sevMiss, terminology.IssueNotInValueSet, path,
			fmt.Sprintf("%s is not in the %s value set %s", evidence, b.Strength, b.ValueSet), evidence)}
	case m == terminology.Unknown:
		return []model.Finding{finding(rec, model.Information, terminology.IssueNotChecked, path,
			fmt.Sprintf("%s could not be checked against value set %s offline: %s", evidence, b.ValueSet, why), evidence)}
	}
	return nil
}

func codingsText(cs []terminology.Coding) string {
	if len(cs) == 1 {
		return fmt.Sprintf("%s|%s", cs[0].System, cs[0].Code)
	}
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s|%s", c.System, c.Code)
	}
	return "none of " + s
}

// newCodeSystemCheck checks every coding against its code system. A code of
// a code system whose codes carecert does not hold (content not-present, as
// FHIR core holds SNOMED CT, or no definition at all, as of LOINC) is not
// checked, and said so once per code system in the result, with how many
// codes went unchecked: said on each code it would flood every report.
func newCodeSystemCheck(spec check.Spec, p codeSystemParams, env *check.Env) (check.Check, error) {
	eng, el, err := prepare(p.Terminology, env)
	if err != nil {
		return nil, err
	}
	ctx := ctxOf(env)
	judge := func(rec *model.Record, notHeld codesNotHeld) (out []model.Finding, coded, judged bool) {
		el.Each(rec, func(c codedValue) {
			var buf [codingsBuf]terminology.Coding
			cs, paths := codings(c, buf[:0])
			for i, cd := range cs {
				if cd.System == "" || cd.Code == "" {
					continue
				}
				coded = true
				issues, _, err := eng.CheckCode(ctx, cd.System, cd.Code, cd.Display)
				if err != nil {
					out = append(out, finding(rec, model.Error, "terminology.engine", paths.path(i), err.Error(), ""))
					return
				}
				judgedCode := true
				for _, is := range issues {
					switch is.Code {
					case terminology.IssueFormat:
						continue // the code-format check reports these
					case terminology.IssueCodesNotHeld:
						notHeld.add(cd.System, is.Message)
						judgedCode = false
						continue
					case terminology.IssueNotChecked:
						judgedCode = false
					}
					sev := is.Severity
					if is.Code == terminology.IssueDisplay && p.DisplayWarnings {
						sev = model.Warning
					}
					out = append(out, finding(rec, sev, is.Code, paths.path(i)+codePart(is.Code), is.Message, cd.System+"|"+cd.Code))
				}
				judged = judged || judgedCode
			}
		})
		if coded && !judged {
			model.MarkUndecided(out)
		}
		return out, coded, judged
	}
	return withSkipped(spec.Requirement, eng.Skipped(), &codeSystemCheck{requirement: spec.Requirement, judge: judge}), nil
}

// codeSystemCheck is fhir-code-system: judge checks a record's codes,
// counting in notHeld those of code systems held without their codes, and
// says whether the record held a code (coded) and whether any of its codes
// was judged against its code system.
type codeSystemCheck struct {
	requirement string
	judge       func(rec *model.Record, notHeld codesNotHeld) (out []model.Finding, coded, judged bool)
}

func (c *codeSystemCheck) Applies(rec *model.Record) bool { return appliesFHIR(rec) }

func (c *codeSystemCheck) NewState() check.State {
	return &codeSystemState{check: c, NotHeld: codesNotHeld{}}
}

// codesNotHeld counts by code system the codes that were not checked
// because carecert does not hold the code system's codes, with why.
type codesNotHeld map[string]*notHeld

type notHeld struct {
	Codes  int64  `json:"codes"`
	Reason string `json:"reason"`
}

func (c codesNotHeld) add(system, reason string) {
	if n := c[system]; n != nil {
		n.Codes++
		return
	}
	c[system] = &notHeld{Codes: 1, Reason: reason}
}

// codeSystemState keeps the codes not held, and counts the records whose
// codes were none of them judged (their findings, if any, are only
// "not checked") and those that held no code. Said once per code system, the
// codes not held leave no finding on the record for the grade to count, so
// the state counts the records itself. It merges exactly across workers and
// shards.
type codeSystemState struct {
	check          *codeSystemCheck
	NotHeld        codesNotHeld `json:"not_held,omitempty"`
	NotChecked     int64        `json:"not_checked,omitempty"`
	NothingToJudge int64        `json:"nothing_to_judge,omitempty"`
}

func (s *codeSystemState) Observe(rec *model.Record) []model.Finding {
	out, coded, judged := s.check.judge(rec, s.NotHeld)
	switch {
	case !coded:
		s.NothingToJudge++
	case !judged && len(out) == 0:
		// An undecided finding on the record counts it already.
		s.NotChecked++
	}
	return out
}

func (s *codeSystemState) Merge(other check.State) error {
	o, ok := other.(*codeSystemState)
	if !ok {
		return fmt.Errorf("%s: cannot merge %T", s.check.requirement, other)
	}
	if s.NotHeld == nil {
		s.NotHeld = codesNotHeld{}
	}
	s.NotChecked += o.NotChecked
	s.NothingToJudge += o.NothingToJudge
	for system, n := range o.NotHeld {
		if mine := s.NotHeld[system]; mine != nil {
			mine.Codes += n.Codes
			continue
		}
		s.NotHeld[system] = &notHeld{Codes: n.Codes, Reason: n.Reason}
	}
	return nil
}

// Finish says once per code system whose codes carecert does not hold how
// many of its codes were not checked, and why: carecert's limit, neither a
// pass nor the supplier's failure.
func (s *codeSystemState) Finish(t *model.Tally) {
	t.CountNotChecked(s.NotChecked)
	t.CountNothingToJudge(s.NothingToJudge)
	systems := make([]string, 0, len(s.NotHeld))
	for system := range s.NotHeld {
		systems = append(systems, system)
	}
	slices.Sort(systems)
	notes := make([]string, len(systems))
	for i, system := range systems {
		n := s.NotHeld[system]
		notes[i] = fmt.Sprintf("%d code(s) of %s were not checked: %s", n.Codes, system, n.Reason)
	}
	check.AddNotes(t, s.check.requirement, terminology.IssueNotChecked, notes)
}

// codePart points a finding at the element of a Coding it is about.
func codePart(issue string) string {
	switch issue {
	case terminology.IssueDisplay:
		return ".display"
	case terminology.IssueUnknownSystem:
		return ".system"
	}
	return ".code"
}

// newFormatCheck checks the form of SNOMED CT, dm+d, LOINC and ICD-10 codes,
// language tags and MIME types: in codings by their system, and in code
// elements bound to the languages value sets (Resource.language,
// Attachment.language), whose system is implied.
func newFormatCheck(spec check.Spec, p check.Terminology, env *check.Env) (check.Check, error) {
	_, el, err := prepare(p, env)
	if err != nil {
		return nil, err
	}
	return check.PerRecord(appliesFHIR, func(rec *model.Record) []model.Finding {
		var out []model.Finding
		el.Each(rec, func(c codedValue) {
			if code, ok := c.Value.(string); ok && c.Type == "code" && languageBound(c.Binding) {
				if err := terminology.LanguageTag(code); err != nil {
					out = append(out, finding(rec, model.Error, terminology.IssueFormat, c.Path.String(),
						err.Error()+": a language is written as a BCP-47 tag such as en-GB", code))
				}
				return
			}
			var buf [codingsBuf]terminology.Coding
			cs, paths := codings(c, buf[:0])
			for i, cd := range cs {
				if cd.System == terminology.UCUM || cd.Code == "" {
					continue
				}
				if err := terminology.FormatError(cd.System, cd.Code); err != nil {
					out = append(out, finding(rec, model.Error, terminology.IssueFormat, paths.path(i)+".code",
						err.Error()+": it cannot be a code of "+cd.System, cd.Code))
				}
			}
		})
		return out
	}), nil
}

// newUnitsCheck checks UCUM codes and that units are comparable with the
// unit a profile fixes: the profiles of loaded guides a resource claims, the
// profiles the suite names (profile), and, for observations whose LOINC code
// a core profile gives a unit (or the suite's units parameter does), that.
func newUnitsCheck(spec check.Spec, params unitsParams, env *check.Env) (check.Check, error) {
	eng, el, err := prepare(params.Terminology, env)
	if err != nil {
		return nil, err
	}
	names := params.Profile
	gu, err := guideUnitsFor(env, len(names) > 0)
	var notes []string
	if err != nil {
		if len(names) > 0 {
			return nil, err
		}
		// The guides' code systems may still load (the engine leaves out
		// what it cannot read): check everything else, and say what not.
		notes = append(notes, fmt.Sprintf("units fixed by the profiles of loaded guides not checked: %v", err))
		gu = nil
	}
	var named []*unitProfile
	for _, n := range names {
		if _, ok := gu.defs.Lookup(n); !ok {
			return nil, fmt.Errorf("parameter \"profile\": %s is not loaded (not in FHIR R4 core or a guide given with --ig)", n)
		}
		p := gu.profile(n)
		if p.Err != nil {
			return nil, fmt.Errorf("parameter \"profile\": %w", p.Err)
		}
		named = append(named, p)
	}
	rules := unitRules{el: el, suite: map[unitCode]UnitRule{}}
	for loinc, u := range params.Units {
		if err := ucum.Validate(u); err != nil {
			return nil, fmt.Errorf("parameter \"units\": %s: %q is not UCUM: %w", loinc, u, err)
		}
		rules.suite[unitCode{terminology.LOINC, loinc}] = UnitRule{Code: u, Profile: "suite " + spec.Requirement}
	}
	ctx := ctxOf(env)
	units := &unitMemo{}
	return withNotes(spec.Requirement, terminology.IssueNotChecked, notes, check.PerRecord(appliesFHIR, func(rec *model.Record) []model.Finding {
		var out []model.Finding
		el.Each(rec, func(c codedValue) {
			m, _ := c.Value.(map[string]any)
			if m == nil {
				return
			}
			if c.Type == "Coding" || c.Type == "CodeableConcept" {
				var buf [codingsBuf]terminology.Coding
				cs, paths := codings(c, buf[:0])
				for i, cd := range cs {
					if cd.System == terminology.UCUM {
						if _, err := units.parse(cd.Code); err != nil {
							out = append(out, finding(rec, model.Error, "terminology.ucum", paths.path(i)+".code",
								fmt.Sprintf("%q is not a valid UCUM unit: %v", cd.Code, err), cd.Code))
						}
					}
				}
				return
			}
			if c.Type == "code" || m["system"] != terminology.UCUM {
				return
			}
			code, _ := m["code"].(string)
			if code == "" {
				return
			}
			if _, err := units.parse(code); err != nil {
				out = append(out, finding(rec, model.Error, "terminology.ucum", c.Path.String()+".code",
					fmt.Sprintf("%q is not a valid UCUM unit: %v", code, err), code))
			}
		})
		done := map[string]bool{}
		if gu != nil {
			out = append(out, gu.check(rec, named, done)...)
		}
		// Every observation of the record is judged, wherever it sits: the
		// record itself, a resource contained in it, a parameter's resource
		// or an entry of a Bundle it holds. Its sites are read from the
		// coded values (those the proof kept, for a record proven from its
		// bytes, so that it is never decoded for its units; those a walk of
		// its map form found, for any other), so that one reading serves
		// every placement and both forms.
		var buf [4]unitSite
		sites := unitSites(el.codedValues(rec), buf[:0])
		out = append(out, observationUnits(ctx, eng, units, rec, sites, rules, done)...)
		return out
	})), nil
}

// unitRules are the units a run holds observations to: the suite's own, by
// LOINC code, before those the core profiles fix.
type unitRules struct {
	el    *Elements
	suite map[unitCode]UnitRule
}

// coding returns the unit for an observation coded system|code.
func (u unitRules) coding(system, code string) (UnitRule, bool) {
	if r, ok := u.suite[unitCode{system, code}]; ok {
		return r, true
	}
	return u.el.UnitRule(system, code)
}

// sign returns the unit for an observation held to vital sign v: the
// suite's for the coding that implies it, else the one its profile fixes.
func (u unitRules) sign(v definitions.ImpliedVital) (UnitRule, bool) {
	if r, ok := u.suite[unitCode{v.System, v.Code}]; ok {
		return r, true
	}
	return u.el.profileUnitRule(v.Profile)
}

// fixesUnit says whether the core profile id fixes a unit for the value.
func (u unitRules) fixesUnit(id string) bool {
	_, ok := u.el.profileUnitRule(id)
	return ok
}

// systemCode returns the system and code of a coding in its JSON shape.
func systemCode(coding any) (system, code string) {
	m, _ := coding.(map[string]any)
	system, _ = m["system"].(string)
	code, _ = m["code"].(string)
	return system, code
}

// unitSite is where an observation gives a value against a code: an
// observation or one of its components. at is its instance path
// ("Observation", "DiagnosticReport.contained[0].component[1]"); quantity
// is its valueQuantity and code its code, each in its JSON shape (nil when
// absent).
type unitSite struct {
	at             string
	quantity, code map[string]any
}

// unitSites appends to sites the unit sites of every observation among a
// record's coded values: each observation's code and valueQuantity and each
// of its components', by their definitions (Observation.code,
// Observation.component.value[x] ...), whatever resource holds the
// observation. Sites are ordered by path, as the report orders findings
// (model.Compare), so that the findings of a record do not depend on the
// order its values were found in (a proof's kept values, a walk of the map
// form).
func unitSites(vals []codedValue, sites []unitSite) []unitSite {
	for _, c := range vals {
		var member string
		switch {
		case c.Def == "Observation.code" || c.Def == "Observation.component.code":
			member = ".code"
		case (c.Def == "Observation.value[x]" || c.Def == "Observation.component.value[x]") && c.Type == "Quantity":
			member = ".valueQuantity"
		default:
			continue
		}
		m, _ := c.Value.(map[string]any)
		at, ok := strings.CutSuffix(c.Path.String(), member)
		// A component written as an object ("component": {...}) is no
		// site: its path has no index where one is due.
		if m == nil || !ok || strings.HasPrefix(c.Def, "Observation.component.") && !strings.HasSuffix(at, "]") {
			continue
		}
		i := slices.IndexFunc(sites, func(s unitSite) bool { return s.at == at })
		if i < 0 {
			sites = append(sites, unitSite{at: at})
			i = len(sites) - 1
		}
		if member == ".code" {
			sites[i].code = m
		} else {
			sites[i].quantity = m
		}
	}
	slices.SortFunc(sites, func(a, b unitSite) int { return strings.Compare(a.at, b.at) })
	return sites
}

// observationUnits compares the unit of each site's valueQuantity with the
// unit a profile fixes for the site's LOINC code, whichever form the sites
// were read from. A unit already reported at its path (done) is not
// reported again.
func observationUnits(ctx context.Context, eng *terminology.Engine, units *unitMemo, rec *model.Record, sites []unitSite, rules unitRules, done map[string]bool) []model.Finding {
	var out []model.Finding
	check := func(s unitSite) {
		q, at := s.quantity, s.at
		if q == nil || q["system"] != terminology.UCUM || done[at+".valueQuantity.code"] {
			return
		}
		unit, _ := q["code"].(string)
		u, err := units.parse(unit)
		if err != nil {
			return // reported as an invalid unit
		}
		// The coding that names the unit: that of the vital sign the
		// observation is held to, of the signs whose profile fixes a unit
		// (as the profile engine picks it), else the first with a rule.
		var held definitions.ImpliedVital
		for _, x := range list(s.code["coding"]) {
			sys, c := systemCode(x)
			held = held.Then(sys, c, rules.fixesUnit)
		}
		system, code := held.System, held.Code
		var r UnitRule
		picked := false
		if held.Profile != "" {
			r, picked = rules.sign(held)
		} else {
			for _, x := range list(s.code["coding"]) {
				if r, picked = rules.coding(systemCode(x)); picked {
					system, code = systemCode(x)
					break
				}
			}
		}
		if !picked {
			return
		}
		want := []string{r.Code}
		if r.Code == "" {
			codes, err := eng.Expand(r.ValueSet)
			if err != nil {
				out = append(out, finding(rec, model.Information, terminology.IssueNotChecked, at+".valueQuantity.code",
					fmt.Sprintf("unit %q not compared: %v", unit, err), unit))
				return
			}
			want = want[:0]
			for _, c := range codes {
				want = append(want, c.Code)
			}
		}
		for _, w := range want {
			if wu, err := units.parse(w); err == nil && wu.Comparable(u) {
				return
			}
		}
		out = append(out, finding(rec, model.Error, "terminology.unit-not-comparable", at+".valueQuantity.code",
			fmt.Sprintf("unit %q (%s) is not comparable with %s, the unit %s fixes for %s %s",
				unit, u.DimensionText(), strings.Join(want, " or "), r.Profile, systemName(system), code), unit))
	}
	for _, s := range sites {
		check(s)
	}
	return out
}

// systemName names a code system a unit rule is kept for (LOINC, or SNOMED
// CT for a vital sign), as a finding's message says it.
func systemName(system string) string {
	if system == terminology.SNOMED {
		return "SNOMED CT"
	}
	return "LOINC"
}

// withSkipped adds to a check one information finding per guide file the
// engine left out, so that a run's report says what it could not read.
func withSkipped(requirement string, skipped []string, c check.Check) check.Check {
	return withNotes(requirement, "terminology.guide-file-skipped", check.GuideFilesLeftOut("code systems and value sets", skipped), c)
}

// withNotes adds to a check one information finding per note, once per
// result: what the check could not read, said in the report.
func withNotes(requirement, code string, notes []string, c check.Check) check.Check {
	if len(notes) == 0 {
		return c
	}
	return notedCheck{Check: c, requirement: requirement, code: code, notes: notes}
}

type notedCheck struct {
	check.Check
	requirement string
	code        string
	notes       []string
}

func (c notedCheck) NewState() check.State {
	return &notedState{Inner: c.Check.NewState(), check: c}
}

// notedState wraps the check's own state; it serialises as that state.
type notedState struct {
	Inner check.State `json:"inner"`
	check notedCheck
}

func (s *notedState) Observe(rec *model.Record) []model.Finding { return s.Inner.Observe(rec) }

func (s *notedState) Merge(other check.State) error {
	o, ok := other.(*notedState)
	if !ok {
		return fmt.Errorf("%s: cannot merge %T", s.check.requirement, other)
	}
	return s.Inner.Merge(o.Inner)
}

func (s *notedState) Finish(t *model.Tally) {
	s.Inner.Finish(t)
	check.AddNotes(t, s.check.requirement, s.check.code, s.check.notes)
}

// languageBound reports whether a code element's binding is to FHIR's
// language value sets, whose codes are BCP-47 tags: R4 binds
// Resource.language and Attachment.language to "languages" (preferred) with
// "all-languages" as the largest set allowed.
func languageBound(b *Binding) bool {
	if b == nil {
		return false
	}
	vs, _, _ := strings.Cut(b.ValueSet, "|")
	switch vs {
	case "http://hl7.org/fhir/ValueSet/languages", "http://hl7.org/fhir/ValueSet/all-languages", "http://hl7.org/fhir/ValueSet/common-languages":
		return true
	}
	return false
}
