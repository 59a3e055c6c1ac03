// Package hl7v2 validates HL7 v2 messages against the definitions of their
// version (hl7v2/dict): message type and event, segment order, groups and
// cardinality, required fields, repetitions, lengths, data type formats and
// table values; against conformance-profile overlays written in suites (usage,
// cardinality, fixed values, value sets, conditions; the NHS ADT rules are one);
// and it checks the acknowledgements an MLLP endpoint returns. Paths in
// findings look like "PID[1].3[2].5": segment and occurrence, field and
// repetition, component, subcomponent.
package hl7v2

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/dict"
	"github.com/carecert/carecert/model"
)

// Register adds the HL7 v2 check types to a registry.
func Register(reg *check.Registry) {
	check.Define(reg, "hl7v2-parse", "the message reads cleanly: delimiters, segment ids and ends, escapes, batch counts",
		parseParams{SegmentTerminator: "cr", BOM: "report"}, newParseCheck)
	check.Define(reg, "hl7v2-message-type", "MSH-9 names a message type and trigger event the message's version (MSH-12) defines",
		typeParams{}, newTypeCheck)
	check.Define(reg, "hl7v2-structure", "segment order, groups and cardinality match the message structure",
		structureParams{ZSegments: "allow"}, newStructureCheck)
	check.Define(reg, "hl7v2-fields", "fields: required present, repetitions, lengths, data type formats, table values",
		fieldsParams{LengthSeverity: model.Warning, TableSeverity: model.Error, UserTableSeverity: model.Warning}, newFieldsCheck)
	check.Define(reg, "hl7v2-profile", "a conformance profile overlay: usage, cardinality, fixed values, value sets, formats, conditions",
		profileParams{}, newProfileCheck)
	check.Define(reg, "hl7v2-ack", "an MLLP exchange got a correct acknowledgement: framing, timeout, MSA, header echo, ERR",
		ackParams{Mode: "auto"}, newAckCheck)
	check.Define(reg, "hl7v2-ack-latency", "acknowledgement latency percentiles stay under the plan's thresholds",
		ackLatencyParams{}, newLatencyCheck)
}

// Definitions is the dictionary plus compiled message structures, shared by
// every check and worker of a run.
type Definitions struct {
	Dict *dict.Dictionary
	mu   sync.Mutex
	// structures caches compiled structures by "version/ID".
	structures map[string]*structure
}

// NewDefinitions returns definitions backed by the embedded dictionary.
func NewDefinitions() *Definitions {
	return &Definitions{Dict: dict.New(), structures: map[string]*structure{}}
}

// runDefinitions are the run's v2 definitions: the dictionaries and the
// structures compiled from them, shared by every check of the run.
var runDefinitions = check.NewService(func(*check.Env) (*Definitions, error) { return NewDefinitions(), nil })

// message returns the parsed message of an HL7 v2 record.
func message(rec *model.Record) *hl7v2.Message {
	m, _ := rec.Value.(*hl7v2.Message)
	return m
}

// isMessage is Applies for checks of whole messages (not batch envelopes).
func isMessage(rec *model.Record) bool {
	m := message(rec)
	return rec.Kind == model.KindHL7v2 && m != nil && !m.Envelope && !m.Headless
}

// finding builds a finding located in a message record; the record is named
// with its position in the file so it can be found without a control id.
func finding(rec *model.Record, sev model.Severity, code, path, msg string) model.Finding {
	f := rec.Finding(sev, code, path, msg)
	f.Record = recordName(rec)
	return f
}

func recordName(rec *model.Record) string {
	return rec.Name() + " (message " + strconv.FormatInt(rec.Index+1, 10) + ")"
}

// versionOf resolves a message's version for the dictionary, saying what is
// wrong with MSH-12 when it is not a known version.
func versionOf(m *hl7v2.Message, fallback string) (v string, problem string) {
	raw := m.Version()
	if raw == "" {
		if fallback == "" {
			return "", "MSH-12 (version) is empty"
		}
		return fallback, "MSH-12 (version) is empty"
	}
	near, exact := dict.Nearest(raw)
	switch {
	case exact:
		return near, ""
	case near != "":
		return near, fmt.Sprintf("MSH-12 version %q has no definitions of its own: validated against %s", raw, near)
	}
	return fallback, fmt.Sprintf("MSH-12 version %q is not an HL7 v2 version carecert validates (2.1 to 2.8)", raw)
}
