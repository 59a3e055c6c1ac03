package terminology

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/model"
)

// Issue codes, stable for findings and reports.
const (
	IssueNotInValueSet = "terminology.not-in-value-set"
	IssueNotChecked    = "terminology.not-checked"
	// IssueCodesNotHeld is a code of a code system carecert holds without
	// its codes (content not-present: SNOMED CT in FHIR core) or holds no
	// definition of (LOINC, a local system): not checked, for the same
	// reason for every code of that system, which the message gives without
	// the code, so checks say it once per code system, not on each code.
	IssueCodesNotHeld    = "terminology.codes-not-held"
	IssueUnknownValueSet = "terminology.unknown-value-set"
	IssueUnknownCode     = "terminology.unknown-code"
	IssueUnknownSystem   = "terminology.unknown-system"
	IssueDisplay         = "terminology.display"
	IssueInactive        = "terminology.inactive"
	IssueFormat          = "terminology.format"
)

// Issue is one thing validate-code found.
type Issue struct {
	Severity model.Severity `json:"severity"`
	Code     string         `json:"code"`
	Message  string         `json:"message"`
}

// Result is the answer to validate-code.
type Result struct {
	// Membership is the code's membership of the value set asked about
	// (Member when none was asked).
	Membership Membership
	// Display is the code system's display for the code, when known.
	Display string
	Issues  []Issue
}

// Valid reports whether no issue is an error.
func (r Result) Valid() bool {
	for _, i := range r.Issues {
		if i.Severity == model.Error {
			return false
		}
	}
	return true
}

// ValidateCode checks a code (with its system and optional display) against
// its code system and, when valueSetURL is not empty, against the value set:
// the FHIR $validate-code operation, offline. system may be empty for FHIR
// `code` elements, whose system the value set implies. The error is only for
// an engine that could not load or a cancelled context; problems with the code
// are issues.
func (e *Engine) ValidateCode(ctx context.Context, system, code, display, valueSetURL string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	res := Result{Membership: Member}
	if system != "" {
		issues, disp, err := e.CheckCode(ctx, system, code, display)
		if err != nil {
			return res, err
		}
		res.Issues, res.Display = issues, disp
	}
	if valueSetURL == "" {
		return res, nil
	}
	m, reason, err := e.Member(ctx, valueSetURL, system, code)
	if err != nil {
		res.Membership = Unknown
		res.Issues = append(res.Issues, Issue{model.Warning, IssueUnknownValueSet,
			fmt.Sprintf("value set %s is not known offline: the code was not checked against it", canonical(valueSetURL))})
		return res, nil
	}
	res.Membership = m
	switch m {
	case NotMember:
		res.Issues = append(res.Issues, Issue{model.Error, IssueNotInValueSet, notInMessage(system, code, valueSetURL)})
	case Unknown:
		res.Issues = append(res.Issues, Issue{model.Information, IssueNotChecked,
			fmt.Sprintf("%s could not be checked against value set %s offline: %s", codeText(system, code), canonical(valueSetURL), reason)})
	}
	return res, nil
}

func notInMessage(system, code, vs string) string {
	return fmt.Sprintf("%s is not in value set %s", codeText(system, code), canonical(vs))
}

func codeText(system, code string) string {
	if system == "" {
		return fmt.Sprintf("code %q", code)
	}
	return fmt.Sprintf("code %q of %s", code, system)
}

// Member reports whether (system, code) is in the value set url; the reason
// says why when the answer is Unknown. The error is for a value set that is
// not loaded. Answers are remembered for the engine's content (see memo).
func (e *Engine) Member(ctx context.Context, url, system, code string) (Membership, string, error) {
	q := memberQuestion{url, system, code}
	a, ok, generation := e.members.get(q)
	if ok {
		return a.m, a.reason, a.err
	}
	a.m, a.reason, a.err = e.member(ctx, url, system, code)
	if a.m != Unknown || a.err != nil || !e.consults() {
		e.members.put(q.kept(), a, generation)
	}
	return a.m, a.reason, a.err
}

func (e *Engine) member(ctx context.Context, url, system, code string) (Membership, string, error) {
	x, err := e.Expansion(url)
	if err != nil {
		e.mu.RLock()
		remote := e.remote
		e.mu.RUnlock()
		if remote == nil || e.Ready() != nil {
			return Unknown, "", err
		}
		r, rerr := remote.ValidateCode(ctx, system, code, "", url)
		if rerr != nil {
			return Unknown, fmt.Sprintf("value set %s is not available offline, and %v", canonical(url), rerr), nil
		}
		return r.Membership, "", nil
	}
	e.mu.RLock()
	m, reason := x.contains(ctx, e, system, code)
	remote := e.remote
	e.mu.RUnlock()
	if m != Unknown || remote == nil {
		return m, reason, nil
	}
	r, err := remote.ValidateCode(ctx, system, code, "", url)
	if err != nil {
		return Unknown, reason + "; and " + err.Error(), nil
	}
	return r.Membership, "", nil
}

