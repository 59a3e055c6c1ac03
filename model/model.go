// Package model holds the vocabulary every layer of carecert shares: records read
// from targets, the findings checks raise about them, and the tallies and results
// those findings add up to. It imports nothing else from carecert, so validators,
// the runner and the reports can all depend on it without depending on each other.
package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
)

// Severity says how bad a finding is. The order matters: higher is worse.
type Severity int

const (
	Information Severity = iota
	Warning
	Error
)

var severityNames = [...]string{"information", "warning", "error"}

func (s Severity) String() string {
	if s < Information || s > Error {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts the names used in suites and reports ("error", "warning",
// "information"; "info" and "warn" as short forms).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error", "fatal":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "information", "info":
		return Information, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or information)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Level is the strength of a requirement, in the words of RFC 2119 as FHIR uses them.
type Level string

const (
	Shall  Level = "SHALL"
	Should Level = "SHOULD"
	May    Level = "MAY"
)

// Valid reports whether l is one of SHALL, SHOULD or MAY.
func (l Level) Valid() bool { return l == Shall || l == Should || l == May }

// Outcome is what a check's result came to.
type Outcome string

const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Warn Outcome = "warn"
	// Skip means the check had nothing to look at (no applicable records).
	Skip Outcome = "skip"
	// Errored means the check itself could not run; the message says why.
	Errored Outcome = "error"
)

// Rank orders outcomes from best to worst (skip, pass, warn, fail, error), so
// that a requirement's outcome over several targets is the highest rank; -1
// for an unknown outcome.
func (o Outcome) Rank() int {
	switch o {
	case Skip:
		return 0
	case Pass:
		return 1
	case Warn:
		return 2
	case Fail:
		return 3
	case Errored:
		return 4
	}
	return -1
}

// Kind is the family of a record, which decides the validators that can read it.
type Kind string

const (
	KindFHIR  Kind = "fhir"
	KindHL7v2 Kind = "hl7v2"
	KindCSV   Kind = "csv"
	// KindExchange is a request and its response observed on a live system (a
	// FHIR REST call, an MLLP message and its acknowledgement); Value documents
	// its own form.
	KindExchange Kind = "exchange"
)

// Location says where a finding can be found again. Every field is optional, but a
// finding about a record carries at least its file and line.
type Location struct {
	// File is the path or URL the record came from.
	File string `json:"file,omitempty"`
	// Line is 1-based; 0 means unknown.
	Line int `json:"line,omitempty"`
	// Record names the record: "Patient/123" for FHIR, the message control id for
	// HL7 v2, "row 12" for CSV.
	Record string `json:"record,omitempty"`
	// Path is the element inside the record: a FHIRPath-style path with indices
	// ("Patient.identifier[0].system"), a v2 path ("PID[1].3[2].5") or a column.
	Path string `json:"path,omitempty"`
}

// Finding is one problem at one place.
type Finding struct {
	Severity Severity `json:"severity"`
	// Requirement is the id of the requirement whose check raised the finding
	// (report schema v1 called it "check", which Result uses for the check
	// type).
	Requirement string `json:"requirement"`
	// Code is a stable, machine-readable name for the kind of problem
	// ("structure.type", "input.json", "nhs-number.check-digit").
	Code    string `json:"code"`
	Message string `json:"message"`
	Location
	// Evidence is the offending value or an excerpt; reports redact it unless the
	// user asks for full evidence.
	Evidence string `json:"evidence,omitempty"`
	// AlsoReportedBy names the other requirements ("suite/REQ") that report
	// the same record at the same path: the same defect, seen by another check.
	AlsoReportedBy []string `json:"also_reported_by,omitempty"`
	// Sensitive marks evidence that identifies a person (package personal
	// decides which) so that redaction can remove it; it is kept in reports so
	// that a rendering of a full-evidence report redacts the same findings.
	Sensitive bool `json:"sensitive,omitempty"`
	// Undecided marks a finding saying that carecert could not judge the
	// record against the requirement (a code system or profile it does not
	// hold, an encoding it does not read, an event it could not join): a
	// limit of carecert's, neither the supplier's pass nor its failure. A
	// record whose every finding under a requirement is undecided was not
	// judged and counts in Tally.NotChecked, so a check that decided
	// another part of the same record leaves its findings unmarked: that
	// record was judged.
	Undecided bool `json:"undecided,omitempty"`
}

func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
		}
		b.WriteString(": ")
	}
	b.WriteString(f.Severity.String())
	if f.Record != "" {
		b.WriteString(" ")
		b.WriteString(f.Record)
	}
	if f.Path != "" {
		b.WriteString(" at ")
		b.WriteString(f.Path)
	}
	b.WriteString(": ")
	b.WriteString(f.Message)
	if f.Requirement != "" {
		fmt.Fprintf(&b, " [%s]", f.Requirement)
	}
	return b.String()
}

