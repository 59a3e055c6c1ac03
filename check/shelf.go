package check

import "github.com/carecert/carecert/model"

// Shelf keeps what one check's walk of a record found, for other checks that
// look at the same record afterwards and would otherwise walk it again (the
// profile engine's coded values for the terminology checks, its proof of a
// record's shape for the JSON-schema check). The values travel with the
// record (model.Record.Keep) and live as long as it does: a check finds a
// record's value whenever the walk put one, however the workers were
// scheduled in between. A record is checked by one worker at a time, and
// so is its value put and read.
type Shelf[T any] struct {
	// A shelf is its values' key on a record: it takes a byte, since
	// pointers to distinct values of no size may be equal.
	_ byte
}

// NewShelf returns an empty shelf.
func NewShelf[T any]() *Shelf[T] { return &Shelf[T]{} }

// Put keeps a record's value, replacing one kept for it before.
func (s *Shelf[T]) Put(rec *model.Record, v T) { rec.Keep(s, v) }

// Get returns the value kept for a record; ok is false when none was put.
func (s *Shelf[T]) Get(rec *model.Record) (v T, ok bool) {
	kept, ok := rec.Kept(s)
	if !ok {
		return v, false
	}
	return kept.(T), true
}
