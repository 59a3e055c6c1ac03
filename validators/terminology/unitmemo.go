package terminology

import (
	"sync"

	"github.com/carecert/carecert/terminology/ucum"
)

// unitMemoLimit bounds a unitMemo: a feed writes a few dozen distinct units;
// one of ever new units starts the memo again empty when it is full, and so
// costs what parsing each did without one.
const unitMemoLimit = 1 << 12

// unitMemo remembers the UCUM parse of each unit a check meets: every
// observation's quantity is parsed, and its unit compared with the profile's,
// which parses that again. Parsing is a pure function of the text, so an
// answer (unit or error) holds for the check's life. Safe for concurrent use.
type unitMemo struct {
	mu    sync.RWMutex
	units map[string]parsedUnit
}

type parsedUnit struct {
	unit ucum.Unit
	err  error
}

// parse is ucum.Parse, remembered.
func (m *unitMemo) parse(expr string) (ucum.Unit, error) {
	m.mu.RLock()
	p, ok := m.units[expr]
	m.mu.RUnlock()
	if ok {
		return p.unit, p.err
	}
	p.unit, p.err = ucum.Parse(expr)
	m.mu.Lock()
	if m.units == nil || len(m.units) >= unitMemoLimit {
		m.units = make(map[string]parsedUnit)
	}
	m.units[expr] = p
	m.mu.Unlock()
	return p.unit, p.err
}
