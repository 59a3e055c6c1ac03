package check

import (
	"sync"

	"github.com/carecert/carecert/model"
)

// Shelf keeps what one check's walk of a record found, for other checks that
// look at the same record afterwards and would otherwise walk it again (the
// profile engine's coded values for the terminology checks, its proof of a
// record's shape for the JSON-schema check). It keeps the last few records'
// values only: a worker's checks see one record after another. Holding the
// record keeps its address from being reused while it is kept. It is safe
// for concurrent use.
type Shelf[T any] struct {
	mu   sync.Mutex
	recs []*model.Record
	// keys guard against a target that reuses one Record for many records.
	keys []shelfKey
	vals []T
	next int
}

type shelfKey struct {
	source string
	index  int64
}

// NewShelf returns a shelf for the records of n workers at a time.
func NewShelf[T any](n int) *Shelf[T] {
	n = max(n, 8)
	return &Shelf[T]{recs: make([]*model.Record, n), keys: make([]shelfKey, n), vals: make([]T, n)}
}

func keyOf(rec *model.Record) shelfKey { return shelfKey{rec.Source, rec.Index} }

// Put keeps a record's value, replacing one kept for it before.
func (s *Shelf[T]) Put(rec *model.Record, v T) {
	k := keyOf(rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.recs {
		if r == rec && s.keys[i] == k {
			s.vals[i] = v
			return
		}
	}
	s.recs[s.next], s.keys[s.next], s.vals[s.next] = rec, k, v
	s.next = (s.next + 1) % len(s.recs)
}

// Get returns the value kept for a record; ok is false when none was put
// (or it was let go for newer records).
func (s *Shelf[T]) Get(rec *model.Record) (v T, ok bool) {
	k := keyOf(rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.recs {
		if r == rec && s.keys[i] == k {
			return s.vals[i], true
		}
	}
	var zero T
	return zero, false
}
