package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/ukid"
)

// NHS number identifiers and their verification status (UK Core).
const (
	NHSNumberSystem       = "https://fhir.nhs.uk/Id/nhs-number"
	NHSVerificationURL    = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
	NHSVerificationSystem = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)

// nhsVerificationCodes are the codes of UKCore-NHSNumberVerificationStatusEngland.
var nhsVerificationCodes = map[string]string{
	"01": "Number present and verified",
	"02": "Number present but not traced",
	"03": "Trace required",
	"04": "Trace attempted - No match or multiple match found",
	"05": "Trace needs to be resolved - (NHS number or patient detail conflict)",
	"06": "Trace in progress",
	"07": "Number not present and trace not required",
	"08": "Trace postponed (baby under six weeks old)",
}

// nhsParams are an nhs-number requirement's parameters: what it checks and
// how strict it is about the numbers.
type nhsParams struct {
	Check   string   `param:"check" doc:"number, or verification-status (the extension's code)"`
	Ranges  []string `param:"ranges" doc:"ranges of numbers accepted: england-wales, scotland-chi, northern-ireland, test, unallocated" default:"the issued ranges"`
	Grouped bool     `param:"grouped" doc:"accept the digits grouped 3-3-4 with spaces"`
}

var defaultNHS = nhsParams{Check: "number", Grouped: ukid.DefaultNHSRules.Grouped}

func newNHSNumberCheck(spec check.Spec, p nhsParams, env *check.Env) (check.Check, error) {
	what := p.Check
	if what != "number" && what != "verification-status" {
		return nil, fmt.Errorf("parameter \"check\": %q is not number or verification-status", what)
	}
	rules, err := nhsRules(p)
	if err != nil {
		return nil, err
	}
	applies := func(rec *model.Record) bool { return rec.Kind == model.KindFHIR && hasNHSNumber(rec) }
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		return checkNHSNumbers(rec, what, rules)
	}), nil
}

// nhsRules reads a suite's strictness about NHS numbers: the ranges it
// accepts and whether grouped digits are allowed.
func nhsRules(p nhsParams) (ukid.NHSRules, error) {
	rules := ukid.DefaultNHSRules
	if p.Ranges != nil {
		var err error
		if rules.Ranges, err = ukid.ParseRanges(p.Ranges); err != nil {
			return rules, fmt.Errorf("parameter \"ranges\": %w", err)
		}
	}
	rules.Grouped = p.Grouped
	return rules, nil
}

// hasNHSNumber reports whether the resource has an identifier that is, or
// looks like, an NHS number.
func hasNHSNumber(rec *model.Record) bool {
	ids, _ := rec.Resource()["identifier"].([]any)
	for _, id := range ids {
		m, _ := id.(map[string]any)
		if s, ok := m["system"].(string); ok && strings.Contains(strings.ToLower(s), "nhs-number") {
			return true
		}
	}
	return false
}

// checkNHSNumbers checks every identifier with the NHS number system: the
// number itself (what = "number") or its verification status extension.
func checkNHSNumbers(rec *model.Record, what string, rules ukid.NHSRules) []model.Finding {
	var out []model.Finding
	add := func(sev model.Severity, code, path, msg, evidence string) {
		f := rec.Finding(sev, code, path, msg)
		f.Evidence, f.Sensitive = evidence, true
		out = append(out, f)
	}
	ids, _ := rec.Resource()["identifier"].([]any)
	for i, id := range ids {
		m, _ := id.(map[string]any)
		system, _ := m["system"].(string)
		path := fmt.Sprintf("%s.identifier[%d]", rec.Type, i)
		if system != NHSNumberSystem {
			if what == "number" && strings.Contains(strings.ToLower(system), "nhs-number") {
				add(model.Error, "nhs-number.system", path+".system", fmt.Sprintf("identifier system %q looks like an NHS number system but is not exactly %s", system, NHSNumberSystem), "")
			}
			continue
		}
		if what == "number" {
			value, ok := m["value"].(string)
			if !ok {
				add(model.Error, "nhs-number.missing", path+".value", "NHS number identifier has no value", "")
			} else if p, ok := rules.Check(value); !ok {
				sev := model.Error
				if p.Warning {
					sev = model.Warning
				}
				add(sev, p.Code, path+".value", "NHS number "+p.Message, value)
			}
			continue
		}
		found := false
		exts, _ := m["extension"].([]any)
		for j, e := range exts {
			em, _ := e.(map[string]any)
			if em["url"] != NHSVerificationURL {
				continue
			}
			found = true
			ep := fmt.Sprintf("%s.extension[%d]", path, j)
			cc, _ := em["valueCodeableConcept"].(map[string]any)
			codings, _ := cc["coding"].([]any)
			ok := false
			var got []string
			for _, c := range codings {
				cm, _ := c.(map[string]any)
				code, _ := cm["code"].(string)
				sys, _ := cm["system"].(string)
				got = append(got, sys+"#"+code)
				if sys == NHSVerificationSystem && nhsVerificationCodes[code] != "" {
					ok = true
				}
			}
			if !ok {
				shown := strings.Join(got, ", ")
				if shown == "" {
					shown = "no coding"
				}
				add(model.Error, "nhs-number.verification-status", ep,
					fmt.Sprintf("NHS number verification status must be a code 01-08 from %s, got %s", NHSVerificationSystem, shown), "")
			}
		}
		if !found {
			add(model.Error, "nhs-number.verification-status", path, "NHS number has no verification status extension ("+NHSVerificationURL+")", "")
		}
	}
	return out
}
