package model

import "time"

// ReportFile is the name a vendor's JSON report is written under
// (<out>/<vendor>/report.json) and found by: commands reading reports back, a
// plan's baseline folder, the run index and portal submissions.
const ReportFile = "report.json"

// ReportSchemaVersion identifies the shape of Report. It changes when a field's
// meaning changes or one is removed; new optional fields do not change it.
// v2 renamed a finding's "check" (a requirement id) to "requirement".
const ReportSchemaVersion = "carecert.report/v2"

// ReportSchemaV1 is the previous version, which readers upgrade.
const ReportSchemaV1 = "carecert.report/v1"

// Report is one vendor's certification run: what was checked, what each check
// found on each target, and the verdict. Its JSON form is carecert's stable,
// machine-readable output, described by reports/schema/report.schema.json.
type Report struct {
	Schema string `json:"schema"`
	Tool   Tool   `json:"tool"`
	// Plan names the plan file or "command line".
	Plan   string `json:"plan"`
	Vendor Vendor `json:"vendor"`
	// AsOf is the date the run judges timeliness against (the plan's date).
	AsOf       string    `json:"as_of,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Complete is false when the run was interrupted: results cover only the
	// records read before the interruption.
	Complete bool `json:"complete"`
	// Evidence is "redacted" (the default) or "full".
	Evidence string      `json:"evidence"`
	Suites   []SuiteInfo `json:"suites"`
	// Guides are the implementation guides the run loaded (folders or
	// package files), as found on the machine that ran it.
	Guides  []string       `json:"guides,omitempty"`
	Targets []TargetRun    `json:"targets"`
	Summary Summary        `json:"summary"`
	Verdict Verdict        `json:"verdict"`
	Extra   map[string]any `json:"extra,omitempty"`
}

// Tool names the program that wrote a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Definitions names the FHIR definitions used ("FHIR 4.0.1").
	Definitions string `json:"definitions,omitempty"`
}

// Vendor is the supplier and release under test.
type Vendor struct {
	Name    string `json:"name"`
	Product string `json:"product,omitempty"`
	Release string `json:"release,omitempty"`
}

// SuiteInfo identifies a suite used in a run.
type SuiteInfo struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Title   string `json:"title"`
	Source  string `json:"source"`
}

// TargetRun is what happened on one target.
type TargetRun struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Location is the path or URL, with any credentials removed.
	Location string `json:"location"`
	// Records is how many records were read, readable or not.
	Records int64 `json:"records"`
	// Error is set when the target could not be read at all.
	Error string `json:"error,omitempty"`
	// Seconds is the wall time spent reading and judging the target (over
	// every shard, summed, for a merged run); absent in older reports.
	Seconds float64  `json:"seconds,omitempty"`
	Results []Result `json:"results"`
	// Defects counts each problem once, however many requirements report it;
	// SuiteDefects does the same per suite, over the records the suite's checks
	// looked at. Both are absent from reports written before they existed.
	Defects      *Defects           `json:"defects,omitempty"`
	SuiteDefects map[string]Defects `json:"suite_defects,omitempty"`
}

// InputSuite and InputRequirement name the requirement every run has: records
// can be read and parsed. It says nothing about the supplier's conformance,
// so it never counts as evidence for a verdict on its own.
const (
	InputSuite       = "carecert"
	InputRequirement = "INPUT"
)

// IsInput reports whether a result is the input requirement's.
func (r *Result) IsInput() bool { return r.Suite == InputSuite && r.Requirement == InputRequirement }

// Result is one requirement's outcome on one target.
type Result struct {
	Suite       string `json:"suite"`
	Requirement string `json:"requirement"`
	Level       Level  `json:"level"`
	Title       string `json:"title"`
	// Description is the requirement's text in its suite, for renderings
	// that explain a rule (SARIF's help); empty in older reports.
	Description string `json:"description,omitempty"`
	// Source is where the rule is written (the specification page and
	// section), as the suite gives it; nil when it names none, and in older
	// reports.
	Source  *RuleSource `json:"source,omitempty"`
	Check   string      `json:"check"`
	Outcome Outcome     `json:"outcome"`
	Message string      `json:"message"`
	// Attestation is the assessor's decision on a manual requirement, which
	// set Outcome; nil for every other result.
	Attestation *Attestation `json:"attestation,omitempty"`
	Tally
}

// RuleSource is the normative text a requirement's rule comes from: the
// page of the specification (a FHIR page, an HL7 v2 chapter, an NHS Data
// Dictionary entry) and the section of it, so a reader of a report can go
// from a requirement to the rule it applies.
type RuleSource struct {
	URL     string `json:"url" yaml:"url"`
	Section string `json:"section,omitempty" yaml:"section"`
}

// Attestation is who decided a manual requirement (a witnessed
// demonstration, a screenshot, a signed declaration), when, and the evidence
// file the decision rests on.
type Attestation struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
	// Evidence is the evidence file's name as the assessor gave it.
	Evidence       string `json:"evidence"`
	EvidenceSHA256 string `json:"evidence_sha256"`
}

// Summary counts results and findings across a report.
type Summary struct {
	Records  int64              `json:"records"`
	Results  int                `json:"results"`
	Outcomes map[Outcome]int    `json:"outcomes"`
	Findings map[Severity]int64 `json:"findings"`
	// Defects counts problems once (see Defects); nil when a target of the
	// report did not count them.
	Defects *Defects `json:"defects,omitempty"`
}

// Decision is a verdict's headline.
type Decision string

const (
	Certified              Decision = "Certified"
	ConditionallyCertified Decision = "Conditionally certified"
	NotCertified           Decision = "Not certified"
)

// Verdict is the policy's decision with the reasons for it. Rules, Breaches
// and Waivers are the decision's structure; Reasons and Conditions are its
// display lines, derived from them (see Breach.Reason), so that renderers
// read the structure and never parse the lines.
type Verdict struct {
	Decision   Decision `json:"decision"`
	Policy     string   `json:"policy"`
	Reasons    []string `json:"reasons"`
	Conditions []string `json:"conditions,omitempty"`
	// Rules are the policy's rules, each as its source text.
	Rules []VerdictRule `json:"rules,omitempty"`
	// Breaches are what broke a rule or the run's evidence, one per result,
	// pass rate or measure.
	Breaches []Breach `json:"breaches,omitempty"`
	// Waivers are the policy's waivers and what each did.
	Waivers []WaiverUse `json:"waivers,omitempty"`
}

// VerdictRule is one rule of a policy.
type VerdictRule struct {
	// Source is the rule as written ("every SHALL requirement passes").
	Source string `json:"source"`
	// Effect is what breaking it does: not-certified or conditional.
	Effect Effect `json:"effect"`
}

// Effect is what a breach does to the decision.
type Effect string

const (
	// Blocks: the vendor is not certified.
	Blocks Effect = "not-certified"
	// Conditions: the vendor is at best conditionally certified.
	Conditions Effect = "conditional"
	// NotDecisive: reported, but the policy does not decide on it.
	NotDecisive Effect = "not-decisive"
)

// Breach is one way a report broke its policy: a requirement's result on a
// target, a pass rate, a measure beyond its limit, or the run itself
// (interrupted, a target unreadable, no evidence).
type Breach struct {
	// Rule is the index in Verdict.Rules of the rule broken; -1 when it is
	// none of them: the run's own conditions, which every policy holds, or a
	// failure reported without deciding anything (NotDecisive).
	Rule   int    `json:"rule"`
	Effect Effect `json:"effect"`
	// Suite, Requirement, Level, Target and Outcome say whose result broke it.
	Suite       string  `json:"suite,omitempty"`
	Requirement string  `json:"requirement,omitempty"`
	Level       Level   `json:"level,omitempty"`
	Target      string  `json:"target,omitempty"`
	Outcome     Outcome `json:"outcome,omitempty"`
	// Measure names the measure (or "pass rate") that missed Limit, with its
	// Numerator over Denominator.
	Measure     string `json:"measure,omitempty"`
	Numerator   int64  `json:"numerator,omitempty"`
	Denominator int64  `json:"denominator,omitempty"`
	Limit       string `json:"limit,omitempty"`
	// Reason is the display line.
	Reason string `json:"reason"`
}

// WaiverUse is one waiver of a policy and what it did on this report.
type WaiverUse struct {
	// Requirement is "suite/REQ", or "REQ" for that id in any suite.
	Requirement   string `json:"requirement"`
	Justification string `json:"justification"`
	// Expires is the last day the waiver counts (YYYY-MM-DD).
	Expires string `json:"expires"`
	// Use is used (it excused a failure), unused (nothing needed excusing)
	// or expired.
	Use string `json:"use"`
}

// Waiver uses.
const (
	WaiverUsed    = "used"
	WaiverUnused  = "unused"
	WaiverExpired = "expired"
)

// WaivedUntil returns the expiry of the used waiver that excused a result's
// requirement ("suite/REQ" or the bare "REQ"), if any.
func (v *Verdict) WaivedUntil(suite, requirement string) (string, bool) {
	for _, written := range []string{suite + "/" + requirement, requirement} {
		for _, w := range v.Waivers {
			if w.Use == WaiverUsed && w.Requirement == written {
				return w.Expires, true
			}
		}
	}
	return "", false
}

// Summarize fills r.Summary from its targets.
func (r *Report) Summarize() {
	s := Summary{Outcomes: map[Outcome]int{}, Findings: map[Severity]int64{}, Defects: &Defects{}}
	for _, t := range r.Targets {
		s.Records += t.Records
		if t.Defects == nil {
			s.Defects = nil
		} else if s.Defects != nil {
			s.Defects.Merge(*t.Defects)
		}
		for _, res := range t.Results {
			s.Results++
			s.Outcomes[res.Outcome]++
			s.Findings[Error] += res.Errors
			s.Findings[Warning] += res.Warnings
			s.Findings[Information] += res.Information
		}
	}
	r.Summary = s
}

// AttestedRequirement is a manual requirement an assessor decided, listed
// once however many targets carry its result (an attestation is about the
// supplier, so it sets the requirement's outcome on every target).
type AttestedRequirement struct {
	Suite       string
	Requirement string
	Level       Level
	Title       string
	Outcome     Outcome
	Attestation
}

// Attested lists the report's attested requirements in the order they first
// appear.
func (r *Report) Attested() []AttestedRequirement {
	var out []AttestedRequirement
	seen := map[string]bool{}
	for _, t := range r.Targets {
		for _, res := range t.Results {
			key := res.Suite + "/" + res.Requirement
			if res.Attestation == nil || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, AttestedRequirement{Suite: res.Suite, Requirement: res.Requirement, Level: res.Level,
				Title: res.Title, Outcome: res.Outcome, Attestation: *res.Attestation})
		}
	}
	return out
}
