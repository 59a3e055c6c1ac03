package quality

import (
	"fmt"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// HL7v2Fields is the built-in language for HL7 v2 messages: an expression is a
// terse path ("PID-7", "PID-3.1", "PID-3[2].4", "PID[2]-3") selecting the raw
// value of the first segment occurrence and field repetition unless the path
// names others. Values of segments about a person are personal
// (personal.V2Path). The HL7 v2 validators may register a richer language in its place.
func HL7v2Fields() Language {
	return Language{Kind: model.KindHL7v2, Compile: compileField, Sensitive: personal.V2Path}
}

type field struct {
	expr string
}

func compileField(expr string) (Selector, error) {
	if _, ok := hl7v2.ParsePath(expr); !ok {
		return nil, fmt.Errorf("not a terse HL7 v2 path (PID-3, PID-3.1, PID-3[2].4, PID[2]-3)")
	}
	return field{expr: expr}, nil
}

func (f field) Select(rec *model.Record) ([]Node, error) {
	m, ok := rec.Value.(*hl7v2.Message)
	if !ok {
		return nil, nil
	}
	v := m.Get(f.expr)
	if v == "" {
		return nil, nil
	}
	return []Node{{Path: f.expr, Value: v}}, nil
}
