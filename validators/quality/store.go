package quality

import (
	"hash/fnv"
	"strconv"

	"github.com/carecert/carecert/model"
)

// Feed-level checks remember records compactly: keys are 64-bit FNV-1a hashes
// (deterministic across processes, so shards agree), and the few strings a
// finding needs (file, element path, record name) live in intern tables and a
// byte arena rather than one allocation each. Every part is exported so that
// states round-trip through encoding/json for sharded runs.

// keyHash hashes the parts of a key, separated so that ("ab","c") != ("a","bc").
func keyHash(parts ...string) uint64 {
	h := fnv.New64a()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0x1f})
		}
		h.Write([]byte(p))
	}
	return h.Sum64()
}

// names interns strings that repeat across records: file names and paths.
type names struct {
	List  []string `json:"list,omitempty"`
	index map[string]uint32
}

func (n *names) id(s string) uint32 {
	if n.index == nil {
		n.index = make(map[string]uint32, len(n.List))
		for i, x := range n.List {
			n.index[x] = uint32(i)
		}
	}
	if i, ok := n.index[s]; ok {
		return i
	}
	i := uint32(len(n.List))
	n.List = append(n.List, s)
	n.index[s] = i
	return i
}

func (n *names) get(i uint32) string {
	if int(i) < len(n.List) {
		return n.List[i]
	}
	return ""
}

// absorb interns every name of o and returns how o's ids map to n's.
func (n *names) absorb(o *names) []uint32 {
	m := make([]uint32, len(o.List))
	for i, s := range o.List {
		m[i] = n.id(s)
	}
	return m
}

// arena stores record names back to back.
type arena struct {
	Data []byte `json:"data,omitempty"`
}

func (a *arena) add(s string) (uint32, uint16) {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	off := uint32(len(a.Data))
	a.Data = append(a.Data, s...)
	return off, uint16(len(s))
}

func (a *arena) get(off uint32, n uint16) string {
	end := int(off) + int(n)
	if end > len(a.Data) {
		return ""
	}
	return string(a.Data[off:end])
}

// place locates a record (and an element in it) in a few bytes.
type place struct {
	File uint32 `json:"f"`
	Line uint32 `json:"l"`
	Path uint32 `json:"p"`
	Off  uint32 `json:"o"`
	Len  uint16 `json:"n"`
}

// book holds the tables places refer to.
type book struct {
	Files names `json:"files"`
	Paths names `json:"paths"`
	Names arena `json:"names"`
}

// place interns rec (at element path) into the book. The line is where the
// record starts: feed-level checks remember places for many records, and
// finding the line of an element means indexing the record's source.
func (b *book) place(rec *model.Record, path string) place {
	off, n := b.Names.add(rec.Name())
	return place{File: b.Files.id(rec.Source), Line: uint32(rec.Line), Path: b.Paths.id(path), Off: off, Len: n}
}

// before reports whether rec comes canonically before p, without interning
// rec: most records seen by a feed-level check are never kept.
func (b *book) before(rec *model.Record, p place) bool {
	if f := b.Files.get(p.File); rec.Source != f {
		return rec.Source < f
	}
	if uint32(rec.Line) != p.Line {
		return uint32(rec.Line) < p.Line
	}
	return rec.Name() < b.Names.get(p.Off, p.Len)
}

func (b *book) location(p place) model.Location {
	return model.Location{File: b.Files.get(p.File), Line: int(p.Line), Record: b.Names.get(p.Off, p.Len), Path: b.Paths.get(p.Path)}
}

// less orders places canonically (file name, line, record), the order reports
// use, so that "first" does not depend on which worker saw a record first.
func (b *book) less(x, y place) bool {
	fx, fy := b.Files.get(x.File), b.Files.get(y.File)
	if fx != fy {
		return fx < fy
	}
	if x.Line != y.Line {
		return x.Line < y.Line
	}
	return b.Names.get(x.Off, x.Len) < b.Names.get(y.Off, y.Len)
}

// remap rewrites places of another book into this one.
type remap struct {
	files, paths []uint32
	off          uint32
}

// absorb appends o's tables to b and returns how to move o's places.
func (b *book) absorb(o *book) remap {
	m := remap{files: b.Files.absorb(&o.Files), paths: b.Paths.absorb(&o.Paths), off: uint32(len(b.Names.Data))}
	b.Names.Data = append(b.Names.Data, o.Names.Data...)
	return m
}

func (m remap) place(p place) place {
	if int(p.File) < len(m.files) {
		p.File = m.files[p.File]
	}
	if int(p.Path) < len(m.paths) {
		p.Path = m.paths[p.Path]
	}
	p.Off += m.off
	return p
}

func (b *book) describe(p place) string {
	l := b.location(p)
	return l.Record + " (" + l.File + ":" + strconv.Itoa(l.Line) + ")"
}