// ValueSetSystems lists the code systems value set url draws from.
func (e *Engine) ValueSetSystems(url string) []string {
	x, err := e.Expansion(url)
	if err != nil {
		return nil
	}
	return x.Systems()
}

// CheckCode checks a code against its code system alone: its form (SNOMED CT
// check digit, LOINC check digit, ICD-10 shape, UCUM grammar), its existence
// where the engine holds the complete code system, its display and status.
// It returns the code system's display when known. Answers are remembered
// for the engine's content (see memo), but not a lookup that failed.
func (e *Engine) CheckCode(ctx context.Context, system, code, display string) ([]Issue, string, error) {
	if err := e.Ready(); err != nil {
		return nil, "", err
	}
	q := codeQuestion{system, code, display}
	a, ok, generation := e.codes.get(q)
	if ok {
		return a.issues, a.display, nil
	}
	a.issues, a.display = e.checkCode(ctx, system, code, display)
	a.issues = slices.Clip(a.issues)
	if !slices.ContainsFunc(a.issues, func(i Issue) bool { return i.Code == IssueNotChecked }) {
		e.codes.put(q.kept(), a, generation)
	}
	return a.issues, a.display, nil
}

func (e *Engine) checkCode(ctx context.Context, system, code, display string) ([]Issue, string) {
	var issues []Issue
	if err := FormatError(system, code); err != nil {
		issues = append(issues, Issue{model.Error, IssueFormat, err.Error()})
		return issues, ""
	}
	cs := e.codeSystem(system)
	e.mu.RLock()
	pv := e.providers[system]
	g := e.grammars[system]
	e.mu.RUnlock()
	var c *Concept
	switch {
	case pv != nil:
		var ok bool
		var err error
		c, ok, err = pv.Lookup(ctx, code)
		if err != nil {
			issues = append(issues, Issue{model.Information, IssueNotChecked,
				fmt.Sprintf("code %q of %s could not be looked up: %v", code, system, err)})
			return issues, ""
		}
		if !ok {
			issues = append(issues, Issue{model.Error, IssueUnknownCode,
				fmt.Sprintf("code %q is not in the loaded %s release", code, system)})
			return issues, ""
		}
	case cs != nil && cs.Complete():
		var ok bool
		if c, ok = cs.Concept(code); !ok {
			issues = append(issues, Issue{model.Error, IssueUnknownCode,
				fmt.Sprintf("code %q is not defined in code system %s", code, system)})
			return issues, ""
		}
	case g != nil:
		if err := g(code); err != nil {
			issues = append(issues, Issue{model.Error, IssueFormat, fmt.Sprintf("code %q is not valid in %s: %v", code, system, err)})
		}
		return issues, ""
	case cs != nil:
		var unheld []Issue
		if c, unheld = cs.partialConcept(code); c == nil {
			return append(issues, unheld...), ""
		}
	default:
		sev, msg := unknownSystem(system)
		if msg == "" {
			// An external or local code system carecert holds no
			// definition of: its codes are not checked (the reference
			// validator's hint), said once per code system.
			sev, msg = model.Information, fmt.Sprintf("carecert holds no definition of code system %s, so its codes cannot be checked", system)
			return append(issues, Issue{sev, IssueCodesNotHeld, msg}), ""
		}
		return append(issues, Issue{sev, IssueUnknownSystem, msg}), ""
	}
	// A wrong display is an error, as the HL7 reference validator has it by
	// default; checks that take display-issues-are-warnings lower it.
	if display != "" && c.Display != "" && !displayMatches(c, display) {
		issues = append(issues, Issue{model.Error, IssueDisplay,
			fmt.Sprintf("display %q does not match %q, the display of code %q in %s", display, c.Display, c.Code, system)})
	}
	if c.Inactive {
		issues = append(issues, Issue{model.Warning, IssueInactive,
			fmt.Sprintf("code %q of %s is %s", c.Code, system, c.Status)})
	}
	return issues, c.Display
}

