package fhir_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/carecert/carecert/fhir"
)

// FuzzFastDecode holds the one-pass decoder to its contract on any bytes:
// where it answers, the input is valid UTF-8, a key DuplicateKeys finds
// repeated is reported so, and encoding/json (UseNumber, one object, nothing
// after it but JSON whitespace) gives exactly the same value; where it defers, Decode
// answers as encoding/json alone does; and Decode never accepts what
// encoding/json refuses, nor refuses what it reads but for nesting deeper
// than MaxDepth. The seeds in
// testdata/fuzz/FuzzFastDecode are numbers at the edges, escapes, surrogates,
// a BOM, deep nesting, duplicate keys and trailing data.
func FuzzFastDecode(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Patient","id":"a","birthDate":"2000-01-01"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, repeated, ok := fhir.DecodeFastRepeated(data)
		if ok {
			// The NDJSON reader skips its UTF-8 scan on what the fast
			// decoder reads, and its duplicate-key scan unless it says a
			// key repeated.
			if !utf8.Valid(data) {
				t.Fatalf("the fast decoder read invalid UTF-8: %q", data)
			}
			if dups := fhir.DuplicateKeys(data); len(dups) > 0 && !repeated {
				t.Fatalf("the fast decoder missed a repeated key (%v): %q", dups, data)
			}
			want, err := strictDecode(data)
			if err != nil {
				t.Fatalf("the fast decoder accepted what encoding/json refuses (%v): %q", err, data)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("the fast decoder and encoding/json differ on %q:\nfast %#v\njson %#v", data, fast, want)
			}
		}
		got, gotErr := fhir.Decode(data)
		want, strictErr := strictDecode(data)
		switch {
		case gotErr == nil && strictErr != nil:
			t.Fatalf("Decode accepted what encoding/json refuses (%v): %q", strictErr, data)
		case gotErr == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("Decode and encoding/json differ on %q:\n%#v\n%#v", data, got, want)
		case gotErr != nil && strictErr == nil && !strings.Contains(gotErr.Error(), "nests deeper"):
			t.Fatalf("Decode refused what encoding/json reads, for a reason other than depth (%v): %q", gotErr, data)
		}
		slow, slowErr := fhir.DecodeSlow(data)
		switch {
		case (gotErr == nil) != (slowErr == nil):
			t.Fatalf("Decode and encoding/json disagree on whether %q is JSON: %v / %v", data, gotErr, slowErr)
		case gotErr != nil && gotErr.Error() != slowErr.Error():
			t.Fatalf("Decode words the error on %q differently: %v / %v", data, gotErr, slowErr)
		case !reflect.DeepEqual(got, slow):
			t.Fatalf("Decode and encoding/json differ on %q:\n%#v\n%#v", data, got, slow)
		}
	})
}

// strictDecode is encoding/json's reading of one JSON object with numbers
// kept as written and nothing but JSON whitespace after it.
func strictDecode(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not an object")
	}
	return m, nil
}
