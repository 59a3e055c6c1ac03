package profile_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// signedDoc is the document Bundle the specs sign, written with whitespace,
// properties out of order, a decimal with a trailing zero, markup characters
// and a non-ASCII letter: all that canonicalization must get right.
const signedDoc = `{
  "resourceType": "Bundle",
  "id": "doc-1",
  "meta": {"versionId": "3", "lastUpdated": "2025-03-01T10:05:00Z"},
  "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3e3f7a-7d55-4b7e-9d1e-2f1b8a6c4d01"},
  "type": "document",
  "timestamp": "2025-03-01T10:00:00Z",
  "entry": [
    {"fullUrl": "urn:uuid:6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10",
     "resource": {"resourceType": "Composition", "id": "6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10", "status": "final",
       "type": {"coding": [{"system": "http://loinc.org", "code": "11503-0"}]},
       "subject": {"reference": "urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"},
       "date": "2025-03-01T10:00:00Z", "author": [{"display": "Dr Ada Signer"}], "title": "Temperature <check> & review"}},
    {"fullUrl": "urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60",
     "resource": {"resourceType": "Patient", "id": "2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60",
       "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Zoë Smith</div>"},
       "name": [{"family": "Smith", "given": ["Zoë"]}], "birthDate": "1980-02-03"}},
    {"fullUrl": "urn:uuid:9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20",
     "resource": {"resourceType": "Observation", "id": "9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20", "status": "final",
       "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
       "subject": {"reference": "urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"},
       "valueQuantity": {"value": 37.50, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"}}}
  ]
}`

// The canonical forms of signedDoc, written out by hand (and checked with
// another JSON library): what a signer computes and signs.
const (
	canonEntries    = `[{"fullUrl":"urn:uuid:6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10","resource":{"author":[{"display":"Dr Ada Signer"}],"date":"2025-03-01T10:00:00Z","id":"6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10","resourceType":"Composition","status":"final","subject":{"reference":"urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"},"title":"Temperature <check> & review","type":{"coding":[{"code":"11503-0","system":"http://loinc.org"}]}}},{"fullUrl":"urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60","resource":{"birthDate":"1980-02-03","id":"2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60","name":[{"family":"Smith","given":["Zoë"]}],"resourceType":"Patient","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Zoë Smith</div>","status":"generated"}}},{"fullUrl":"urn:uuid:9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20","resource":{"code":{"coding":[{"code":"8310-5","system":"http://loinc.org"}]},"id":"9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20","resourceType":"Observation","status":"final","subject":{"reference":"urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"},"valueQuantity":{"code":"Cel","system":"http://unitsofmeasure.org","unit":"Cel","value":37.50}}}]`
	canonIdentifier = `{"system":"urn:ietf:rfc:3986","value":"urn:uuid:0c3e3f7a-7d55-4b7e-9d1e-2f1b8a6c4d01"}`
	// canonDocument is json#document: no Bundle.id, meta or signature.
	canonDocument = `{"entry":` + canonEntries + `,"identifier":` + canonIdentifier + `,"resourceType":"Bundle","timestamp":"2025-03-01T10:00:00Z","type":"document"}`
	// canonBase is plain json: the Bundle without its signature only.
	canonBase = `{"entry":` + canonEntries + `,"id":"doc-1","identifier":` + canonIdentifier + `,"meta":{"lastUpdated":"2025-03-01T10:05:00Z","versionId":"3"},"resourceType":"Bundle","timestamp":"2025-03-01T10:00:00Z","type":"document"}`

	documentFormat = "application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json#document"
)

// signer is a key with a self-signed certificate for it.
type signer struct {
	key crypto.Signer
	der []byte
}

func newSigner(key crypto.Signer) signer {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "Dr Ada Signer", Organization: []string{"Example Practice"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	Expect(err).NotTo(HaveOccurred())
	return signer{key: key, der: der}
}

// rsaSigner is a new RSA 2048 key with its certificate.
func rsaSigner() signer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred())
	return newSigner(k)
}

