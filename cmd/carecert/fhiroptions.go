package main

import (
	"github.com/spf13/pflag"
)

// fhirOptionFlags are the FHIR validation options, named as the HL7
// reference validator's command-line options so that its users find them.
type fhirOptionFlags struct {
	bestPractice     string
	securityChecks   bool
	allowExampleURLs bool
	forPublication   bool
	noExperimental   bool
	allowComments    bool
	assumeValidRest  string
	bundleRules      string
	resourceIDRule   string
}

func (o *fhirOptionFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&o.bestPractice, "best-practice", "", "how best-practice guidelines (dom-6: a narrative) are reported: ignore (default), hint, warning or error")
	fl.BoolVar(&o.securityChecks, "security-checks", false, "report HTML tags embedded in string values as errors")
	fl.BoolVar(&o.allowExampleURLs, "allow-example-urls", false, "accept extensions on example domains (example.org...) as warnings instead of errors")
	fl.BoolVar(&o.forPublication, "for-publication", false, "check definitions as published for others to use: the elements a shareable ValueSet, CodeSystem, ConceptMap or Measure carries (errors for HL7's own)")
	fl.BoolVar(&o.noExperimental, "no-experimental-content", false, "refuse every definition (ValueSet, StructureDefinition...) marked experimental: content that must be fit for production")
	fl.BoolVar(&o.allowComments, "allow-comments", false, "accept comments in FHIR JSON (by default each is an input error)")
	fl.StringVar(&o.bundleRules, "bundle-validation-rules", "", "rule=profile pairs, comma-separated: Bundle entries also validated against a profile, as the HL7 validator's -bundle; a rule is Type:n (the n-th entry holding a Type, from 0), Type (each of them) or n (the n-th entry)")
	fl.StringVar(&o.resourceIDRule, "resource-id-rule", "", "whether each resource validated on its own must have an id: optional (the default), required (as for an update) or prohibited (as for a create), the HL7 validator's resourceIdRule")
	fl.StringVar(&o.assumeValidRest, "assume-valid-rest-references", "", "true (the default): hold a reference that does not resolve in the input to its element's target types by the type its URL names (Group/7 is a Group); false: leave it unchecked, as the HL7 validator does by default")
}

// apply sets the options given on the command line over a plan's (a flag
// left out keeps the plan's value).
func (o *fhirOptionFlags) apply(into map[string]string) map[string]string {
	set := func(name, v string) {
		if into == nil {
			into = map[string]string{}
		}
		into[name] = v
	}
	if o.bestPractice != "" {
		set("best-practice", o.bestPractice)
	}
	if o.securityChecks {
		set("security-checks", "true")
	}
	if o.allowExampleURLs {
		set("allow-example-urls", "true")
	}
	if o.forPublication {
		set("for-publication", "true")
	}
	if o.noExperimental {
		set("no-experimental-content", "true")
	}
	if o.allowComments {
		set("allow-comments", "true")
	}
	if o.assumeValidRest != "" {
		set("assume-valid-rest-references", o.assumeValidRest)
	}
	if o.bundleRules != "" {
		set("bundle-validation-rules", o.bundleRules)
	}
	if o.resourceIDRule != "" {
		set("resource-id-rule", o.resourceIDRule)
	}
	return into
}
