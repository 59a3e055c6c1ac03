package tables

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// spillAt is how many entries a key set keeps in memory (1.5–2 MiB) before it
// sorts them and writes them to a temporary file (a run). Key sets are the only state that
// grows with a feed; spilling keeps a worker's memory flat however long the
// file, at the cost of one sequential write and read of 16–24 bytes per row.
const spillAt = 1 << 16

// keySet collects fixed-width entries of uint64 (a key hash first), spilling
// sorted runs to temporary files, and replays every entry in sorted order once.
// Entries are ordered by their words, first to last.
type keySet struct {
	width int
	mem   []uint64
	runs  []string
	// area is where runs are spilled; nil means the system's temp folder.
	area *spillArea
	// limit overrides spillAt (tests).
	limit int
	err   error
}

func newKeySet(width int, area *spillArea) *keySet { return &keySet{width: width, area: area} }

func (k *keySet) len() int { return len(k.mem) / k.width }

func (k *keySet) add(entry ...uint64) {
	k.mem = append(k.mem, entry...)
	limit := k.limit
	if limit <= 0 {
		limit = spillAt
	}
	if k.len() >= limit {
		k.spill()
	}
}

// merge takes other's entries and runs; other must not be used afterwards.
func (k *keySet) merge(other *keySet) {
	k.runs = append(k.runs, other.runs...)
	other.runs = nil
	for i := 0; i < len(other.mem); i += k.width {
		k.add(other.mem[i : i+k.width]...)
	}
	if k.err == nil {
		k.err = other.err
	}
}

// sortMem sorts the in-memory entries in place (no copy: the point of a key
// set is a small, fixed memory).
func (k *keySet) sortMem() { sort.Sort(strided{w: k.width, a: k.mem}) }

// strided sorts a flat slice of fixed-width entries.
type strided struct {
	w int
	a []uint64
}

func (s strided) Len() int { return len(s.a) / s.w }
func (s strided) Less(i, j int) bool {
	return compareWords(s.a[i*s.w:i*s.w+s.w], s.a[j*s.w:j*s.w+s.w]) < 0
}
func (s strided) Swap(i, j int) {
	for x := 0; x < s.w; x++ {
		s.a[i*s.w+x], s.a[j*s.w+x] = s.a[j*s.w+x], s.a[i*s.w+x]
	}
}

func compareWords(a, b []uint64) int {
	for i := range a {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

func (k *keySet) spill() {
	if k.err != nil || len(k.mem) == 0 {
		return
	}
	k.sortMem()
	dir, err := k.area.folder()
	if err != nil {
		k.err = err
		return
	}
	f, err := os.CreateTemp(dir, "carecert-keys-*.bin")
	if err != nil {
		k.err = fmt.Errorf("key set: cannot spill to a temporary file: %w", err)
		return
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var b [8]byte
	for _, v := range k.mem {
		binary.LittleEndian.PutUint64(b[:], v)
		w.Write(b[:])
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		os.Remove(f.Name())
		k.err = fmt.Errorf("key set: writing %s: %w", f.Name(), err)
		return
	}
	k.runs = append(k.runs, f.Name())
	k.mem = k.mem[:0]
}

// each calls fn with every entry in sorted order, then removes the runs. It
// is called once, by Finish.
func (k *keySet) each(fn func(entry []uint64)) error {
	defer k.discard()
	if k.err != nil {
		return k.err
	}
	k.sortMem()
	h := &runHeap{width: k.width}
	mem := &runReader{width: k.width, mem: k.mem}
	if mem.next() {
		h.items = append(h.items, mem)
	}
	for _, name := range k.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("key set: %w", err)
		}
		defer f.Close()
		r := &runReader{width: k.width, r: bufio.NewReaderSize(f, 1<<16), cur: make([]uint64, k.width)}
		if r.next() {
			h.items = append(h.items, r)
		}
		if r.err != nil {
			return r.err
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := h.items[0]
		fn(top.cur)
		if top.next() {
			heap.Fix(h, 0)
		} else {
			if top.err != nil {
				return top.err
			}
			heap.Pop(h)
		}
	}
	return nil
}

// all returns every entry, in memory: for serialising a state.
func (k *keySet) all() ([]uint64, error) {
	if len(k.runs) == 0 {
		return k.mem, k.err
	}
	out := make([]uint64, 0, len(k.mem))
	err := k.each(func(e []uint64) { out = append(out, e...) })
	k.mem, k.runs = out, nil
	return out, err
}

// discard removes the runs' files.
func (k *keySet) discard() {
	for _, name := range k.runs {
		os.Remove(name)
	}
	k.runs = nil
}

type runReader struct {
	width int
	// mem is an in-memory sorted run; r a spilled one.
	mem []uint64
	pos int
	r   *bufio.Reader
	cur []uint64
	err error
}

func (r *runReader) next() bool {
	if r.r == nil {
		if r.pos >= len(r.mem) {
			return false
		}
		r.cur = r.mem[r.pos : r.pos+r.width]
		r.pos += r.width
		return true
	}
	var b [8]byte
	for i := 0; i < r.width; i++ {
		if _, err := io.ReadFull(r.r, b[:]); err != nil {
			if !(i == 0 && err == io.EOF) {
				r.err = fmt.Errorf("key set: reading a spilled run: %w", err)
			}
			return false
		}
		r.cur[i] = binary.LittleEndian.Uint64(b[:])
	}
	return true
}

type runHeap struct {
	width int
	items []*runReader
}

func (h *runHeap) Len() int           { return len(h.items) }
func (h *runHeap) Less(i, j int) bool { return compareWords(h.items[i].cur, h.items[j].cur) < 0 }
func (h *runHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *runHeap) Push(x any)         { h.items = append(h.items, x.(*runReader)) }
func (h *runHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
