package hl7v2

import (
	"time"

	"github.com/carecert/carecert/model"
)

// The parameters of each HL7 v2 check type, decoded strictly by
// check.Define; the defaults are given at registration.

// when selects the messages a check looks at.
type when struct {
	When *Condition `param:"when" doc:"a condition on the message (as a profile rule's when): only messages where it holds are checked"`
}

type parseParams struct {
	SegmentTerminator string `param:"segment-terminator" doc:"cr (LF and CRLF segment ends are reported) or any"`
	BOM               string `param:"bom" doc:"report (a byte-order mark is reported) or allow"`
}

type typeParams struct {
	DefaultVersion string `param:"default-version" doc:"the version a message without a usable MSH-12 is read as"`
}

type structureParams struct {
	when
	ZSegments      string   `param:"z-segments" doc:"allow, warning or error: how site-defined Z segments are reported"`
	AllowZ         []string `param:"allow-z" doc:"Z segments accepted whatever z-segments says"`
	DefaultVersion string   `param:"default-version" doc:"the version a message without a usable MSH-12 is read as"`
}

type fieldsParams struct {
	when
	Check             []string       `param:"check" doc:"aspects checked: required, repetitions, lengths, formats, components, tables, user-tables, extra-fields" default:"all"`
	LengthSeverity    model.Severity `param:"length-severity" doc:"severity of a field over its length (2.5+ lengths are conformance lengths many senders exceed)"`
	TableSeverity     model.Severity `param:"table-severity" doc:"severity of a value missing from an HL7 (ID) table"`
	UserTableSeverity model.Severity `param:"user-table-severity" doc:"severity of a value missing from a user-defined (IS or coded) table"`
	DefaultVersion    string         `param:"default-version" doc:"the version a message without a usable MSH-12 is read as"`
}

type profileParams struct {
	when
	Rules []*Rule `param:"rules,required" doc:"the profile's rules: usage, cardinality, fixed values, value sets, formats and conditions per path (docs/hl7v2.md)"`
}

type ackParams struct {
	Mode           string `param:"mode" doc:"auto (from the message's MSH-15/16), original or enhanced"`
	AcceptNegative bool   `param:"accept-negative" doc:"an AE or AR to a message the suite sent is accepted, not an error"`
}

type ackLatencyParams struct {
	P50 time.Duration `param:"p50" doc:"longest tolerated median latency"`
	P90 time.Duration `param:"p90" doc:"longest tolerated 90th-percentile latency"`
	P95 time.Duration `param:"p95" doc:"longest tolerated 95th-percentile latency"`
	P99 time.Duration `param:"p99" doc:"longest tolerated 99th-percentile latency"`
	Max time.Duration `param:"max" doc:"longest tolerated latency"`
}
