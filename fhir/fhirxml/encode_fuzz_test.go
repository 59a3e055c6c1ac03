package fhirxml_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// FuzzEncode checks that whatever resource Encode is given, from FHIR JSON
// or read from FHIR XML, it never panics, refuses only with an
// *EncodeError, and writes XML that Decode reads back as the resource (a
// null or an array of nulls being no element) with no issue of how it is
// written: order, attributes, nodes.
func FuzzEncode(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Patient","id":"p","name":[{"id":"n","given":["A",null],"_given":[null,{"extension":[{"url":"u","valueString":"v"}]}]}],"active":true}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{},"valueQuantity":{"value":1.50}}}]}`,
		`{"resourceType":"Basic","text":{"status":"generated","div":"<div><p>&nbsp;&lt;x&gt;</p></div>"},"code":{"text":"a\n\"b\""},"contained":[{"resourceType":"Patient"}]}`,
		`{"resourceType":"Patient","unknown":{"x":["1","2"],"y":"z"},"_birthDate":{"id":"b"}}`,
		`<Patient xmlns="http://hl7.org/fhir"><id value="x"/><name><given value="A"/><given id="g"><extension url="u"><valueString value="v"/></extension></given></name></Patient>`,
		`<Patient xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml"><p>&#160;x</p></div></text><contained><Organization><name value="o"/></Organization></contained><foo value="1"><bar value="2"/></foo></Patient>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, read := range []func([]byte) (map[string]any, error){fhir.Decode, fhirxml.Decode} {
			res, err := read(data)
			if err != nil || res == nil {
				continue
			}
			out, err := fhirxml.Encode(res)
			if err != nil {
				var ee *fhirxml.EncodeError
				if !errors.As(err, &ee) {
					t.Fatalf("%T is not an *EncodeError: %v", err, err)
				}
				continue
			}
			back, issues, _, err := fhirxml.DecodeDocument(out)
			if err != nil {
				t.Fatalf("the XML written does not read back: %v\n%s", err, out)
			}
			if len(issues) > 0 {
				t.Fatalf("the XML written has the issues %+v\n%s", issues, out)
			}
			if want := nullsDropped(res); !divsAside(want, back) {
				t.Fatalf("read back as %v, written from %v\n%s", back, want, out)
			}
		}
	})
}

func nullsDropped(res map[string]any) map[string]any { return sameResource(res).(map[string]any) }

// divsAside compares two resources, a narrative div only by being there:
// a div that declares an empty namespace itself reads back without it.
func divsAside(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		if len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			w, ok := bm[k]
			if !ok {
				return false
			}
			if _, isDiv := v.(string); isDiv && k == "div" {
				if _, ok := w.(string); ok {
					continue
				}
			}
			if !divsAside(v, w) {
				return false
			}
		}
		return true
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		if len(al) != len(bl) {
			return false
		}
		for i := range al {
			if !divsAside(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
