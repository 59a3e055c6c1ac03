package terminology

import (
	"strings"
	"sync"
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
type memo[K comparable, V any] struct {
	mu      sync.RWMutex
	answers map[K]V
	// generation counts the changes of content, so that an answer begun
	// before one is not stored after it.
	generation uint64
}

// get returns the remembered answer to k, and the generation to store a
// new answer under.
func (m *memo[K, V]) get(k K) (V, bool, uint64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.answers[k]
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
	if m.answers == nil || len(m.answers) >= memoLimit {
		m.answers = make(map[K]V)
	}
	m.answers[k] = v
}

// forget empties the memo: the engine's content changed.
func (m *memo[K, V]) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answers = nil
	m.generation++
}

// size is how many answers the memo holds.
func (m *memo[K, V]) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.answers)
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