// ecSigner is a new ECDSA P-256 key with its certificate.
func ecSigner() signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	return newSigner(k)
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign returns the JWS signature part over a signing input, as JWA lays out
// each algorithm's signature.
func (s signer) sign(alg, input string) string {
	if alg == "EdDSA" {
		return b64url(ed25519.Sign(s.key.(ed25519.PrivateKey), []byte(input)))
	}
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key.(*rsa.PrivateKey), crypto.SHA256, digest[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, s.key.(*rsa.PrivateKey), crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		var r, ss *big.Int
		r, ss, err = ecdsa.Sign(rand.Reader, s.key.(*ecdsa.PrivateKey), digest[:])
		if err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), ss.FillBytes(make([]byte, 32))...)
		}
	default:
		Fail("no signing for " + alg)
	}
	Expect(err).NotTo(HaveOccurred())
	return b64url(sig)
}

// header is a JWS protected header naming alg and, when cert is not nil,
// carrying it as x5c; extra adds parameters.
func header(alg string, cert []byte, extra map[string]any) string {
	h := map[string]any{"alg": alg, "typ": "JOSE", "sigT": "2025-03-01T10:01:00Z"}
	if cert != nil {
		h["x5c"] = []string{base64.StdEncoding.EncodeToString(cert)}
	}
	for k, v := range extra {
		h[k] = v
		if v == nil {
			delete(h, k)
		}
	}
	out, err := json.Marshal(h)
	Expect(err).NotTo(HaveOccurred())
	return b64url(out)
}

// attached is a compact JWS with content as its payload, signed by key and
// carrying cert.
func attached(key signer, cert []byte, alg, content string) string {
	input := header(alg, cert, nil) + "." + b64url([]byte(content))
	return input + "." + key.sign(alg, input)
}

