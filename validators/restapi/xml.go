package restapi

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// isXML reports whether a response declares an XML media type.
func isXML(ex *fhirclient.Exchange) bool {
	switch ex.ContentType() {
	case "application/fhir+xml", "application/xml", "text/xml", "application/xml+fhir":
		return true
	}
	return false
}

// xmlFormat judges a request for FHIR XML. A server that declares XML must
// serve it, and the resource read with the project's FHIR XML reader must be
// the one it serves as JSON (meta and narrative aside); one that does not
// declare XML must refuse with 406 rather than answer in another format.
func xmlFormat(ex *fhirclient.Exchange) []model.Finding {
	what := "GET " + ex.Label
	if f := answered(ex, what); f != nil {
		return f
	}
	if !ex.XMLDeclared && !isXML(ex) {
		if ex.Status == http.StatusNotAcceptable {
			return nil
		}
		return fail(ex, "api.xml-not-refused", "%s: the server does not declare XML and answered HTTP %d with %s, want 406 Not Acceptable", what, ex.Status, describe(ex))
	}
	if ex.Status != http.StatusOK {
		return fail(ex, "api.xml-status", "%s returned HTTP %d, but the server's CapabilityStatement declares XML%s", what, ex.Status, diagnostics(ex))
	}
	if !isXML(ex) {
		return fail(ex, "api.xml-content-type", "%s returned content-type %q, want application/fhir+xml", what, ex.Header("content-type"))
	}
	res, err := fhirxml.Decode(ex.Raw)
	if err != nil {
		return fail(ex, "api.xml-invalid", "%s: the XML is not a FHIR resource: %v", what, err)
	}
	if ex.JSON == nil {
		if t, _ := res["resourceType"].(string); t != "CapabilityStatement" {
			return fail(ex, "api.xml-mismatch", "%s returned a %s, want a CapabilityStatement", what, t)
		}
		return nil
	}
	if path := firstDifference(comparable(ex.JSON), comparable(res), ""); path != "" {
		return []model.Finding{at(finding(ex, model.Error, "api.xml-mismatch", "%s: the XML differs from the JSON the server served for the same resource at %s", what, path), path)}
	}
	return nil
}

// comparable leaves out what may differ between two reads of one resource
// in two formats without being wrong: meta (a cache may stamp it) and the
// narrative's XHTML, whose serialisation is free.
func comparable(res map[string]any) map[string]any {
	out := make(map[string]any, len(res))
	for k, v := range res {
		if k != "meta" && k != "text" {
			out[k] = v
		}
	}
	return out
}

// firstDifference returns the first path (in key order) where a and b
// differ, or "".
func firstDifference(a, b any, path string) string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if d := firstDifference(am[k], bm[k], p); d != "" {
				return d
			}
		}
		return ""
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		for i := range max(len(al), len(bl)) {
			if i >= len(al) || i >= len(bl) {
				return fmt.Sprintf("%s[%d]", path, i)
			}
			if d := firstDifference(al[i], bl[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if fmt.Sprint(a) == fmt.Sprint(b) && reflect.TypeOf(a) == reflect.TypeOf(b) {
		return ""
	}
	if path == "" {
		path = "(root)"
	}
	return path
}
