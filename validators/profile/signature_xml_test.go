package profile_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// The XML canonical forms of signedDoc (signature_test.go), written out by
// hand and checked with another implementation of Canonical XML (Python's
// xml.etree canonicalize): FHIR XML, elements in their definition's order,
// no whitespace, then Canonical XML 1.0 (empty elements closed with an end
// tag, "<" escaped in attribute values and ">" not).
const (
	xmlIdentifier = `<identifier><system value="urn:ietf:rfc:3986"></system><value value="urn:uuid:0c3e3f7a-7d55-4b7e-9d1e-2f1b8a6c4d01"></value></identifier><type value="document"></type><timestamp value="2025-03-01T10:00:00Z"></timestamp>`
	xmlEntries    = `<entry><fullUrl value="urn:uuid:6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10"></fullUrl><resource><Composition><id value="6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10"></id><status value="final"></status><type><coding><system value="http://loinc.org"></system><code value="11503-0"></code></coding></type><subject><reference value="urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"></reference></subject><date value="2025-03-01T10:00:00Z"></date><author><display value="Dr Ada Signer"></display></author><title value="Temperature &lt;check> &amp; review"></title></Composition></resource></entry>` +
		`<entry><fullUrl value="urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"></fullUrl><resource><Patient><id value="2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"></id><text><status value="generated"></status><div xmlns="http://www.w3.org/1999/xhtml">Zoë Smith</div></text><name><family value="Smith"></family><given value="Zoë"></given></name><birthDate value="1980-02-03"></birthDate></Patient></resource></entry>` +
		`<entry><fullUrl value="urn:uuid:9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20"></fullUrl><resource><Observation><id value="9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20"></id><status value="final"></status><code><coding><system value="http://loinc.org"></system><code value="8310-5"></code></coding></code><subject><reference value="urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"></reference></subject><valueQuantity><value value="37.50"></value><unit value="Cel"></unit><system value="http://unitsofmeasure.org"></system><code value="Cel"></code></valueQuantity></Observation></resource></entry>`
	// xmlDocument is xml#document: no Bundle.id, meta or signature.
	xmlDocument = `<Bundle xmlns="http://hl7.org/fhir">` + xmlIdentifier + xmlEntries + `</Bundle>`
	// xmlBase is plain xml: the Bundle without its signature only.
	xmlBase = `<Bundle xmlns="http://hl7.org/fhir"><id value="doc-1"></id><meta><versionId value="3"></versionId><lastUpdated value="2025-03-01T10:05:00Z"></lastUpdated></meta>` + xmlIdentifier + xmlEntries + `</Bundle>`

	xmlDocumentFormat    = "application/fhir+xml;canonicalization=http://hl7.org/fhir/canonicalization/xml#document"
	canonXMLDocument     = "http://hl7.org/fhir/canonicalization/xml#document"
	signatureXML         = "application/signature+xml"
	canonicalDocumentURI = "http://hl7.org/fhir/canonicalization/json#document"

	c14n10    = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	excC14n   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	sha256URI = "http://www.w3.org/2001/04/xmlenc#sha256"
	rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	ecSHA256  = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
)

