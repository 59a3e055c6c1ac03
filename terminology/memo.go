package terminology

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// memoLimit bounds each of an engine's memos. A feed repeats a few hundred
// distinct codes per element; a memo that reaches the limit starts again
// empty, so a feed of ever new codes costs what it did without one.
const memoLimit = 1 << 15

// memo remembers the answers to one kind of question for an engine's life,
// so that a code met on every record is looked up once: answering walks the
// value set's parts, its imports and filters, or asks a SNOMED CT release.
// It is safe for concurrent use. Answers are only kept for the content they
// were computed on: when content changes (a guide, a provider, a server is
// added) the memo is emptied, and an answer computed before the change is
// not kept after it.
//
// Every worker asks on every record, so the answers a feed repeats are read
// without a lock: settled is a table never written once published. A read
// lock wrote a counter both workers share on each question, and with two
// workers running that cache line moved between the cores on every lookup
// (perf, generated feed: the memos' lookups 710 -> 1,015 samples with two
// workers, 175 -> 476 of them the lock). New answers wait in recent, under
// mu, and are settled, copied into a new table with the settled ones, once
// recent holds a quarter as many: each answer is copied a few times at most.
type memo[K comparable, V any] struct {
	settled atomic.Pointer[memoTable[K, V]]
	mu      sync.Mutex
	recent  map[K]V
	// generation counts the changes of content, so that an answer begun
	// before one is not stored after it.
	generation uint64
}

// memoTable is a settled set of answers and the generation of content they
// were computed on; it is never written once settled.
type memoTable[K comparable, V any] struct {
	answers    map[K]V
	generation uint64
}

// get returns the remembered answer to k, and the generation to store a
// new answer under.
func (m *memo[K, V]) get(k K) (V, bool, uint64) {
	if t := m.settled.Load(); t != nil {
		if v, ok := t.answers[k]; ok {
			return v, true, t.generation
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.recent[k]
	return v, ok, m.generation
}

// put remembers v as the answer to k, unless content changed since the
// generation the answer was computed in.
func (m *memo[K, V]) put(k K, v V, generation uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if generation != m.generation {
		return
	}
	var settled map[K]V
	if t := m.settled.Load(); t != nil {
		settled = t.answers
	}
	if len(settled)+len(m.recent) >= memoLimit {
		m.settled.Store(nil)
		settled, m.recent = nil, nil
	}
	if m.recent == nil {
		m.recent = make(map[K]V)
	}
	m.recent[k] = v
	if len(m.recent) < 8+len(settled)/4 {
		return
	}
	answers := make(map[K]V, len(settled)+len(m.recent))
	maps.Copy(answers, settled)
	maps.Copy(answers, m.recent)
	m.settled.Store(&memoTable[K, V]{answers: answers, generation: m.generation})
	clear(m.recent)
}

// forget empties the memo: the engine's content changed.
func (m *memo[K, V]) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settled.Store(nil)
	m.recent = nil
	m.generation++
}

// size is how many answers the memo holds.
func (m *memo[K, V]) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.recent)
	if t := m.settled.Load(); t != nil {
		n += len(t.answers)
	}
	return n
}

// memberQuestion is a Member question.
type memberQuestion struct{ valueSet, system, code string }

// memberAnswer is Member's answer.
type memberAnswer struct {
	m      Membership
	reason string
	err    error
}

// codeQuestion is a CheckCode question.
type codeQuestion struct{ system, code, display string }

// codeAnswer is CheckCode's answer; issues is clipped, so that a caller's
// append copies it instead of writing into the remembered array.
type codeAnswer struct {
	issues  []Issue
	display string
}

// kept returns a question whose strings share nothing with the record they
// came from: a decoder may cut them from a buffer much larger than they are.
func (q memberQuestion) kept() memberQuestion {
	return memberQuestion{strings.Clone(q.valueSet), strings.Clone(q.system), strings.Clone(q.code)}
}

func (q codeQuestion) kept() codeQuestion {
	return codeQuestion{strings.Clone(q.system), strings.Clone(q.code), strings.Clone(q.display)}
}
