package coded

import (
	"slices"
	"strconv"
	"strings"
)

// Path is where a value is in its record ("Observation.code",
// "Patient.name[0].use"). A walk that finds many values and reports on few
// keeps the steps that lead to each (a PathTree) and builds the text only
// when a check asks for it.
type Path struct {
	tree *PathTree
	at   int32
}

// TextPath is a path whose text is known: a tree of one step (one
// allocation), so that a Path stays two words in every Value.
func TextPath(text string) Path {
	t := &textTree{}
	t.one[0] = pathStep{parent: -1, index: -1, name: text}
	t.steps = t.one[:]
	return Path{tree: &t.PathTree}
}

// textTree is a PathTree and its one step, allocated together.
type textTree struct {
	PathTree
	one [1]pathStep
}

// String is the path's text ("" for the zero Path).
func (p Path) String() string {
	if p.tree == nil {
		return ""
	}
	return p.tree.text(p.at)
}

// PathTree holds the steps of the paths a walk of one record keeps, each
// below the one before it, so that values found below the same element
// share its steps. It is written by one walk and read, once the walk is
// done, by any number of checks.
type PathTree struct {
	steps []pathStep
}

// pathStep is one step of a path: ".name" (index -1) or "[index]" below
// parent; for a path's start (parent -1), name is the whole text of the
// path there.
type pathStep struct {
	parent int32
	index  int32
	name   string
}

// PathBuffer is memory a walk writes a tree's steps in, reused walk after
// walk: a tree then takes one allocation of its exact size (Seal) instead of
// growing step by step.
type PathBuffer struct {
	steps []pathStep
}

// WriteIn makes the tree write its steps in b until Seal.
func (t *PathTree) WriteIn(b *PathBuffer) { t.steps = b.steps[:0] }

// Seal copies the steps written in b into memory of their own, once the
// walk is done, and hands b back for the next walk.
func (t *PathTree) Seal(b *PathBuffer) {
	b.steps = t.steps[:0]
	t.steps = slices.Clone(t.steps)
}

// Start keeps a path whose text is known and returns its step.
func (t *PathTree) Start(text string) int32 {
	t.steps = append(t.steps, pathStep{parent: -1, index: -1, name: text})
	return int32(len(t.steps) - 1)
}

// Child keeps the step ".name" below parent and returns it.
func (t *PathTree) Child(parent int32, name string) int32 {
	t.steps = append(t.steps, pathStep{parent: parent, index: -1, name: name})
	return int32(len(t.steps) - 1)
}

// Item keeps the step "[index]" below parent and returns it.
func (t *PathTree) Item(parent int32, index int) int32 {
	t.steps = append(t.steps, pathStep{parent: parent, index: int32(index)})
	return int32(len(t.steps) - 1)
}

// Path is the path that ends at step at.
func (t *PathTree) Path(at int32) Path { return Path{tree: t, at: at} }

// text builds the text of the path ending at step at, without keeping it:
// the tree is read by checks that may run at the same time.
func (t *PathTree) text(at int32) string {
	if t.steps[at].parent < 0 {
		return t.steps[at].name
	}
	var chain [16]int32
	steps := chain[:0]
	for i := at; i >= 0; i = t.steps[i].parent {
		steps = append(steps, i)
	}
	var b strings.Builder
	for j := len(steps) - 1; j >= 0; j-- {
		s := &t.steps[steps[j]]
		switch {
		case s.parent < 0:
			b.WriteString(s.name)
		case s.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(int(s.index)))
			b.WriteByte(']')
		default:
			b.WriteByte('.')
			b.WriteString(s.name)
		}
	}
	return b.String()
}
