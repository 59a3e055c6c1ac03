package profile

import "github.com/carecert/carecert/fhir/coded"

// codedFinds are the coded values a walk of a record against its R4 base
// type finds, put on the run's shelf for the terminology checks (package
// coded), so that they need not walk the record again. They are what the
// terminology checks' own walk would find: each code, Coding,
// CodeableConcept and Quantity value outside extensions, references and
// narratives, in the resource and its contained resources.
type codedFinds struct {
	vals []coded.Value
	// paths keeps the steps to each value, whose text is built only for a
	// finding: most coded values raise none.
	paths coded.PathTree
	// depth is how many objects deep the walk is.
	depth int
	// partial says the walk passed by a value the terminology walk would
	// look into (one written in the wrong JSON shape, a resource the engine
	// does not walk): the record is not shelved, and the terminology checks
	// walk it themselves.
	partial bool
}

// shelve keeps item, found at element k with type t, among the record's
// coded values when it is coded.
func (w *walker) shelve(f *codedFinds, item any, k *node, t *typeInfo, at pathAt) {
	if t == nil || !t.coded {
		return
	}
	if f.depth > coded.MaxDepth {
		f.partial = true
		return
	}
	f.vals = append(f.vals, coded.Value{Path: w.keepPath(f, at), Def: k.path, Type: t.code, Value: item, Binding: k.codedBinding})
}

// valueFinding is value for a walk that collects coded values (w.found):
// it leaves out what the terminology walk leaves out. t is the type the
// value is found with, tt the one it is walked against (a slice may narrow
// it).
func (w *walker) valueFinding(item, ext any, t *typeInfo, target *node, tt *typeInfo, at pathAt, host hostElem) {
	f := w.found
	if t != nil && (t.coded || t.primitive || t.code == "Extension" || t.code == "Reference" || t.code == "Narrative") {
		// A coded value is kept whole (a CodeableConcept's codings are not
		// values of their own), and nothing in a primitive's extensions,
		// an extension, a reference or a narrative is looked at.
		w.found = nil
		w.value(item, ext, target, tt, at, host)
		w.found = f
		return
	}
	f.depth++
	w.value(item, ext, target, tt, at, host)
	f.depth--
}

// withoutFinds runs a walk whose coded values are not the record's own
// (a profile's conformance, a Bundle entry's).
func (w *walker) withoutFinds(walk func()) {
	f := w.found
	w.found = nil
	walk()
	w.found = f
}

// missFinds marks the coded values found incomplete, and the shape
// unproven: the walk passed by something the terminology and schema walks
// look into.
func (w *walker) missFinds() {
	if w.found != nil {
		w.found.partial = true
	}
	if w.proof != nil {
		w.proof.doubt = true
	}
}

// keepPath keeps the path at at in f's tree, with the steps above it that
// are not kept yet, and returns it. A step is kept once while the walk is
// below it (pathChild drops the mark with the step), so the values found
// below one element share its steps.
func (w *walker) keepPath(f *codedFinds, at pathAt) coded.Path {
	return f.paths.Path(w.keepStep(f, at))
}

func (w *walker) keepStep(f *codedFinds, at pathAt) int32 {
	s := &w.segs[at]
	if s.kept > 0 {
		return s.kept - 1
	}
	var step int32
	switch {
	case s.root || s.text != "":
		step = f.paths.Start(s.text)
	case s.item:
		step = f.paths.Item(w.keepStep(f, at-1), int(s.index))
	default:
		step = f.paths.Child(w.keepStep(f, at-1), s.name)
	}
	w.segs[at].kept = step + 1
	return step
}