// Compare orders findings canonically: by file, line, record, path, check,
// code, message, then the most severe first. Reports use this order so that
// they do not depend on scheduling.
func Compare(a, b *Finding) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Record, b.Record),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Requirement, b.Requirement),
		cmp.Compare(a.Code, b.Code),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(b.Severity, a.Severity),
	)
}

// Less reports whether a sorts before b in the canonical order.
func Less(a, b *Finding) bool { return Compare(a, b) < 0 }

// Locator maps an element path inside a record to the line of the source it came
// from. Targets give records a locator; findings ask it only when they need a line,
// so clean records never pay for it.
type Locator interface {
	Line(path string) int
}

// Format is how a record was written where its kind has more than one
// writing (FHIR JSON or FHIR XML), so that findings about how a value is
// written speak the terms of what the supplier wrote.
type Format uint8

const (
	// FormatJSON is the zero value: FHIR JSON and NDJSON, and every record of a
	// kind with one writing.
	FormatJSON Format = iota
	// FormatXML is FHIR XML, converted to the JSON model by fhir/fhirxml.
	FormatXML
)

// Record is one unit a check evaluates: a FHIR resource, an HL7 v2 message or a
// CSV row. A target parses it once; every validator reads the same Value.
type Record struct {
	Kind Kind
	// Source is the file path or URL the record came from.
	Source string
	// Line is where the record starts in Source (1-based).
	Line int
	// Index is the record's position in its source, from 0.
	Index int64
	// Type is the resource type, message type ("ADT^A01") or table name.
	Type string
	// ID is the resource id, message control id or row key, when known.
	ID string
	// Value is the parsed form: for FHIR a map[string]any decoded with numbers as
	// json.Number (decimal precision matters in FHIR); other kinds document theirs.
	Value any
	// Format is how the record was written; Value has the JSON model whatever it is.
	Format Format
	// Raw holds the bytes the record was parsed from, when the target kept them.
	Raw []byte
	// Locator finds lines of paths inside the record; may be nil.
	Locator Locator
	// Container is the record this one was read from inside, such as the Bundle
	// of an entry. Validators must not descend into a container's entries: each
	// entry is a record of its own and is checked as such.
	Container *Record
	// Entries summarises the entries of a Bundle record whose reader read
	// them as it read the Bundle (a JSON file's), one per item of
	// Bundle.entry. When the reader left their resources out of Value
	// (fhir.ReadFileApart, fhir.EntriesApart), Value holds the Bundle
	// without them and Raw the document, at whose spans a rule that needs
	// another entry's resource reads it. nil otherwise, when the summaries
	// are made from Value (fhir.BundleEntries).
	Entries []BundleEntry
	// Problem is set, and Value is nil, when the record could not be parsed. The
	// runner reports it under the input requirement; checks skip such records.
	Problem *Finding
	// Syntax lists what is wrong with how a readable record is written (a
	// duplicate JSON key, an XML element repeated where one is allowed): the
	// runner reports them under the input requirement, and checks still run.
	Syntax []Finding
	// Decode, when set, completes the record: a target that reads faster than it
	// parses (NDJSON) leaves parsing to the worker that takes the record, so that
	// parsing uses every core. Call Load before reading Value (Resource does).
	// The runner Loads every record before its checks unless a check proved it
	// from Raw alone (check.Prover): such a record reaches the checks with
	// Decode still set (Deferred) and is decoded only if one asks for Value.
	Decode func(*Record)
	// kept holds what checks' walks of the record left for the checks that
	// read it after them (Keep).
	kept []kept
}

