// Package shape carries one fact from the profile engine's walk of a FHIR
// record against its R4 base type to the JSON-schema requirement: that the
// walk proved the record well shaped, so that the schema's own walk of it
// would find nothing. The two share most rules (known elements, JSON types,
// single values and arrays, exchangeable numbers), which the profile engine
// reports whenever the schema would; for the rest, the primitive values'
// lexical forms and enumerations, where the schema's rules are not the
// engine's (the schema refuses the year 0000, its enumerations are its own),
// the walk asks the schema's judge of each primitive string it meets. A
// record the walk did not prove, or did not walk, is walked by the schema
// check as before.
package shape

import (
	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// Judge returns the schema's judge of the primitive strings of FHIR type typ
// at the element whose definition path is def ("Patient.birthDate",
// "Extension.value[x]"): whether the schema accepts a string s there, given
// that the profile engine's check of a typ string passes s (its lexical
// form: a walk whose check refuses s proves nothing, whatever the judge
// said, so the judge need not check again what that check holds). The
// judge must answer false whenever unsure. A walk may keep an element's
// judge for every value it meets there (the stream path keeps one per
// element and type), so finding it is paid once.
type Judge func(def, typ string) func(s string) bool

// Proofs are the run's proofs of records' shapes.
type Proofs struct {
	judge Judge
	shelf *check.Shelf[bool]
}

// Run is the run's proofs, shared by the walk that proves and the check that
// reads.
var Run = check.NewService(func(*check.Env) (*Proofs, error) {
	return &Proofs{shelf: check.NewShelf[bool]()}, nil
})

// Want asks for proofs, with the schema's judge of primitive strings. It is
// called while checks are compiled, before any record is walked; without it
// no walk spends anything on proofs.
func (p *Proofs) Want(j Judge) { p.judge = j }

// Judge returns the schema's judge, nil when no check wants proofs.
func (p *Proofs) Judge() Judge {
	if p == nil {
		return nil
	}
	return p.judge
}

// Put says whether a walk proved a record well shaped.
func (p *Proofs) Put(rec *model.Record, proven bool) { p.shelf.Put(rec, proven) }

// Proven reports whether a walk proved the record well shaped.
func (p *Proofs) Proven(rec *model.Record) bool {
	proven, ok := p.shelf.Get(rec)
	return ok && proven
}