// withSignature returns signedDoc (changed by edit, when not nil) with a
// Bundle.signature whose data is given.
func withSignature(targetFormat, sigFormat, data string, edit func(b map[string]any)) string {
	b := decoded(signedDoc)
	if edit != nil {
		edit(b)
	}
	b["signature"] = map[string]any{
		"type":         []any{map[string]any{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1"}},
		"when":         "2025-03-01T10:01:00Z",
		"who":          map[string]any{"identifier": map[string]any{"value": "CN=Dr Ada Signer,O=Example Practice"}, "display": "Dr Ada Signer"},
		"targetFormat": targetFormat,
		"data":         data,
	}
	if sigFormat != "" {
		b["signature"].(map[string]any)["sigFormat"] = sigFormat
	}
	return encoded(b)
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// signatureFindings validates a Bundle and keeps the signature findings.
func signatureFindings(src string) []model.Finding {
	return signatureOnly(validate(newEngine(), src))
}

// verifiedNote is the information a signature that verifies gets, signed
// at the time given ("" for a time the signature does not cover).
func verifiedNote(at string) types.GomegaMatcher {
	says := "the signature verifies with the certificate of CN=Dr Ada Signer,O=Example Practice (issuer CN=Dr Ada Signer,O=Example Practice, serial 7)"
	if at != "" {
		says += ", signed at " + at
	}
	return saying(model.Information, profile.CodeSignature, "Bundle.signature", says+"; the certificate was not checked against a trusted root")
}

// allSignatureFindings validates a Bundle and keeps the signature findings
// of every severity, information too.
func allSignatureFindings(src string) []model.Finding {
	return signatureOnly(newEngine().ValidateRecord(record(src), "", nil))
}

// signatureOnly keeps the signature findings.
func signatureOnly(fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == profile.CodeSignature {
			out = append(out, f)
		}
	}
	return out
}

func entryResource(b map[string]any, i int) map[string]any {
	return b["entry"].([]any)[i].(map[string]any)["resource"].(map[string]any)
}

var _ = Describe("Bundle.signature", Ordered, func() {
	var rsaKey, ecKey, edKey, otherKey signer
	BeforeAll(func() {
		rsaKey, ecKey, otherKey = rsaSigner(), ecSigner(), ecSigner()
		_, dk, err := ed25519.GenerateKey(rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		edKey = newSigner(dk)
	})
	keyFor := func(alg string) signer {
		switch alg {
		case "ES256":
			return ecKey
		case "EdDSA":
			return edKey
		}
		return rsaKey
	}

	DescribeTable("verifies a document Bundle signed over its json#document canonical form",
		func(alg string) {
			key := keyFor(alg)
			src := withSignature(documentFormat, "application/jose", base64Std(attached(key, key.der, alg, canonDocument)), nil)
			Expect(signatureFindings(src)).To(BeEmpty())
		},
		Entry("RS256", "RS256"), Entry("PS256", "PS256"), Entry("ES256", "ES256"), Entry("EdDSA", "EdDSA"))

	It("leaves Bundle.id and meta out of a json#document signature, so a copy on another server still verifies", func() {
		data := base64Std(attached(ecKey, ecKey.der, "ES256", canonDocument))
		src := withSignature(documentFormat, "application/jose", data, func(b map[string]any) {
			b["id"] = "copied-elsewhere"
			b["meta"] = map[string]any{"versionId": "1"}
		})
		Expect(signatureFindings(src)).To(BeEmpty())
	})

	It("signs id and meta too under the base json canonicalization, the default when targetFormat names none", func() {
		data := base64Std(attached(ecKey, ecKey.der, "ES256", canonBase))
		Expect(signatureFindings(withSignature("application/fhir+json", "application/jose", data, nil))).To(BeEmpty())
		moved := withSignature("application/fhir+json", "application/jose", data, func(b map[string]any) { b["id"] = "doc-2" })
		Expect(signatureFindings(moved)).To(ConsistOf(
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "Bundle.id has another value in the signed content")))
	})

	It("reports content changed after signing with both sizes and where it changed, the signature itself still verifying", func() {
		data := base64Std(attached(rsaKey, rsaKey.der, "RS256", canonDocument))
		src := withSignature(documentFormat, "application/jose", data, func(b map[string]any) {
			entryResource(b, 1)["name"].([]any)[0].(map[string]any)["family"] = "Smithers"
		})
		fs := signatureFindings(src)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0]).To(saying(model.Error, profile.CodeSignature, "Bundle.signature", "is not the content to sign"))
		signed, now := len(canonDocument), len(canonDocument)+len("ers")
		Expect(fs[0].Message).To(ContainSubstring("the signed content (" + grouped(signed) + " bytes)"))
		Expect(fs[0].Message).To(ContainSubstring("(" + grouped(now) + " bytes: the Bundle canonicalized as http://hl7.org/fhir/canonicalization/json#document)"))
		Expect(fs[0].Message).To(HaveSuffix("Bundle.entry[1].resource.name[0].family has another value in the signed content"))
		Expect(fs[0].Message).NotTo(ContainSubstring("Smith"), "values stay out of findings")
	})

	It("reports a signature made with another key than the certificate's", func() {
		data := base64Std(attached(otherKey, ecKey.der, "ES256", canonDocument))
		fs := signatureFindings(withSignature(documentFormat, "application/jose", data, nil))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeSignature, "Bundle.signature", "the signature does not verify against the certificate in the JWS header (alg ES256)")))
	})

	It("reports an algorithm the certificate's key cannot verify", func() {
		data := base64Std(attached(ecKey, rsaKey.der, "ES256", canonDocument))
		Expect(signatureFindings(withSignature(documentFormat, "application/jose", data, nil))).To(ConsistOf(
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "alg ES256 needs an ECDSA key on P-256, the certificate has an RSA key")))
	})

	DescribeTable("checks the signing time the JWS header states against Signature.when",
		func(hdr map[string]any, want []types.GomegaMatcher) {
			input := header("ES256", ecKey.der, hdr) + "." + b64url([]byte(canonDocument))
			data := base64Std(input + "." + ecKey.sign("ES256", input))
			Expect(signatureFindings(withSignature(documentFormat, "application/jose", data, nil))).To(ConsistOf(want))
		},
		Entry("sigT in another zone, the same instant", map[string]any{"sigT": "2025-03-01T11:01:00+01:00"}, nil),
		Entry("iat, seconds since 1970", map[string]any{"sigT": nil, "iat": 1740823260}, nil),
		Entry("iat written as a string", map[string]any{"sigT": nil, "iat": "1740823260"}, nil),
		Entry("sigT another time", map[string]any{"sigT": "2025-03-01T10:31:00Z"}, []types.GomegaMatcher{
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "the JWS header's sigT 2025-03-01T10:31:00Z is not Signature.when 2025-03-01T10:01:00Z")}),
		Entry("iat another time", map[string]any{"sigT": nil, "iat": 1740823261}, []types.GomegaMatcher{
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "the JWS header's iat, as a date-time, 2025-03-01T10:01:01Z is not Signature.when 2025-03-01T10:01:00Z")}),
		Entry("sigT in seconds", map[string]any{"sigT": 1740823260}, []types.GomegaMatcher{
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the JWS header's sigT 1740823260 is seconds since 1970")}),
		Entry("sigT in seconds, another time", map[string]any{"sigT": 1740823300}, []types.GomegaMatcher{
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the JWS header's sigT 1740823300 is seconds since 1970"),
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "the JWS header's sigT, read as seconds since 1970, 2025-03-01T10:01:40Z is not Signature.when")}),
		Entry("sigT that is not a date-time", map[string]any{"sigT": "yesterday"}, []types.GomegaMatcher{
			saying(model.Error, profile.CodeSignature, "Bundle.signature", `the JWS header's sigT "yesterday" is not a date-time`)}),
		Entry("no signing time", map[string]any{"sigT": nil}, []types.GomegaMatcher{
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the JWS header states no signing time (sigT or iat), so Signature.when cannot be checked against it")}),
	)

	DescribeTable("notes a Signature.who.identifier that is none of the certificate's names, as information",
		func(who string, noted bool) {
			src := withSignature(documentFormat, "application/jose", base64Std(attached(ecKey, ecKey.der, "ES256", canonDocument)), nil)
			b := decoded(src)
			b["signature"].(map[string]any)["who"] = map[string]any{"identifier": map[string]any{"value": who}}
			fs := allSignatureFindings(encoded(b))
			if !noted {
				Expect(fs).To(ConsistOf(verifiedNote("2025-03-01T10:01:00Z")))
				return
			}
			says := `Signature.who.identifier "` + who + `" is none of the signing certificate's names (subject CN=Dr Ada Signer,O=Example Practice)`
			if who == "" {
				says = "Signature.who has no identifier to compare with the signing certificate, whose subject is CN=Dr Ada Signer,O=Example Practice"
			}
			Expect(fs).To(ConsistOf(verifiedNote("2025-03-01T10:01:00Z"), saying(model.Information, profile.CodeSignature, "Bundle.signature", says)))
		},
		Entry("the subject's distinguished name", "CN=Dr Ada Signer,O=Example Practice", false),
		Entry("the distinguished name spaced", "CN=Dr Ada Signer, O=Example Practice", false),
		Entry("the common name", "Dr Ada Signer", false),
		Entry("no identifier", "", true),
		Entry("someone else", "CN=Dr Bob Other,O=Example Practice", true),
	)

	It("checks data that is plainly a JWS as one when sigFormat is missing, after a warning, as the reference does", func() {
		data := base64Std(attached(ecKey, ecKey.der, "ES256", canonDocument))
		Expect(allSignatureFindings(withSignature(documentFormat, "", data, nil))).To(ConsistOf(
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the signature has no sigFormat; its data is a JWS and is checked as application/jose"),
			verifiedNote("2025-03-01T10:01:00Z")))
		Expect(signatureFindings(withSignature(documentFormat, "", base64Std("%PDF-1.7 an image of a signature"), nil))).To(ConsistOf(
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the signature has no sigFormat; carecert verifies application/jose (JWS) and application/signature+xml (XML-DSig) signatures, so the signature was not verified")))
	})

	It("notes a digital signature format with no data", func() {
		b := decoded(withSignature(documentFormat, "application/jose", "", nil))
		delete(b["signature"].(map[string]any), "data")
		Expect(allSignatureFindings(encoded(b))).To(ConsistOf(saying(model.Information, profile.CodeSignature, "Bundle.signature",
			"the signature's sigFormat is application/jose but it has no data: there is no digital signature to verify")))
	})

	Describe("detached payloads", func() {
		It("verifies an unencoded detached payload (RFC 7797 b64:false) over the content to sign", func() {
			h := header("ES256", ecKey.der, map[string]any{"b64": false, "crit": []string{"b64"}})
			jws := h + ".." + ecKey.sign("ES256", h+"."+canonDocument)
			Expect(signatureFindings(withSignature(documentFormat, "application/jose", base64Std(jws), nil))).To(BeEmpty())

			changed := withSignature(documentFormat, "application/jose", base64Std(jws), func(b map[string]any) { b["timestamp"] = "2025-03-02T10:00:00Z" })
			Expect(signatureFindings(changed)).To(ConsistOf(saying(model.Error, profile.CodeSignature, "Bundle.signature",
				"over the content to sign ("+grouped(len(canonDocument))+" bytes: the Bundle canonicalized as http://hl7.org/fhir/canonicalization/json#document)")))
		})

		It("verifies a base64url detached payload", func() {
			h := header("RS256", rsaKey.der, nil)
			jws := h + ".." + rsaKey.sign("RS256", h+"."+b64url([]byte(canonDocument)))
			Expect(signatureFindings(withSignature(documentFormat, "application/jose", base64Std(jws), nil))).To(BeEmpty())
		})
	})

	Describe("data that is not a readable JWS", func() {
		DescribeTable("is an error saying what is wrong",
			func(data, says string) {
				Expect(signatureFindings(withSignature(documentFormat, "application/jose", data, nil))).To(ConsistOf(
					saying(model.Error, profile.CodeSignature, "Bundle.signature", says)))
			},
			Entry("not base64", "%%% not base64 %%%", "Signature.data is not valid base64"),
			Entry("base64 of text", base64Std("a signed letter"), "Signature.data is not a JWS: a compact JWS is three base64url parts separated by '.', this has 1 part(s)"),
			Entry("a header that is not JSON", base64Std(b64url([]byte("not json"))+".e30.c2ln"), "the JWS protected header is not base64url-encoded JSON"),
			Entry("a payload that is not base64url", base64Std(header("ES256", nil, nil)+".***.c2ln"), "the JWS payload is not base64url"),
			Entry("a certificate that is not DER", base64Std(b64url([]byte(`{"alg":"ES256","sigT":"2025-03-01T10:01:00Z","x5c":["bm90IGEgY2VydA=="]}`))+"."+b64url([]byte(canonDocument))+".c2ln"), "the JWS header's x5c certificate cannot be read"),
		)

		It("warns that a JWS without a certificate was not verified, as the reference does, and still compares the content", func() {
			input := header("ES256", nil, nil) + "." + b64url([]byte(canonDocument))
			jws := input + "." + ecKey.sign("ES256", input)
			Expect(signatureFindings(withSignature(documentFormat, "application/jose", base64Std(jws), nil))).To(ConsistOf(
				saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the JWS header has no certificate (x5c), and carecert does not look keys up by kid, so the signature was not verified")))
			input = header("ES256", nil, nil) + "." + b64url([]byte(canonBase))
			jws = input + "." + ecKey.sign("ES256", input)
			Expect(signatureFindings(withSignature(documentFormat, "application/jose", base64Std(jws), nil))).To(ConsistOf(
				saying(model.Warning, profile.CodeSignature, "Bundle.signature", "no certificate (x5c)"),
				saying(model.Error, profile.CodeSignature, "Bundle.signature", "Bundle has property id only in the signed content")))
		})

		It("reads a JWS put in data without base64, after saying so", func() {
			jws := attached(ecKey, ecKey.der, "ES256", canonDocument)
			Expect(signatureFindings(withSignature(documentFormat, "application/jose", jws, nil))).To(ConsistOf(
				saying(model.Error, profile.CodeSignature, "Bundle.signature", "Signature.data is not base64 but a bare compact JWS")))
		})
	})

	DescribeTable("warns that a signature it cannot check was not verified, without an error",
		func(targetFormat, sigFormat string, hdr map[string]any, says string) {
			input := header("ES256", ecKey.der, hdr) + "." + b64url([]byte(canonDocument))
			data := base64Std(input + "." + ecKey.sign("ES256", input))
			fs := signatureFindings(withSignature(targetFormat, sigFormat, data, nil))
			Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature", says)))
			Expect(fs[0].Message).To(HaveSuffix("so the signature was not verified"))
		},
		Entry("a signature of another kind", documentFormat, "application/pdf", nil, "sigFormat is application/pdf; carecert verifies application/jose (JWS) and application/signature+xml (XML-DSig) signatures"),
		Entry("an XML target for a JWS", "application/fhir+xml", "application/jose", nil, "targetFormat is application/fhir+xml"),
		Entry("the #static canonicalization", "application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json#static", "application/jose", nil,
			"canonicalization http://hl7.org/fhir/canonicalization/json#static is not one carecert reproduces"),
		Entry("a critical header it does not implement", documentFormat, "application/jose", map[string]any{"crit": []string{"sigD"}, "sigD": map[string]any{}}, "marks sigD critical"),
		Entry("a shared-secret algorithm", documentFormat, "application/jose", map[string]any{"alg": "HS256"}, `the JWS alg "HS256" is not one a certificate verifies`),
	)

	Describe("the shared signature cases", func() {
		shared := func(elem ...string) string {
			data, err := os.ReadFile(sharedtest.Path(append([]string{"conformance-cases", "cases"}, elem...)...))
			Expect(err).NotTo(HaveOccurred())
			return string(data)
		}

		It("finds the signed content of the CDex example is not its content to sign, with the reference validator's sizes", func() {
			// The reference validator reports this and also that the signature
			// does not verify; carecert finds the JWS valid over the payload it
			// carries (as OpenSSL does), so it reports the content only.
			fs := signatureFindings(shared("signatures", "example-2.json"))
			Expect(fs).To(HaveLen(1))
			Expect(fs[0]).To(saying(model.Error, profile.CodeSignature, "Bundle.signature",
				"the signed content (14,173 bytes) is not the content to sign (13,051 bytes: the Bundle canonicalized as http://hl7.org/fhir/canonicalization/json#document)"))
			// The reference: "properties differ at $.entry[1].resource: unexpected property meta".
			Expect(fs[0].Message).To(HaveSuffix("Bundle.entry[1].resource has property meta only in the signed content"))
		})

		It("does not verify a JAdES signature whose critical headers it does not implement", func() {
			fs := signatureFindings(shared("signatures", "sig-bundle.json"))
			Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature", "marks iat, sigD, srCms, version critical")))
		})

		It("reads the bare JWS of bundle-signed-nob64 and finds it carries no certificate", func() {
			fs := signatureFindings(shared("bundle-signed-nob64.json"))
			Expect(fs).To(ConsistOf(
				saying(model.Error, profile.CodeSignature, "Bundle.signature", "bare compact JWS"),
				// The reference warns of the missing signing time too.
				saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the JWS header states no signing time (sigT or iat)"),
				// The reference warns of it too.
				saying(model.Warning, profile.CodeSignature, "Bundle.signature", "no certificate (x5c)"),
				saying(model.Error, profile.CodeSignature, "Bundle.signature", "the signed content (96,752 bytes) is not the content to sign (508 bytes"),
			))
		})
	})
})

// grouped writes n with thousands separators, as the findings do.
func grouped(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
