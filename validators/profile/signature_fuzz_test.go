package profile_test

import (
	"encoding/base64"
	"testing"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// FuzzBundleSignature feeds any bytes as a Bundle.signature's data, under
// each sigFormat carecert reads and none: deciding the signature must never
// panic (two XML shapes did: a Reference without its digest, an Id with a
// quote), and whatever it finds is at Bundle.signature.
func FuzzBundleSignature(f *testing.F) {
	const ds = `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`
	for _, seed := range []string{
		ds + `<SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI="#"/></SignedInfo><SignatureValue>AA==</SignatureValue></Signature>`,
		ds + `<SignedInfo><Reference URI="#"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue></Reference></SignedInfo><SignatureValue>AA==</SignatureValue></Signature>`,
		ds + `<SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><Reference URI="#"><Transforms><Transform Algorithm="http://hl7.org/fhir/canonicalization/xml"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue></Reference><Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#it's"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue></Reference></SignedInfo><SignatureValue>AA==</SignatureValue><KeyInfo><X509Data><X509Certificate>AA==</X509Certificate></X509Data></KeyInfo><Object><x:QualifyingProperties xmlns:x="http://uri.etsi.org/01903/v1.3.2#"><x:SignedProperties Id="p"><x:SignedSignatureProperties><x:SigningTime>2025-03-01T10:01:00Z</x:SigningTime></x:SignedSignatureProperties></x:SignedProperties></x:QualifyingProperties></Object><SignedBytes>PEJ1bmRsZS8+</SignedBytes></Signature>`,
		`<u:x xmlns:u="urn:u"><u:y/></u:x>`,
		"eyJhbGciOiJFUzI1NiIsImlhdCI6IngifQ.e30.c2ln",
		"",
	} {
		for format := range uint8(4) {
			f.Add([]byte(seed), format)
		}
	}
	defs, err := definitions.New(definitions.Options{Parent: core})
	if err != nil {
		f.Fatal(err)
	}
	e := profile.NewEngine(defs, profile.Options{})
	formats := []string{"application/signature+xml", "application/pkcs7-signature", "application/jose", ""}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		sig := map[string]any{
			"type":         []any{map[string]any{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1"}},
			"when":         "2025-03-01T10:01:00Z",
			"who":          map[string]any{"display": "a signer"},
			"targetFormat": "application/fhir+xml;canonicalization=http://hl7.org/fhir/canonicalization/xml#document",
			"data":         base64.StdEncoding.EncodeToString(data),
		}
		if sf := formats[int(format)%len(formats)]; sf != "" {
			sig["sigFormat"] = sf
		}
		b := map[string]any{"resourceType": "Bundle", "type": "collection", "signature": sig}
		rec := &model.Record{Kind: model.KindFHIR, Source: "fuzz.json", Type: "Bundle", Value: b}
		for _, fd := range e.ValidateRecord(rec, "", nil) {
			if fd.Code == profile.CodeSignature && fd.Location.Path != "Bundle.signature" {
				t.Fatalf("a signature finding at %s", fd.Location.Path)
			}
		}
	})
}