// aliases are names people write in Coding.system instead of the URI.
var aliases = map[string]string{
	"snomed": SNOMED, "snomedct": SNOMED, "snomed-ct": SNOMED, "sct": SNOMED,
	"loinc": LOINC, "ucum": UCUM, "icd10": ICD10, "icd-10": ICD10, "dmd": DMD,
}

// unknownSystem explains why a system the engine does not know is wrong or
// suspect, with the severity it deserves, or returns "" when it may well be
// a legitimate external or local one.
func unknownSystem(system string) (model.Severity, string) {
	if u, ok := aliases[strings.ToLower(system)]; ok {
		return model.Error, fmt.Sprintf("code system %q is not a URI: did you mean %s?", system, u)
	}
	if !strings.Contains(system, ":") {
		return model.Error, fmt.Sprintf("code system %q is not a URI", system)
	}
	// FHIR R4 defines every code system named http://hl7.org/fhir/NAME: one
	// carecert does not know is a typo or an invention.
	if name, ok := strings.CutPrefix(system, "http://hl7.org/fhir/"); ok && !strings.Contains(name, "/") {
		return model.Error, fmt.Sprintf("code system %s is not defined by FHIR R4", system)
	}
	// HL7's terminology (THO) has grown since R4: an unknown code system
	// there is most likely a typo, but may be newer than FHIR R4.
	if strings.HasPrefix(system, "http://terminology.hl7.org/CodeSystem/") {
		return model.Warning, fmt.Sprintf("code system %s is not in FHIR R4's HL7 terminology or any loaded guide: a typo, or a code system newer than R4 whose codes cannot be checked", system)
	}
	return model.Information, ""
}

// CodeableConcept checks the codings of a CodeableConcept against a value set:
// one member coding suffices. It returns the membership of the best coding and
// the per-coding results, in order.
func (e *Engine) CodeableConcept(ctx context.Context, codings []Coding, valueSetURL string) (Membership, []Result, error) {
	best := NotMember
	results := make([]Result, len(codings))
	for i, c := range codings {
		r, err := e.ValidateCode(ctx, c.System, c.Code, c.Display, valueSetURL)
		if err != nil {
			return Unknown, nil, err
		}
		results[i] = r
		switch {
		case r.Membership == Member:
			best = Member
		case r.Membership == Unknown && best == NotMember:
			best = Unknown
		}
	}
	return best, results, nil
}

// Contains answers "is system|code in the value set?" for callers that only
// need yes, no or cannot tell, such as the profile validator's bindings
// (validators/profile.CodeValidator): known is false when the engine cannot
// decide offline or the value set is not loaded.
func (e *Engine) Contains(valueSet, system, code string) (in, known bool) {
	m, _, err := e.Member(context.Background(), valueSet, system, code)
	if err != nil || m == Unknown {
		return false, false
	}
	return m == Member, true
}

// Subsumes answers "is code ancestor, or below it, in system?" for the
// token modifiers :above and :below (fhirsearch.Terminology), from the
// hierarchy the engine holds: a code system's nested concepts and its
// parent/child/subsumedBy properties, or a SNOMED CT release it was given.
// known is false where that hierarchy cannot decide: a system the engine
// does not hold, or a fragment or example whose missing links might.
// A code subsumes itself in any system, held or not.
func (e *Engine) Subsumes(system, ancestor, code string) (subsumes, known bool) {
	if ancestor == code {
		return true, true
	}
	if e.Ready() != nil {
		return false, false
	}
	e.mu.RLock()
	p := e.providers[system]
	e.mu.RUnlock()
	if p != nil {
		return providerSubsumes(p, ancestor, code)
	}
	cs, ok := e.CodeSystem(system)
	if !ok {
		return false, false
	}
	a, aok := cs.Concept(ancestor)
	c, cok := cs.Concept(code)
	if aok && cok && cs.Subsumes(a.Code, c.Code) {
		return true, true
	}
	// Only a complete code system shows that a link is not there.
	return false, cs.Complete()
}

// providerSubsumes asks a release held outside the engine. A code the
// release does not have leaves the question open: a release is one edition
// at one version, so the code may well be another edition's or a later
// one's, and a search answer carrying it is not the server's mistake.
func providerSubsumes(p Provider, ancestor, code string) (subsumes, known bool) {
	ctx := context.Background()
	for _, c := range []string{ancestor, code} {
		_, ok, err := p.Lookup(ctx, c)
		if err != nil {
			return false, false
		}
		if !ok {
			return false, false
		}
	}
	is, err := p.Subsumes(ctx, ancestor, code)
	if err != nil {
		return false, false
	}
	return is, true
}