// kept is one value a check's walk left on a record: by is whose, and
// source and index are the record's when it was kept.
type kept struct {
	by     any
	source string
	index  int64
	value  any
}

// Keep holds value for the checks that read the record after the walk that
// found it (check.Shelf), under by (comparable: whose value it is),
// replacing what was held under by before. A value kept lives as long as
// the record: whether a check finds it depends on nothing but whether the
// walk kept it, not on how many records other workers checked meanwhile.
// A record is checked by one worker at a time, so Keep and Kept take no
// lock.
func (r *Record) Keep(by, value any) {
	for i := range r.kept {
		if r.kept[i].by == by {
			r.kept[i] = kept{by, r.Source, r.Index, value}
			return
		}
	}
	if r.kept == nil {
		r.kept = make([]kept, 0, 2) // a record's coded values and its shape's proof
	}
	r.kept = append(r.kept, kept{by, r.Source, r.Index, value})
}

// Kept returns what was kept on the record under by; ok is false when
// nothing was, or when the Record was since reused for another record (its
// Source or Index changed).
func (r *Record) Kept(by any) (value any, ok bool) {
	for _, k := range r.kept {
		if k.by == by {
			if k.source != r.Source || k.index != r.Index {
				return nil, false
			}
			return k.value, true
		}
	}
	return nil, false
}

// Copy returns a copy of the record without what checks' walks kept on it
// (Keep): a plain copy would share the kept values' array, so that keeping
// a value on the copy could replace the record's own.
func (r *Record) Copy() *Record {
	c := *r
	c.kept = nil
	return &c
}

// Load runs a deferred Decode once.
func (r *Record) Load() {
	if d := r.Decode; d != nil {
		r.Decode = nil
		d(r)
	}
}

// Deferred reports whether the record is not decoded yet. Once the runner has
// handed a record to its checks, that means a check proved it from its bytes
// (check.Prover): one well-formed FHIR resource of Type, with no syntax
// problem, whose decoding was left until a check asks for Value.
func (r *Record) Deferred() bool { return r.Decode != nil }

// Name is how findings name the record: "Type/id", "Type" or "record N".
func (r *Record) Name() string {
	switch {
	case r.Type != "" && r.ID != "":
		return r.Type + "/" + r.ID
	case r.Type != "":
		return r.Type
	default:
		return fmt.Sprintf("record %d", r.Index+1)
	}
}

// LineOf returns the source line of path, falling back to the record's first line.
func (r *Record) LineOf(path string) int {
	if r.Locator != nil && path != "" {
		if l := r.Locator.Line(path); l > 0 {
			return l
		}
	}
	return r.Line
}

// Resource returns the FHIR resource of a FHIR record, or nil, decoding a
// deferred record first.
func (r *Record) Resource() map[string]any {
	r.Load()
	m, _ := r.Value.(map[string]any)
	return m
}

// Finding builds a finding located in this record at path (which may be empty).
func (r *Record) Finding(sev Severity, code, path, message string) Finding {
	return Finding{
		Severity: sev,
		Code:     code,
		Message:  message,
		Location: Location{File: r.Source, Line: r.LineOf(path), Record: r.Name(), Path: path},
	}
}

// Number returns a JSON number from a FHIR value as float64.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}