// signedXMLDoc is signedDoc written in XML as a supplier might send it:
// indented, with a comment, an empty-element form, character references and
// its signature inside (%s: targetFormat, sigFormat, data).
const signedXMLDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <id value="doc-1"/>
  <meta>
    <versionId value="3"/>
    <lastUpdated value="2025-03-01T10:05:00Z"/>
  </meta>
  <identifier>
    <system value="urn:ietf:rfc:3986"/>
    <value value="urn:uuid:0c3e3f7a-7d55-4b7e-9d1e-2f1b8a6c4d01"/>
  </identifier>
  <type value="document"/>
  <timestamp value="2025-03-01T10:00:00Z"/>
  <!-- the comment is not signed content -->
  <entry>
    <fullUrl value="urn:uuid:6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10"/>
    <resource>
      <Composition>
        <id value="6f0b6c1e-2a43-4c55-8e3b-5d9a1f7e2b10"/>
        <status value="final"/>
        <type>
          <coding>
            <system value="http://loinc.org"/>
            <code value="11503-0"/>
          </coding>
        </type>
        <subject>
          <reference value="urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"/>
        </subject>
        <date value="2025-03-01T10:00:00Z"/>
        <author>
          <display value="Dr Ada Signer"/>
        </author>
        <title value="Temperature &lt;check&gt; &amp; review"/>
      </Composition>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"/>
    <resource>
      <Patient>
        <id value="2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"/>
        <text>
          <status value="generated"/>
          <div xmlns="http://www.w3.org/1999/xhtml">Zo&#235; Smith</div>
        </text>
        <name>
          <family value="Smith"/>
          <given value="Zo&#xEB;"/>
        </name>
        <birthDate value="1980-02-03"/>
      </Patient>
    </resource>
  </entry>
  <entry>
    <fullUrl value="urn:uuid:9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20"/>
    <resource>
      <Observation>
        <id value="9a1c3e5b-7d2f-4a6c-8e1b-3f5d7a9c1e20"/>
        <status value="final"/>
        <code>
          <coding>
            <system value="http://loinc.org"/>
            <code value="8310-5"/>
          </coding>
        </code>
        <subject>
          <reference value="urn:uuid:2b7d9e4c-8f1a-4e6b-a3c5-7d1e9f2b4a60"/>
        </subject>
        <valueQuantity>
          <value value="37.50"/>
          <unit value="Cel"/>
          <system value="http://unitsofmeasure.org"/>
          <code value="Cel"/>
        </valueQuantity>
      </Observation>
    </resource>
  </entry>
  <signature>
    <type>
      <system value="urn:iso-astm:E1762-95:2013"/>
      <code value="1.2.840.10065.1.12.1.1"/>
    </type>
    <when value="2025-03-01T10:01:00Z"/>
    <who>
      <identifier>
        <value value="CN=Dr Ada Signer,O=Example Practice"/>
      </identifier>
      <display value="Dr Ada Signer"/>
    </who>
    <targetFormat value="%s"/>
    <sigFormat value="%s"/>
    <data value="%s"/>
  </signature>
