package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// A BundleRule names Bundle entries to validate against a profile besides
// what they claim, as the reference validator's -bundle option does: a Bundle
// profile cannot say "the first Patient must have a name", so the run says
// it. Its rule is Type:n (the n-th entry holding a Type, from 0), Type (every
// such entry) or n (the n-th entry, from 0).
type BundleRule struct {
	// Type is the resource type the rule picks ("" for any); Index the
	// entry's index among those (-1 for all of them).
	Type  string
	Index int
	// Profile is the canonical URL (optionally |version) of the profile.
	Profile string
}

// ParseBundleRules reads the value of the option bundle-validation-rules:
// rule=profile pairs separated by commas, such as
// "Patient:0=http://example.org/StructureDefinition/named-patient". isType
// tells the resource types FHIR defines.
func ParseBundleRules(s string, isType func(string) bool) ([]BundleRule, error) {
	var rules []BundleRule
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		rule, prof, ok := strings.Cut(item, "=")
		rule, prof = strings.TrimSpace(rule), strings.TrimSpace(prof)
		if !ok || rule == "" || prof == "" {
			return nil, fmt.Errorf("%q is not rule=profile (a rule is Type:n, Type or n)", item)
		}
		r := BundleRule{Index: -1, Profile: prof}
		typ, index, hasIndex := strings.Cut(rule, ":")
		if _, err := strconv.Atoi(rule); err == nil {
			typ, index, hasIndex = "", rule, true // n alone
		}
		if typ != "" && !isType(typ) {
			return nil, fmt.Errorf("rule %q: %s is not a FHIR resource type", rule, typ)
		}
		if hasIndex {
			n, err := strconv.Atoi(index)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("rule %q: %q is not an entry index (0, 1, ...)", rule, index)
			}
			r.Index = n
		}
		r.Type = typ
		rules = append(rules, r)
	}
	return rules, nil
}

// String writes the rule as the option reads it.
func (r BundleRule) String() string {
	switch {
	case r.Type == "":
		return strconv.Itoa(r.Index) + "=" + r.Profile
	case r.Index < 0:
		return r.Type + "=" + r.Profile
	}
	return fmt.Sprintf("%s:%d=%s", r.Type, r.Index, r.Profile)
}

// picks reports whether the rule names the entry at pos holding a typ.
func (r BundleRule) picks(typ string, pos *localEntry) bool {
	switch {
	case r.Type == "":
		return pos.index == r.Index
	case r.Type != typ:
		return false
	}
	return r.Index < 0 || pos.ofType == r.Index
}

// bundleRuleProfiles returns the compiled profiles the engine's Bundle rules give a record
// that is an entry of a Bundle, and a finding for each profile that cannot be
// used (the run asked for it, so it is an error, never a silent skip).
func (e *Engine) bundleRuleProfiles(rec *model.Record) ([]*Compiled, []model.Finding) {
	if len(e.bundleRules) == 0 || rec.Container == nil || rec.Container.Type != "Bundle" {
		return nil, nil
	}
	pos := e.bundleIndex(rec.Container).entryOf(nil, rec)
	if pos == nil {
		return nil, nil
	}
	var compiled []*Compiled
	var out []model.Finding
	for _, r := range e.bundleRules {
		if !r.picks(rec.Type, pos) {
			continue
		}
		p, err := e.Compiled(r.Profile)
		if err != nil {
			out = append(out, rec.Finding(model.Error, CodeProfile, rec.Type, fmt.Sprintf("profile %s, which the Bundle rule %s names for this entry, cannot be used: %v", r.Profile, r, err)))
			continue
		}
		compiled = append(compiled, p)
	}
	return compiled, out
}
