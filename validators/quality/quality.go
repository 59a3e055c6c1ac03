// Package quality checks whether a feed's data is fit for use, beyond its
// structure and codes: completeness, value conformance, plausibility (atemporal,
// temporal, uniqueness), referential integrity, timeliness, drift against a
// baseline and a maturity score. Rules are declared in suites and grouped by the
// harmonised data-quality framework of Kahn et al. (2016); each result records
// numerators and denominators as measures, and thresholds are applied to those
// measures only, so a stored report can be graded again.
//
// Rules select elements through a Selector compiled by the Language of the
// record kind (FHIRPath for FHIR, column names for CSV rows, terse paths for
// HL7 v2 messages; other packages may plug in richer ones), so the same checks
// serve every kind.
package quality

import (
	"fmt"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// Register adds the quality check types to a registry. langs add or replace
// the selection languages of record kinds; FHIR (FHIRPath), CSV (column
// names) and HL7 v2 (terse paths) are built in.
func Register(reg *check.Registry, langs ...Language) {
	e := newEngine(langs)
	check.Define(reg, "dq-completeness", "share of records in which an element (or any of a set) is present and non-empty",
		completenessParams{common: defaults(Completeness, Verification)}, e.completeness)
	// Each default is legal on its own; only their share matters.
	infoDefaults := defaults(Atemporal, Validation)
	infoDefaults.Severity = model.Information
	check.Define(reg, "dq-default-values", "share of records carrying a default or unknown value, against a tolerated rate",
		defaultValuesParams{common: infoDefaults}, e.defaultValues)
	check.Define(reg, "dq-value-format", "values conform to a format (nhs-number, uk-postcode, date, ...), pattern or value list",
		valueFormatParams{common: defaults(Conformance, Verification)}, e.valueFormat)
	check.Define(reg, "dq-unique", "a key (resource id, identifier, or a combination of elements) is unique across the feed",
		uniqueParams{common: defaults(Uniqueness, Verification), Names: "exact"}, e.unique)
	check.Define(reg, "dq-references", "references resolve to records in the feed or a declared external set",
		referencesParams{common: defaults(Conformance, Verification)}, e.references)
	check.Define(reg, "dq-not-future", "dates are not later than the plan's date plus a tolerance",
		notFutureParams{common: defaults(Temporal, Verification)}, e.notFuture)
	check.Define(reg, "dq-date-order", "one date of a record is not later than another (period.start <= period.end)",
		dateOrderParams{common: defaults(Temporal, Verification)}, e.dateOrder)
	check.Define(reg, "dq-within-life", "events of a patient are not dated before birth or after death",
		withinLifeParams{common: defaults(Temporal, Validation), Patient: "Patient", Subject: "subject", ExamplesPer: 2}, e.withinLife)
	observations := defaults(Atemporal, Validation)
	observations.Type = []string{"Observation"}
	check.Define(reg, "dq-value-range", "observation values lie in a plausible range for their code, with unit conversion",
		valueRangeParams{common: observations, Builtin: true}, e.valueRange)
	check.Define(reg, "dq-timeliness", "lag between an event and meta.lastUpdated stays under a limit",
		timelinessParams{common: defaults(Temporal, Validation)}, e.timeliness)
	check.Define(reg, "dq-freshness", "the newest meta.lastUpdated of the feed is recent enough against the plan's date",
		freshnessParams{common: defaults(Temporal, Validation)}, e.freshness)
	check.Define(reg, "dq-drift", "category proportions or a numeric distribution against a baseline report (PSI or chi-square)",
		driftParams{common: defaults(Atemporal, Validation), Method: "psi"}, e.drift)
	check.Define(reg, "dq-maturity", "a maturity score in the spirit of the NHS Data Quality Maturity Index",
		maturityParams{common: defaults(Completeness, Validation)}, e.maturity)
}

// Category is a data-quality category of the Kahn et al. (2016) harmonised
// framework.
type Category string

const (
	Conformance  Category = "conformance"
	Completeness Category = "completeness"
	// Plausibility is split into its three sub-categories.
	Atemporal  Category = "plausibility.atemporal"
	Temporal   Category = "plausibility.temporal"
	Uniqueness Category = "plausibility.uniqueness"
)

var categories = []Category{Conformance, Completeness, Atemporal, Temporal, Uniqueness}

// Context is how a rule is judged in the framework: verification against the
// data's own constraints or metadata, validation against external truth.
type Context string

const (
	Verification Context = "verification"
	Validation   Context = "validation"
)

// engine holds what every quality factory needs: the selection languages.
type engine struct {
	langs map[model.Kind]Language
}

func newEngine(langs []Language) *engine {
	e := &engine{langs: map[model.Kind]Language{
		model.KindFHIR: FHIRPaths(), model.KindCSV: CSVColumns(), model.KindHL7v2: HL7v2Fields(),
	}}
	for _, l := range langs {
		e.langs[l.Kind] = l
	}
	return e
}

// rule is what every quality check shares: where it reports, what records it
// applies to, how findings are named and how thresholds grade it.
type rule struct {
	// req is the requirement id, for findings raised after the last record.
	req  string
	cat  Category
	ctx  Context
	kind model.Kind
	// types the rule applies to; empty means every type.
	types []string
	sev   model.Severity
	grade grading
	lang  Language
}

// newRule builds the rule from the common parameters of a quality check.
func (e *engine) newRule(spec check.Spec, c common) (*rule, error) {
	r := &rule{req: spec.Requirement, cat: c.Category, ctx: c.Context, kind: c.Kind, types: c.Type, sev: c.Severity,
		grade: grading{warn: c.Warn, fail: c.Fail}}
	lang, ok := e.langs[r.kind]
	if !ok {
		return nil, fmt.Errorf("parameter \"kind\": no selection language for record kind %q (known: %s)", r.kind, e.kinds())
	}
	r.lang = lang
	return r, nil
}

// gradeBy makes the rule graded by the defects counted in measure. With no
// limits in the suite, any defect fails the requirement.
func (r *rule) gradeBy(measure, noun string) {
	r.grade.measure, r.grade.noun = measure, noun
	if !r.grade.fail.set && !r.grade.warn.set {
		r.grade.fail = limit{set: true}
	}
}

func (e *engine) kinds() string {
	var ks []string
	for k := range e.langs {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func containsCategory(c Category) bool {
	for _, x := range categories {
		if x == c {
			return true
		}
	}
	return false
}

func joinCategories() string {
	var s []string
	for _, c := range categories {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

// applies reports whether rec is of the rule's kind and one of its types.
func (r *rule) applies(rec *model.Record) bool {
	if rec.Kind != r.kind {
		return false
	}
	if len(r.types) == 0 {
		return true
	}
	for _, t := range r.types {
		if rec.Type == t {
			return true
		}
	}
	return false
}

// name is the prefix of the rule's finding codes and measure names: the
// category and context carry the framework tags into every result
// ("dq.completeness.verification").
func (r *rule) name(what string) string {
	return "dq." + string(r.cat) + "." + string(r.ctx) + "." + what
}

// compile compiles a selection expression for the rule's kind, naming the
// parameter it came from in errors.
func (r *rule) compile(param, expr string) (Selector, error) {
	sel, err := r.lang.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: %q: %w", param, expr, err)
	}
	return sel, nil
}

// finding builds a finding of the rule's severity located in rec.
func (r *rule) finding(rec *model.Record, problem, path, msg, evidence string) model.Finding {
	f := rec.Finding(r.sev, r.name(problem), path, msg)
	f.Evidence = evidence
	f.Sensitive = r.lang.Sensitive != nil && r.lang.Sensitive(path)
	return f
}

// typeFromExpr returns the leading type of a FHIRPath-style expression
// ("Patient" in "Patient.birthDate"), or "".
func typeFromExpr(expr string) string {
	head, _, _ := strings.Cut(expr, ".")
	if head != "" && head[0] >= 'A' && head[0] <= 'Z' && !strings.ContainsAny(head, "( ") {
		return head
	}
	return ""
}

// defaultTypes sets the rule's types from its expressions when the suite gave
// none.
func (r *rule) defaultTypes(exprs ...string) {
	if len(r.types) > 0 || r.kind != model.KindFHIR {
		return
	}
	seen := map[string]bool{}
	for _, x := range exprs {
		if t := typeFromExpr(x); t != "" && !seen[t] {
			seen[t] = true
			r.types = append(r.types, t)
		}
	}
}

// feedFinding builds a finding raised once the whole feed is seen (the runner
// names the check and redacts evidence only of findings returned by Observe, so
// sensitive evidence is dropped here whatever the evidence mode).
func (r *rule) feedFinding(problem string, loc model.Location, msg, evidence string) model.Finding {
	sensitive := r.lang.Sensitive != nil && r.lang.Sensitive(loc.Path)
	if sensitive {
		evidence = ""
	}
	return model.Finding{
		Severity: r.sev, Requirement: r.req, Code: r.name(problem), Message: msg, Location: loc,
		Evidence: evidence, Sensitive: sensitive,
	}
}
