package livefhir

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhirclient"
)

// patchExtension is the url of the extensions carecert's nested patches
// put on its own resource: a URN, so that it names nothing anyone defines.
const patchExtension = "urn:carecert:probe:patch"

// patchStep is one patch of carecert's own resource: its step (as the
// patch requirement judges it), its label, its body, and want, which makes
// the resource before it into the resource as the patch leaves it.
type patchStep struct {
	step, label string
	body        []byte
	want        func(res map[string]any)
}

// nestedPatch changes elements below the top level of carecert's own
// resource with JSON Patch: first an extension list of two is added; then,
// in one document, the first one's value is replaced, the second removed
// and a third appended; then a document whose second operation names an
// index that does not exist must be refused whole (see patchSteps).
func (w *writeRun) nestedPatch(ctx context.Context, o *own) {
	ext := func(value string) map[string]any {
		return map[string]any{"url": patchExtension, "valueString": value}
	}
	w.patchSteps(ctx, o, "application/json-patch+json", func(map[string]any) []patchStep {
		return []patchStep{
			{"nested-add", "JSON Patch: add an extension list of two", marshal([]any{
				map[string]any{"op": "add", "path": "/extension", "value": []any{ext("carecert-one"), ext("carecert-two")}},
			}), func(res map[string]any) { res["extension"] = []any{ext("carecert-one"), ext("carecert-two")} }},
			{"nested-change", "JSON Patch: replace extension[0].valueString, remove extension[1], append an extension", marshal([]any{
				map[string]any{"op": "replace", "path": "/extension/0/valueString", "value": "carecert-replaced"},
				map[string]any{"op": "remove", "path": "/extension/1"},
				map[string]any{"op": "add", "path": "/extension/-", "value": ext("carecert-three")},
			}), func(res map[string]any) { res["extension"] = []any{ext("carecert-replaced"), ext("carecert-three")} }},
			{"nested-bad", "JSON Patch whose second operation names extension[7], which does not exist", marshal([]any{
				map[string]any{"op": "replace", "path": "/extension/0/valueString", "value": "carecert-must-not-stay"},
				map[string]any{"op": "replace", "path": "/extension/7/valueString", "value": "carecert-must-not-stay"},
			}), func(map[string]any) {}},
		}
	})
}

// fhirPathNested changes carecert's own resource's identifier list with
// FHIRPath Patch, by index after the identifiers it already has (n): two
// identifiers of carecert's own system added; then, in one Parameters, one
// inserted at n, the last moved to n, identifier[n+1] replaced and
// identifier[n+2] deleted; then a Parameters whose second operation
// replaces identifier[n+7], which does not exist, must be refused whole
// (see patchSteps). Identifier, unlike Extension, is a type R4's value[x]
// carries, so the values need no parts; a type without an identifier list
// is not patched so.
func (w *writeRun) fhirPathNested(ctx context.Context, o *own) {
	if el := elements.MustR4().Element(w.typ + ".identifier"); el == nil || !el.IsArray() {
		return
	}
	ident := func(value string) map[string]any {
		return map[string]any{"system": patchExtension, "value": value}
	}
	value := func(v string) map[string]any { return map[string]any{"name": "value", "valueIdentifier": ident(v)} }
	op := func(kind string, parts ...map[string]any) any {
		all := []any{map[string]any{"name": "type", "valueCode": kind}}
		for _, p := range parts {
			all = append(all, p)
		}
		return map[string]any{"name": "operation", "part": all}
	}
	str := func(name, v string) map[string]any { return map[string]any{"name": name, "valueString": v} }
	num := func(name string, v int) map[string]any { return map[string]any{"name": name, "valueInteger": v} }
	params := func(ops ...any) []byte {
		return marshal(map[string]any{"resourceType": "Parameters", "parameter": ops})
	}
	w.patchSteps(ctx, o, "application/fhir+json", func(state map[string]any) []patchStep {
		have, _ := state["identifier"].([]any)
		n := len(have)
		list := w.typ + ".identifier"
		at := func(i int) string { return fmt.Sprintf("%s[%d]", list, i) }
		with := func(added ...any) func(res map[string]any) {
			return func(res map[string]any) { res["identifier"] = append(slices.Clone(have), added...) }
		}
		return []patchStep{
			{"nested-add", "FHIRPath Patch: add two identifiers", params(
				op("add", str("path", w.typ), str("name", "identifier"), value("carecert-one")),
				op("add", str("path", w.typ), str("name", "identifier"), value("carecert-two")),
			), with(ident("carecert-one"), ident("carecert-two"))},
			{"nested-change", fmt.Sprintf("FHIRPath Patch: insert at identifier[%d], move the last there, replace identifier[%d], delete identifier[%d]", n, n+1, n+2), params(
				op("insert", str("path", list), num("index", n), value("carecert-zero")),
				op("move", str("path", list), num("source", n+2), num("destination", n)),
				op("replace", str("path", at(n+1)), value("carecert-replaced")),
				op("delete", str("path", at(n+2))),
			), with(ident("carecert-two"), ident("carecert-replaced"))},
			{"nested-bad", fmt.Sprintf("FHIRPath Patch whose second operation replaces identifier[%d], which does not exist", n+7), params(
				op("replace", str("path", at(n)), value("carecert-must-not-stay")),
				op("replace", str("path", at(n+7)), value("carecert-must-not-stay")),
			), func(map[string]any) {}},
		}
	})
}

// patchSteps sends patches of carecert's own resource in one format and
// reads it back after each: the read must show exactly the change (every
// other element as it was, meta and narrative aside). The last step
// (nested-bad) must be refused whole with 4xx and an OperationOutcome, and
// the read after it must show nothing changed. steps builds the patches
// from the resource as first read.
func (w *writeRun) patchSteps(ctx context.Context, o *own, mediaType string, steps func(state map[string]any) []patchStep) {
	read := func() map[string]any {
		ex := w.p.do(ctx, fhirclient.Request{Interaction: fhirclient.Read, Label: o.path(), Path: o.path()}, func(ex *fhirclient.Exchange) {
			ex.Type, ex.ID, ex.Declared = w.typ, o.id, w.p.caps != nil
		})
		if ex == nil || ex.Status != http.StatusOK || ex.Resource == nil {
			return nil // the read's own requirement says what went wrong
		}
		return ex.Resource
	}
	state := read()
	if state == nil {
		return
	}
	for _, s := range steps(state) {
		prior := o.version
		ex := w.send(ctx, fhirclient.Patch, s.step, fhirclient.Request{Label: o.path() + " (" + s.label + ")", Method: http.MethodPatch, Path: o.path(),
			Body: s.body, Header: http.Header{"Content-Type": {mediaType}}}, func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID = o.id, prior })
		if ex == nil || ex.Failed() || s.step != "nested-bad" && !accepted(ex) {
			// A refused change is judged as such; the later steps build on
			// it, so a server refusing them too would be blamed for being right.
			return
		}
		o.advance(ex)
		want := maps.Clone(state) // the checker leaves meta and narrative, the server's, aside
		s.want(want)
		after := w.send(ctx, fhirclient.Patch, "read-after", fhirclient.Request{Label: o.path() + " (read after " + s.label + ")", Path: o.path()},
			func(ex *fhirclient.Exchange) { ex.ID, ex.Expect, ex.JSON = o.id, s.label, want })
		if after == nil || after.Status != http.StatusOK || after.Resource == nil {
			return
		}
		state = after.Resource
	}
}