</Bundle>
`

// xmlDSig is an XML-DSig Signature over a Bundle as the HL7 tools lay one
// out: a Reference "#" to the Bundle transformed by a FHIR canonicalization,
// and, with a signing time, a Reference to XAdES SignedProperties. Each
// field can be spoiled to make one member of the family.
type xmlDSig struct {
	key     signer
	cert    []byte // KeyInfo's certificate; nil leaves KeyInfo out
	method  string // SignatureMethod
	c14n    string // SignedInfo's CanonicalizationMethod
	canon   string // the Bundle reference's FHIR canonicalization transform ("" none)
	content string // the canonical Bundle the signer digests
	digest  string // DigestMethod of both references
	uri     string // the Bundle reference's URI
	time    string // XAdES SigningTime ("" leaves the signed properties out)
	// propsTime, when set, is the SigningTime written in the signature after
	// the signed properties were digested.
	propsTime string
	// extraTransforms are transforms added to the Bundle's reference.
	extraTransforms string
	// extraRefs are references added to SignedInfo as they are.
	extraRefs string
	// propsType replaces the type of the signed properties' reference.
	propsType string
	// tamper changes SignedInfo after it was signed.
	tamper func(signedInfo string) string
	// propsURI, when set, replaces the signed properties' reference URI.
	propsURI string
	// propsTransform, when set, is the transform the signed properties'
	// reference names.
	propsTransform string
	// propsInherit writes the signed properties without their own namespace
	// declaration, inheriting the prefix from QualifyingProperties.
	propsInherit bool
	// signedBytes, when set, is written as the text of a SignedBytes element
	// (the bytes signed, base64, as the HL7 tools may add them).
	signedBytes string
}

func (s xmlDSig) with(edit func(*xmlDSig)) xmlDSig {
	edit(&s)
	return s
}

func digestB64(content string) string {
	d := sha256.Sum256([]byte(content))
	return base64.StdEncoding.EncodeToString(d[:])
}

// signedProperties is the XAdES SignedProperties in exclusive canonical
// form, as it is digested.
func signedProperties(at string) string {
	return `<xades:SignedProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Id="props"><xades:SignedSignatureProperties><xades:SigningTime>` + at + `</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties>`
}

// build writes the Signature element. SignedInfo is written in canonical
// form (Canonical XML 1.0 of it in place), so its bytes are what is signed.
func (s xmlDSig) build() string {
	transforms := ""
	if s.canon != "" || s.extraTransforms != "" {
		transforms = `<Transforms>`
		if s.canon != "" {
			transforms += `<Transform Algorithm="` + s.canon + `"></Transform>`
		}
		transforms += s.extraTransforms + `</Transforms>`
	}
	info := `<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><CanonicalizationMethod Algorithm="` + s.c14n + `"></CanonicalizationMethod><SignatureMethod Algorithm="` + s.method + `"></SignatureMethod>` +
		`<Reference URI="` + s.uri + `">` + transforms + `<DigestMethod Algorithm="` + s.digest + `"></DigestMethod><DigestValue>` + digestB64(s.content) + `</DigestValue></Reference>`
	if s.time != "" {
		typ := "http://uri.etsi.org/01903#SignedProperties"
		if s.propsType != "" {
			typ = s.propsType
		}
		propsTransforms := ""
		if s.propsTransform != "" {
			propsTransforms = `<Transforms><Transform Algorithm="` + s.propsTransform + `"></Transform></Transforms>`
		}
		uri := "#props"
		if s.propsURI != "" {
			uri = s.propsURI
		}
		info += `<Reference Type="` + typ + `" URI="` + uri + `">` + propsTransforms + `<DigestMethod Algorithm="` + s.digest + `"></DigestMethod><DigestValue>` + digestB64(signedProperties(s.time)) + `</DigestValue></Reference>`
	}
	info += s.extraRefs + `</SignedInfo>`
	value := s.signValue(info)
	if s.tamper != nil {
		info = s.tamper(info)
	}
	out := "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\n  " + info + "\n  <SignatureValue>" + value + "</SignatureValue>\n"
	if s.cert != nil {
		out += "  <KeyInfo>\n    <X509Data>\n      <X509Certificate>" + base64.StdEncoding.EncodeToString(s.cert) + "</X509Certificate>\n    </X509Data>\n  </KeyInfo>\n"
	}
	if s.signedBytes != "" {
		out += "  <SignedBytes>" + s.signedBytes + "</SignedBytes>\n"
	}
	if s.time != "" {
		at := s.time
		if s.propsTime != "" {
			at = s.propsTime
		}
		props := signedProperties(at)
		if s.propsInherit {
			props = strings.Replace(props, ` xmlns:xades="http://uri.etsi.org/01903/v1.3.2#"`, "", 1)
		}
		out += "  <Object>\n    <xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Target=\"#sig\">" + props + "</xades:QualifyingProperties>\n  </Object>\n"
	}
	return out + "</Signature>"
}

// signValue signs SignedInfo's bytes as the signature method says.
func (s xmlDSig) signValue(info string) string {
	digest := sha256.Sum256([]byte(info))
	switch key := s.key.key.(type) {
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
		Expect(err).NotTo(HaveOccurred())
		return base64.StdEncoding.EncodeToString(sig)
	case *ecdsa.PrivateKey:
		r, ss, err := ecdsa.Sign(rand.Reader, key, digest[:])
		Expect(err).NotTo(HaveOccurred())
		return base64.StdEncoding.EncodeToString(append(r.FillBytes(make([]byte, 32)), ss.FillBytes(make([]byte, 32))...))
	}
	Fail(fmt.Sprintf("no XML signing with a %T", s.key.key))
	return ""
}

func (s xmlDSig) data() string { return base64Std(s.build()) }

// xmlSignatureFindings validates a Bundle written in XML and keeps the
// signature findings.
func xmlSignatureFindings(src string) []model.Finding {
	return signatureOnly(validateXML(newEngine(), src))
}

var _ = Describe("Bundle.signature in XML-DSig (XAdES)", Ordered, func() {
	var rsaKey, ecKey, otherKey signer
	var valid xmlDSig
	BeforeAll(func() {
		rsaKey, ecKey, otherKey = rsaSigner(), ecSigner(), rsaSigner()
		valid = xmlDSig{key: rsaKey, cert: rsaKey.der, method: rsaSHA256, c14n: c14n10, canon: canonXMLDocument,
			content: xmlDocument, digest: sha256URI, uri: "#", time: "2025-03-01T10:01:00Z"}
	})
	// jsonBundle is signedDoc (JSON) carrying the signature.
	jsonBundle := func(s xmlDSig, sigFormat string) string {
		return withSignature(xmlDocumentFormat, sigFormat, s.data(), nil)
	}
	// xmlBundle is the same Bundle written in XML carrying the signature.
	xmlBundle := func(s xmlDSig, sigFormat string) string {
		return fmt.Sprintf(signedXMLDoc, xmlDocumentFormat, sigFormat, s.data())
	}

	DescribeTable("verifies a Bundle signed over its FHIR XML canonical form, whether it arrives in JSON or XML",
		func(edit func(*xmlDSig), sigFormat string) {
			s := valid.with(edit)
			Expect(signatureFindings(jsonBundle(s, sigFormat))).To(BeEmpty())
			Expect(xmlSignatureFindings(xmlBundle(s, sigFormat))).To(BeEmpty())
		},
		Entry("RSA SHA-256 with XAdES signed properties", func(*xmlDSig) {}, signatureXML),
		Entry("the sigFormat the HL7 tools write for it", func(*xmlDSig) {}, "application/pkcs7-signature"),
		Entry("ECDSA P-256", func(s *xmlDSig) { s.key, s.cert, s.method = ecKey, ecKey.der, ecSHA256 }, signatureXML),
		Entry("exclusive canonicalization of SignedInfo", func(s *xmlDSig) { s.c14n = excC14n }, signatureXML),
		Entry("signed properties inheriting their namespace prefix", func(s *xmlDSig) { s.propsInherit = true }, signatureXML),
		Entry("signed properties with their exclusive canonicalization named", func(s *xmlDSig) { s.propsInherit, s.propsTransform = true, excC14n }, signatureXML),
		Entry("W3C canonicalization and enveloped-signature transforms after the FHIR one, which change nothing", func(s *xmlDSig) {
			s.extraTransforms = `<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></Transform><Transform Algorithm="` + c14n10 + `"></Transform>`
		}, signatureXML),
		Entry("the signing time written in another zone", func(s *xmlDSig) { s.time = "2025-03-01T11:01:00+01:00" }, signatureXML),
		Entry("the content digested with the XML declaration, as R4 §2.6.1.3 words it",
			func(s *xmlDSig) { s.content = `<?xml version="1.0" encoding="UTF-8"?>` + xmlDocument }, signatureXML),
	)

	It("says who a signature that verifies was signed by, and when only if the signature covers its time", func() {
		Expect(allSignatureFindings(jsonBundle(valid, signatureXML))).To(ConsistOf(verifiedNote("2025-03-01T10:01:00Z")))
		noProps := valid.with(func(s *xmlDSig) { s.time = "" })
		withTime := strings.Replace(noProps.build(), "</Signature>",
			"<Object><SignatureProperties><SignatureProperty><SigningTime>2025-03-01T10:01:00Z</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>", 1)
		Expect(allSignatureFindings(withSignature(xmlDocumentFormat, signatureXML, base64Std(withTime), nil))).To(ConsistOf(
			saying(model.Information, profile.CodeSignature, "Bundle.signature", "the signing time 2025-03-01T10:01:00Z is not signed: the signature has no reference to XAdES signed properties"),
			verifiedNote("")))
		b := decoded(jsonBundle(valid, signatureXML))
		b["signature"].(map[string]any)["who"] = map[string]any{"identifier": map[string]any{"value": "CN=Dr Bob Other"}}
		Expect(allSignatureFindings(encoded(b))).To(ContainElement(saying(model.Information, profile.CodeSignature, "Bundle.signature",
			`Signature.who.identifier "CN=Dr Bob Other" is none of the signing certificate's names`)))
	})

	It("finds content changed after signing in a Bundle that arrived in XML, as in JSON", func() {
		changed := strings.Replace(xmlBundle(valid, signatureXML), `<family value="Smith"/>`, `<family value="Smithers"/>`, 1)
		Expect(xmlSignatureFindings(changed)).To(ConsistOf(saying(model.Error, profile.CodeSignature, "Bundle.signature",
			"the Bundle's content to sign ("+grouped(len(xmlDocument)+3)+" bytes: the Bundle canonicalized as "+canonXMLDocument+") is not what was signed")))
		noTime := xmlBundle(valid.with(func(s *xmlDSig) { s.time = "" }), signatureXML)
		Expect(xmlSignatureFindings(noTime)).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature", "states no signing time")))
	})

	It("signs id and meta too under the base xml canonicalization, and not under #document", func() {
		base := valid.with(func(s *xmlDSig) { s.canon, s.content = "http://hl7.org/fhir/canonicalization/xml", xmlBase })
		Expect(signatureFindings(withSignature("application/fhir+xml", signatureXML, base.data(), nil))).To(BeEmpty())
		moved := func(b map[string]any) { b["id"] = "copied-elsewhere" }
		Expect(signatureFindings(withSignature(xmlDocumentFormat, signatureXML, valid.data(), moved))).To(BeEmpty())
		Expect(signatureFindings(withSignature("application/fhir+xml", signatureXML, base.data(), moved))).To(ConsistOf(
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "the Bundle's content to sign ("+grouped(len(xmlBase)+len("copied-elsewhere")-len("doc-1"))+" bytes: the Bundle canonicalized as http://hl7.org/fhir/canonicalization/xml) is not what was signed")))
	})

	It("verifies an XML-DSig over the Bundle's JSON canonical form when its transform says so", func() {
		s := valid.with(func(s *xmlDSig) { s.canon, s.content = canonicalDocumentURI, canonDocument })
		Expect(signatureFindings(withSignature(documentFormat, signatureXML, s.data(), nil))).To(BeEmpty())
	})

	It("takes the canonicalization from targetFormat when the reference names none, and a document's #document form by default", func() {
		s := valid.with(func(s *xmlDSig) { s.canon = "" })
		Expect(signatureFindings(withSignature(xmlDocumentFormat, signatureXML, s.data(), nil))).To(BeEmpty())
		Expect(signatureFindings(withSignature("application/fhir+xml", signatureXML, s.data(), nil))).To(BeEmpty(), "a document Bundle: #document")
	})

	DescribeTable("reports the supplier's failures as errors",
		func(s func() xmlDSig, edit func(b map[string]any), says string) {
			fs := signatureFindings(withSignature(xmlDocumentFormat, signatureXML, s().data(), edit))
			Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeSignature, "Bundle.signature", says)))
		},
		Entry("content changed after signing", func() xmlDSig { return valid },
			func(b map[string]any) { entryResource(b, 1)["name"].([]any)[0].(map[string]any)["family"] = "Smithers" },
			"the Bundle's content to sign ("+grouped(len(xmlDocument)+3)+" bytes: the Bundle canonicalized as "+canonXMLDocument+") is not what was signed"),
		Entry("a digest of other content", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.content = xmlBase }) }, nil,
			"is not what was signed: its digest is "+digestB64(xmlDocument)),
		Entry("SignedInfo changed after signing", func() xmlDSig {
			return valid.with(func(s *xmlDSig) {
				s.tamper = func(info string) string {
					return strings.Replace(info, rsaSHA256, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", 1)
				}
			})
		}, nil, "SignatureValue does not verify against the certificate in KeyInfo over its SignedInfo (http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"),
		Entry("signed with another key than the certificate's", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.key = otherKey }) }, nil,
			"SignatureValue does not verify against the certificate in KeyInfo"),
		Entry("an RSA method with an ECDSA certificate", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.cert = ecKey.der }) }, nil,
			"needs an RSA key, the certificate has an ECDSA key on P-256"),
		Entry("a certificate that is not DER", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.cert = []byte("not a certificate") }) }, nil,
			"the XML signature's X509Certificate cannot be read"),
		Entry("a signing time that is not Signature.when", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.time = "2025-03-01T10:31:00Z" }) }, nil,
			"the XML signature's SigningTime 2025-03-01T10:31:00Z is not Signature.when 2025-03-01T10:01:00Z"),
		Entry("a signing time that is not a date-time", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.time = "yesterday" }) }, nil,
			`the XML signature's SigningTime "yesterday" is not a date-time`),
		Entry("a signed-properties reference naming nothing, with a quote in it", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.propsURI = "#it's" })
		}, nil, `the XML signature's reference "#it's" names no element of the signature`),
		Entry("signed properties changed after signing", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.time, s.propsTime = "2025-02-01T10:01:00Z", "2025-03-01T10:01:00Z" })
		}, nil, "the XML signature's signed properties (XAdES: the signing time, the signer) are not what was signed"),
	)

	Describe("the signed bytes a signature carries", func() {
		withInfo := allSignatureFindings
		digestDiffers := saying(model.Error, profile.CodeSignature, "Bundle.signature", "is not what was signed")
		renamed := func(b map[string]any) { entryResource(b, 1)["name"].([]any)[0].(map[string]any)["family"] = "Smithers" }
		// indented is xmlDocument with whitespace between its elements: the
		// same FHIR content, other bytes.
		indented := strings.ReplaceAll(xmlDocument, "><entry>", ">\n  <entry>")

		DescribeTable("say where the Bundle departs from what was signed",
			func(edit func(*xmlDSig), bundle func(b map[string]any), says string) {
				fs := withInfo(withSignature(xmlDocumentFormat, signatureXML, valid.with(edit).data(), bundle))
				Expect(fs).To(ConsistOf(digestDiffers, saying(model.Error, profile.CodeSignature, "Bundle.signature", says)))
			},
			Entry("content changed after signing", func(s *xmlDSig) { s.signedBytes = base64Std(xmlDocument) }, renamed,
				"the signed content ("+grouped(len(xmlDocument))+" bytes) is not the content to sign ("+grouped(len(xmlDocument)+3)+" bytes: the Bundle canonicalized as "+canonXMLDocument+"): Bundle.entry[1].resource.name[0].family has another value in the signed content"),
			Entry("the same content written in other bytes", func(s *xmlDSig) { s.content, s.signedBytes = indented, base64Std(indented) }, nil,
				"the signed content ("+grouped(len(indented))+" bytes) is not the content to sign ("+grouped(len(xmlDocument))+" bytes: the Bundle canonicalized as "+canonXMLDocument+"): the same content written differently"),
			Entry("signed bytes that are not FHIR XML", func(s *xmlDSig) { s.signedBytes = base64Std("<html/>") }, renamed,
				"the signed content (7 bytes) is not the content to sign ("+grouped(len(xmlDocument)+3)+" bytes: the Bundle canonicalized as "+canonXMLDocument+"): the signed content is not FHIR XML"),
			Entry("signed bytes that are not base64", func(s *xmlDSig) { s.signedBytes = "%%%" }, renamed,
				"the XML signature's SignedBytes is not base64"),
		)

		It("say when the Bundle is what was signed and the digest differs for another reason", func() {
			s := valid.with(func(s *xmlDSig) { s.content, s.signedBytes = xmlBase, base64Std(xmlDocument) })
			Expect(withInfo(withSignature(xmlDocumentFormat, signatureXML, s.data(), nil))).To(ConsistOf(digestDiffers,
				saying(model.Information, profile.CodeSignature, "Bundle.signature", "SignedBytes are the content to sign byte for byte")))
		})

		It("are not read when the digest holds", func() {
			s := valid.with(func(s *xmlDSig) { s.signedBytes = "%%%" })
			Expect(withInfo(withSignature(xmlDocumentFormat, signatureXML, s.data(), nil))).To(ConsistOf(verifiedNote("2025-03-01T10:01:00Z")))
		})
	})

	It("does not verify a signature without a certificate, and still checks what it can", func() {
		fs := signatureFindings(withSignature(xmlDocumentFormat, signatureXML, valid.with(func(s *xmlDSig) { s.cert = nil }).data(), nil))
		Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature", "carries no X.509 certificate (KeyInfo/X509Data/X509Certificate), so the signature was not verified")))
		changed := withSignature(xmlDocumentFormat, signatureXML, valid.with(func(s *xmlDSig) { s.cert = nil }).data(), func(b map[string]any) { b["timestamp"] = "2025-03-02T10:00:00Z" })
		Expect(signatureFindings(changed)).To(ConsistOf(
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "carries no X.509 certificate"),
			saying(model.Error, profile.CodeSignature, "Bundle.signature", "is not what was signed")))
	})

	It("warns that a signature stating no signing time cannot be checked against when", func() {
		fs := signatureFindings(withSignature(xmlDocumentFormat, signatureXML, valid.with(func(s *xmlDSig) { s.time = "" }).data(), nil))
		Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature", "states no signing time (XAdES SigningTime), so Signature.when cannot be checked against it")))
	})

	DescribeTable("reports references, data and structure that are not an XML signature as errors",
		func(data, says string) {
			Expect(signatureFindings(withSignature(xmlDocumentFormat, signatureXML, data, nil))).To(ConsistOf(
				saying(model.Error, profile.CodeSignature, "Bundle.signature", says)))
		},
		Entry("not base64", "%%% not base64 %%%", "Signature.data is not valid base64"),
		Entry("a JWS under an XML sigFormat", base64Std("eyJhbGciOiJFUzI1NiJ9.e30.c2ln"), "Signature.data is not well-formed XML"),
		Entry("XML that is not a Signature", base64Std(`<Signature xmlns="urn:example">x</Signature>`), "the XML in Signature.data is element Signature in namespace urn:example, not an XML-DSig Signature"),
		Entry("no reference", base64Std(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo></SignedInfo><SignatureValue>AA==</SignatureValue><Object><SignatureProperties><SignatureProperty><SigningTime>2025-03-01T10:01:00Z</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>`),
			"SignedInfo has no Reference"),
		Entry("a SignedInfo without its methods", base64Std(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><Reference URI="#"><DigestMethod Algorithm="`+sha256URI+`"></DigestMethod><DigestValue>AA==</DigestValue></Reference></SignedInfo><SignatureValue>AA==</SignatureValue></Signature>`),
			"SignedInfo lacks its CanonicalizationMethod or SignatureMethod"),
		Entry("a Reference without its digest", base64Std(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="`+c14n10+`"></CanonicalizationMethod><SignatureMethod Algorithm="`+rsaSHA256+`"></SignatureMethod><Reference URI="#"></Reference></SignedInfo><SignatureValue>AA==</SignatureValue></Signature>`),
			"Reference lacks its DigestMethod or DigestValue"),
		Entry("no SignatureValue", base64Std(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="`+c14n10+`"></CanonicalizationMethod><SignatureMethod Algorithm="`+rsaSHA256+`"></SignatureMethod><Reference URI="#"><DigestMethod Algorithm="`+sha256URI+`"></DigestMethod><DigestValue>AA==</DigestValue></Reference></SignedInfo><Object><SignatureProperties><SignatureProperty><SigningTime>2025-03-01T10:01:00Z</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>`),
			"has no SignatureValue"),
	)

	DescribeTable("warns that a signature it does not understand was not verified, without an error",
		func(s func() xmlDSig, targetFormat, says string) {
			fs := signatureFindings(withSignature(targetFormat, signatureXML, s().data(), nil))
			Expect(fs).To(ContainElement(saying(model.Warning, profile.CodeSignature, "Bundle.signature", says)))
			for _, f := range fs {
				Expect(f.Severity).To(Equal(model.Warning))
				Expect(f.Message).To(HaveSuffix("so the signature was not verified"))
			}
		},
		Entry("three references", func() xmlDSig {
			return valid.with(func(s *xmlDSig) {
				s.extraRefs = `<Reference URI="#other"><DigestMethod Algorithm="` + sha256URI + `"></DigestMethod><DigestValue>AA==</DigestValue></Reference>`
			})
		}, xmlDocumentFormat, "SignedInfo has 3 references"),
		Entry("a first reference other than the Bundle", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.uri = "#bundle-1" }) }, xmlDocumentFormat,
			`the XML signature's first reference is "#bundle-1"`),
		Entry("a second reference of another type", func() xmlDSig { return valid.with(func(s *xmlDSig) { s.propsType = "urn:example:props" }) }, xmlDocumentFormat,
			`second reference has type "urn:example:props"`),
		Entry("a FHIR canonicalization carecert does not reproduce", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.canon = "http://hl7.org/fhir/canonicalization/xml#static" })
		}, "application/fhir+xml", "canonicalization http://hl7.org/fhir/canonicalization/xml#static is not one carecert reproduces"),
		Entry("a transform of the Bundle carecert does not implement", func() xmlDSig {
			return valid.with(func(s *xmlDSig) {
				s.extraTransforms = `<Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"></Transform>`
			})
		}, xmlDocumentFormat, `reference transforms the Bundle by "http://www.w3.org/TR/1999/REC-xslt-19991116", which carecert does not implement`),
		Entry("signed properties transformed as carecert does not implement", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.propsTransform = "http://www.w3.org/TR/1999/REC-xpath-19991116" })
		}, xmlDocumentFormat, `signed properties are transformed by "http://www.w3.org/TR/1999/REC-xpath-19991116", which carecert does not implement`),
		Entry("a signature method carecert does not implement", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.method = "http://www.w3.org/2000/09/xmldsig#dsa-sha1" })
		}, xmlDocumentFormat, `method "http://www.w3.org/2000/09/xmldsig#dsa-sha1" is not one carecert implements`),
		Entry("a SignedInfo canonicalization carecert does not implement", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.c14n = "http://www.w3.org/2006/12/xml-c14n2" })
		}, xmlDocumentFormat, `SignedInfo is canonicalized by "http://www.w3.org/2006/12/xml-c14n2", which carecert does not implement`),
		Entry("a digest carecert does not implement", func() xmlDSig {
			return valid.with(func(s *xmlDSig) { s.digest = "http://www.w3.org/2007/05/xmldsig-more#sha3-256" })
		}, xmlDocumentFormat, `digests by "http://www.w3.org/2007/05/xmldsig-more#sha3-256", which carecert does not implement`),
	)

	It("checks data that is plainly XML as an XML signature when sigFormat is missing, after a warning", func() {
		Expect(allSignatureFindings(jsonBundle(valid, ""))).To(ConsistOf(
			saying(model.Warning, profile.CodeSignature, "Bundle.signature", "the signature has no sigFormat; its data is XML and is checked as application/signature+xml"),
			verifiedNote("2025-03-01T10:01:00Z")))
	})

	It("warns that PKCS#7 data that is not XML was not verified", func() {
		fs := signatureFindings(withSignature(xmlDocumentFormat, "application/pkcs7-signature", base64.StdEncoding.EncodeToString([]byte{0x30, 0x82, 0x01, 0x00}), nil))
		Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature", "its data is not XML: carecert verifies application/jose (JWS) and application/signature+xml (XML-DSig) signatures, not PKCS#7 (CMS), so the signature was not verified")))
	})

	It("says when the reference and targetFormat name different canonicalizations, and uses the reference's", func() {
		fs := signatureFindings(withSignature("application/fhir+xml;canonicalization=http://hl7.org/fhir/canonicalization/xml", signatureXML, valid.data(), nil))
		Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeSignature, "Bundle.signature",
			"the XML signature's reference canonicalizes by "+canonXMLDocument+", but targetFormat names http://hl7.org/fhir/canonicalization/xml")))
	})
})
