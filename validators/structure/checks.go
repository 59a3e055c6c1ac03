package structure

import (
	"fmt"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/internal/spelling"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

func newResourceTypeCheck(_ check.Spec, _ check.NoParams, env *check.Env) (check.Check, error) {
	s, err := runSchema.Get(env)
	if err != nil {
		return nil, err
	}
	return check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
		var typ any
		present := rec.Deferred() // proven from its bytes: its resourceType is rec.Type
		if present {
			typ = rec.Type
		} else {
			typ, present = rec.Resource()["resourceType"]
		}
		name, isString := typ.(string)
		switch {
		case !present:
			return []model.Finding{rec.Finding(model.Error, "structure.resource-type", "", "record has no resourceType: it is not a FHIR resource")}
		case !isString:
			return []model.Finding{rec.Finding(model.Error, "structure.resource-type", "", fmt.Sprintf("resourceType must be a string, got %T", typ))}
		case !s.IsResourceType(name):
			msg := fmt.Sprintf("unknown resource type %q", name)
			if near := spelling.Closest(name, s.ResourceTypes(), 2); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			return []model.Finding{rec.Finding(model.Error, "structure.resource-type", "", msg)}
		}
		return nil
	}), nil
}

func newSchemaCheck(_ check.Spec, _ check.NoParams, env *check.Env) (check.Check, error) {
	s, err := runSchema.Get(env)
	if err != nil {
		return nil, err
	}
	proofs, err := shape.Run.Get(env)
	if err != nil {
		return nil, err
	}
	// When the profile engine walks the same records against their base
	// types, a record it proves well shaped is not walked again here.
	proofs.Want(s.Judge)
	applies := func(rec *model.Record) bool {
		if rec.Kind != model.KindFHIR {
			return false
		}
		if rec.Deferred() { // proven from its bytes: its resourceType is rec.Type
			return s.IsResourceType(rec.Type)
		}
		return s.IsResourceType(fhir.ResourceType(rec.Resource()))
	}
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		if proofs.Proven(rec) {
			return nil
		}
		var out []model.Finding
		s.ValidateWorded(rec.Resource(), rec.Type, fhir.WordingOf(rec), func(path, code, msg, evidence string) {
			f := rec.Finding(model.Error, code, path, msg)
			f.Evidence = evidence
			f.Sensitive = personal.FHIRPath(path)
			out = append(out, f)
		})
		return out
	}), nil
}
