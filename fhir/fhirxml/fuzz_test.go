package fhirxml_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/carecert/carecert/fhir/fhirxml"
)

// FuzzDecode checks that no input makes the converter, the line index or the
// locator panic (broken XML must become a *SyntaxError). DecodeDocument must
// give Decode's resource and error, with issues of known codes at lines of
// the input, and a Document that locates them as one built from the input
// does. What the converter gives for real files is held to recorded outputs
// (golden_test.go).
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`<Patient xmlns="http://hl7.org/fhir"><id value="x"/><name><given value="A"/><given id="g"><extension url="u"><valueString value="v"/></extension></given></name></Patient>`,
		`<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Observation><valueQuantity><value value="1.5"/></valueQuantity></Observation></resource></entry></Bundle>`,
		`<Patient xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml"><p>&nbsp;x</p></div></text><contained><Organization/></contained></Patient>`,
		`<Questionnaire xmlns="http://hl7.org/fhir"><item><item><linkId value="1"/></item></item></Questionnaire>`,
		`<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/><multipleBirthInteger value="x"/><unknown/></Patient>`,
		`<f:Patient xmlns:f="http://hl7.org/fhir" xmlns:e=""><f:id e:value="a"/><f:name xmlns:f="urn:x"></f:name><h:div xmlns:h="http://www.w3.org/1999/xhtml"/></f:Patient>`,
		"<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x \"y\">]><Patient xmlns=\"http://hl7.org/fhir\"><id value=\"&x;\"/></Patient>",
		"<?pi?><Patient xmlns=\"http://hl7.org/fhir\" id=\"a\"><gender value=\"male\"/><active/><name><id value=\"n\"/><given value=\"A\" x=\"1\"/><family value=\"B\"/></name><![CDATA[ ]]></Patient>",
		`<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Patient/></resource></entry><type value="x"/></Bundle>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := fhirxml.Decode(data)
		var se *fhirxml.SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("%T is not a *SyntaxError: %v", err, err)
		}
		fhirxml.Lines(data)
		fhirxml.NewDocument(data, 1).Locator("entry[0].resource").Line("Patient.name[0].given[1]")
		res, issues, doc, docErr := fhirxml.DecodeDocument(data)
		if (docErr == nil) != (err == nil) || (err != nil && docErr.Error() != err.Error()) || !reflect.DeepEqual(res, got) {
			t.Fatalf("DecodeDocument gave %v, %v; Decode %v, %v", res, docErr, got, err)
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		for _, is := range issues {
			switch is.Code {
			case fhirxml.CodeOrder, fhirxml.CodeAttribute, fhirxml.CodeNode:
			default:
				t.Fatalf("issue of unknown code %q", is.Code)
			}
			if is.Line < 1 || is.Line > lines || is.Msg == "" {
				t.Fatalf("issue %+v is not at a line of the input (%d lines)", is, lines)
			}
			if got, want := doc.Locator(is.Path).Line("Resource"), fhirxml.NewDocument(data, 1).Locator(is.Path).Line("Resource"); got != want {
				t.Fatalf("the document locates %q at line %d, a fresh one at %d", is.Path, got, want)
			}
		}
	})
}
