package profile

import (
	"github.com/carecert/carecert/fhir/shape"
	"github.com/carecert/carecert/model"
)

// shapeProof is what a walk against a record's base type learns for the
// JSON-schema check (package shape): whether the schema's walk of the record
// would find nothing. The rules the two share are the engine's findings; the
// primitive strings, whose lexical forms and enumerations the schema judges
// by rules of its own, are put to the schema's judge as the walk meets them.
type shapeProof struct {
	judge shape.Judge
	// doubt says the schema might find something: the judge refused a
	// string, or the walk passed by a value without walking it.
	doubt bool
}

// newShapeProof returns a proof for a walk, nil when no check wants one.
func newShapeProof(p *shape.Proofs) *shapeProof {
	if j := p.Judge(); j != nil {
		return &shapeProof{judge: j}
	}
	return nil
}

// primitive puts a primitive string to the schema's judge.
func (p *shapeProof) primitive(def, typ string, item any) {
	if s, ok := item.(string); ok && !p.doubt && !p.judge(def, typ)(s) {
		p.doubt = true
	}
}

// companion notes a _name companion of an element of type t: the schema
// has one for primitive elements only, where the engine reads it for any.
func (p *shapeProof) companion(t *typeInfo) {
	if t == nil || !t.primitive {
		p.doubt = true
	}
}

// holds reports whether the walk proved the record well shaped: nothing
// doubted, and no finding of a rule the schema shares (or of a value the
// walk could not look into).
func (p *shapeProof) holds(out []model.Finding) bool {
	if p.doubt {
		return false
	}
	for _, f := range out {
		if !notShape[f.Code] {
			return false
		}
	}
	return true
}

// notShape are the findings of rules the JSON schema does not have, after
// which the walk goes on into the value: a code outside a value set (the
// schema's enumerations are judged apart), an extension whose definition is
// not loaded (its content is walked against Extension), invariants,
// references, terminology and Bundle rules. Any other finding leaves the
// record to the schema's own walk.
var notShape = map[string]bool{
	CodeBinding: true, CodeUnknownExtension: true, CodeInvariant: true, CodeNotEvaluated: true,
	CodeReference: true, CodeCoding: true, CodeCodeSystem: true, CodeValueSet: true, CodeBundle: true,
}
