package livefhir

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"

	"github.com/carecert/carecert/fhirclient"
)

// patchExtension is the url of the extensions carecert's nested patches
// put on its own resource: a URN, so that it names nothing anyone defines.
const patchExtension = "urn:carecert:probe:patch"

// nestedPatch changes elements below the top level of carecert's own
// resource with JSON Patch and reads it back after each patch: the read
// must show exactly the change (every other element as it was, meta and
// narrative aside). First an extension list of two is added; then, in one
// document, the first one's value is replaced, the second removed and a
// third appended; then a document whose second operation names an index
// that does not exist must be refused whole with 4xx and an
// OperationOutcome, and the read after it must show nothing changed.
func (w *writeRun) nestedPatch(ctx context.Context, o *own) {
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
	ext := func(value string) map[string]any {
		return map[string]any{"url": patchExtension, "valueString": value}
	}
	steps := []struct {
		step, label string
		ops         []any
		// want is the resource as the patch leaves it.
		want func(res map[string]any)
	}{
		{"nested-add", "JSON Patch: add an extension list of two", []any{
			map[string]any{"op": "add", "path": "/extension", "value": []any{ext("carecert-one"), ext("carecert-two")}},
		}, func(res map[string]any) { res["extension"] = []any{ext("carecert-one"), ext("carecert-two")} }},
		{"nested-change", "JSON Patch: replace extension[0].valueString, remove extension[1], append an extension", []any{
			map[string]any{"op": "replace", "path": "/extension/0/valueString", "value": "carecert-replaced"},
			map[string]any{"op": "remove", "path": "/extension/1"},
			map[string]any{"op": "add", "path": "/extension/-", "value": ext("carecert-three")},
		}, func(res map[string]any) { res["extension"] = []any{ext("carecert-replaced"), ext("carecert-three")} }},
		{"nested-bad", "JSON Patch whose second operation names extension[7], which does not exist", []any{
			map[string]any{"op": "replace", "path": "/extension/0/valueString", "value": "carecert-must-not-stay"},
			map[string]any{"op": "replace", "path": "/extension/7/valueString", "value": "carecert-must-not-stay"},
		}, func(map[string]any) {}},
	}
	for _, s := range steps {
		body, _ := json.Marshal(s.ops)
		prior := o.version
		ex := w.send(ctx, fhirclient.Patch, s.step, fhirclient.Request{Label: o.path() + " (" + s.label + ")", Method: http.MethodPatch, Path: o.path(),
			Body: body, Header: http.Header{"Content-Type": {"application/json-patch+json"}}}, func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID = o.id, prior })
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
