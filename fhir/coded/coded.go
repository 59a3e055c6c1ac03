// Package coded holds the coded elements of the FHIR records being checked
// (code, Coding, CodeableConcept and the Quantity types), found by one walk
// of each record and read by every check that asks. The profile engine finds
// them while it walks a record against its R4 base type and puts them on the
// run's shelf; the terminology checks read them there instead of walking the
// record again, and walk it themselves only when no walk has put them.
package coded

import (
	"slices"

	"github.com/carecert/carecert/check"
)

// Value is one coded value of a record.
type Value struct {
	// Path is the instance path ("Observation.code", "Patient.name[0].use").
	Path Path
	// Def is the definition path ("Observation.value[x]").
	Def string
	// Type is the element's type: code, Coding, CodeableConcept or a
	// Quantity type.
	Type string
	// Value is the value as the record holds it, whatever its JSON kind.
	Value any
	// Binding is the element's binding in the R4 core definitions, nil
	// when it has none.
	Binding *Binding
}

// Binding is an element's terminology binding.
type Binding struct {
	Strength string `json:"strength"`
	ValueSet string `json:"valueSet"`
}

// types are the coded types that are not Quantities (IsQuantity adds those).
var types = map[string]bool{
	"code": true, "Coding": true, "CodeableConcept": true,
}

// MaxDepth is how many objects deep a walk looks for coded values: the
// terminology checks' walk stops below it, and the profile engine's walk,
// which goes deeper, does not shelve a record with a value below it, so that
// both find the same values.
const MaxDepth = 32

// QuantityTypes are Quantity and the R4 datatypes specialising it, whose
// code (with its system) is coded as a Coding's is. Callers must not change
// the slice.
var QuantityTypes = []string{"Quantity", "SimpleQuantity", "Age", "Duration", "Count", "Distance", "MoneyQuantity"}

// IsQuantity reports whether typ is one of QuantityTypes.
func IsQuantity(typ string) bool { return slices.Contains(QuantityTypes, typ) }

// Is reports whether values of a type are coded: such a value is one Value,
// whole; the codings of a CodeableConcept are not values of their own.
func Is(typ string) bool { return types[typ] || IsQuantity(typ) }

// Shelf keeps a record's coded values, for the checks that read the record
// after the walk that found them (check.Shelf).
type Shelf = check.Shelf[[]Value]

// NewShelf returns an empty shelf.
func NewShelf() *Shelf { return check.NewShelf[[]Value]() }

// Run is the run's shelf, shared by the walks that put values on it and the
// checks that read them.
var Run = check.NewService(func(*check.Env) (*Shelf, error) { return NewShelf(), nil })
