package hl7v2

import (
	"context"
	"sync"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// NewJudge returns what a listener uses to decide between AA and AE: the
// parse, message type, structure and required-field checks, compiled on
// first use and shared by every connection.
func NewJudge() func(*model.Record) []model.Finding {
	var once sync.Once
	var checks []check.Check
	var compileErr error
	return func(rec *model.Record) []model.Finding {
		once.Do(func() {
			reg := check.NewRegistry()
			Register(reg)
			env := &check.Env{Context: context.Background()}
			for _, s := range []check.Spec{
				{Requirement: "parse", Type: "hl7v2-parse", Params: params.Params{"segment-terminator": "any", "bom": "allow"}},
				{Requirement: "type", Type: "hl7v2-message-type"},
				{Requirement: "structure", Type: "hl7v2-structure"},
				{Requirement: "fields", Type: "hl7v2-fields", Params: params.Params{"check": []any{"required", "repetitions", "formats"}}},
			} {
				c, err := reg.Compile(s, env)
				if err != nil {
					compileErr = err
					return
				}
				checks = append(checks, c)
			}
		})
		if compileErr != nil {
			return []model.Finding{finding(rec, model.Error, "hl7v2.internal", "", compileErr.Error())}
		}
		var out []model.Finding
		for _, c := range checks {
			if c.Applies(rec) {
				out = append(out, c.NewState().Observe(rec)...)
			}
		}
		return out
	}
}
