package fhirxml_test

import (
	"bytes"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"
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

// FuzzDecodeBundle checks that reading a Bundle's entries apart gives what
// reading it whole gives: the same error, and when the entries were handed
// over, each converted again alone from its span (DecodeEntry) is the
// resource handed, and put back in the skeleton they make DecodeDocument's
// tree; the issues of the skeleton and of every entry read alone are
// DecodeDocument's, at the same lines, and each entry's lines are the
// document's.
func FuzzDecodeBundle(f *testing.F) {
	for _, seed := range []string{
		`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="urn:uuid:1"/><resource><Patient><id value="a"/></Patient></resource></entry><entry><resource><Observation><status value="final"/></Observation></resource></entry></Bundle>`,
		"<f:Bundle xmlns:f=\"http://hl7.org/fhir\" xmlns:h=\"http://www.w3.org/1999/xhtml\">\n<f:entry><f:resource>\n<f:Patient\n xml:lang=\"en\"><f:text><h:div>x</h:div></f:text><f:id value=\"a\"/></f:Patient></f:resource></f:entry>\n<?pi?><f:entry><f:resource><Patient xmlns=\"http://hl7.org/fhir\"><![CDATA[ ]]></Patient></f:resource></f:entry></f:Bundle>",
		`<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Patient/></resource><resource><Patient/></resource></entry></Bundle>`,
		`<Bundle xmlns="http://hl7.org/fhir"><entry><request><method value="GET"/></request><resource><?x?><Patient/></resource></entry></Bundle>`,
		"\xef\xbb\xbf<Bundle xmlns=\"http://hl7.org/fhir\"><entry><resource><Bundle><entry><resource><Patient/></resource></entry></Bundle></resource></entry></Bundle>",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, issues, doc, wholeErr := fhirxml.DecodeDocument(data)
		var handed []fhirxml.Entry
		skeleton, own, _, skimmed, err := fhirxml.DecodeBundle(data, nil, func(e fhirxml.Entry) bool { handed = append(handed, e); return true })
		if (err == nil) != (wholeErr == nil) || err != nil && err.Error() != wholeErr.Error() {
			t.Fatalf("DecodeBundle gave %v; DecodeDocument %v", err, wholeErr)
		}
		if err != nil || !skimmed {
			if err == nil && !reflect.DeepEqual(skeleton, whole) {
				t.Fatalf("DecodeBundle read whole gave %v; DecodeDocument %v", skeleton, whole)
			}
			return
		}
		all := append([]fhirxml.Issue(nil), own...)
		list, _ := skeleton["entry"].([]any)
		for _, e := range handed {
			res, entryIssues, entryDoc, err := fhirxml.DecodeEntry(data[e.Start:e.End], e.Namespaces, e.Base)
			if err != nil || !reflect.DeepEqual(res, e.Resource) {
				t.Fatalf("entry %d read alone gave %v, %v; handed %v", e.Index, res, err, e.Resource)
			}
			path := "entry[" + strconv.Itoa(e.Index) + "].resource"
			for _, is := range entryIssues {
				is.Path = strings.TrimSuffix(path+"."+is.Path, ".")
				all = append(all, is)
			}
			if got, want := entryDoc.Locator("").Line("Resource.id"), doc.Locator(path).Line("Resource.id"); got != want {
				t.Fatalf("entry %d locates its id at line %d, the document at %d", e.Index, got, want)
			}
			if got, want := fhirxml.EntryDocument(data[e.Start:e.End], e.Namespaces, e.Base, e.Line).Locator("").Line("Resource"), doc.Locator(path).Line("Resource"); got != want {
				t.Fatalf("entry %d is placed at line %d, the document places it at %d", e.Index, got, want)
			}
			list[e.Index].(map[string]any)["resource"] = e.Resource
		}
		if !reflect.DeepEqual(skeleton, whole) {
			t.Fatalf("the skeleton with its entries put back is %v; DecodeDocument's tree %v", skeleton, whole)
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Line < all[j].Line })
		want := append([]fhirxml.Issue(nil), issues...)
		sort.SliceStable(want, func(i, j int) bool { return want[i].Line < want[j].Line })
		if !reflect.DeepEqual(all, want) && !(len(all) == 0 && len(want) == 0) {
			t.Fatalf("issues read apart %+v; whole %+v", all, want)
		}
	})
}
