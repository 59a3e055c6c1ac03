package profile

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	_ "crypto/sha1" // XML-DSig digests and signature methods name SHA-1 too
	_ "crypto/sha256"
	_ "crypto/sha512"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/carecert/carecert/fhir/fhirxml"
)

// The FHIR XML canonicalizations carecert reproduces (the Bundle in FHIR
// XML, then W3C Canonical XML 1.0), and the XML-DSig and XAdES names an
// XML signature on a Bundle uses.
const (
	canonicalXML         = "http://hl7.org/fhir/canonicalization/xml"
	canonicalXMLDocument = canonicalXML + "#document"

	xadesNamespace        = "http://uri.etsi.org/01903/v1.3.2#"
	xadesSignedProperties = "http://uri.etsi.org/01903#SignedProperties"
)

// The XML-DSig algorithms carecert implements, by the URI that names them.
var (
	xmlDigests = map[string]crypto.Hash{
		"http://www.w3.org/2000/09/xmldsig#sha1":        crypto.SHA1,
		"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
		"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
	}
	xmlSignatureMethods = map[string]struct {
		scheme keyScheme
		hash   crypto.Hash
	}{
		dsig.RSASHA1SignatureMethod:     {schemeRSA, crypto.SHA1},
		dsig.RSASHA256SignatureMethod:   {schemeRSA, crypto.SHA256},
		dsig.RSASHA384SignatureMethod:   {schemeRSA, crypto.SHA384},
		dsig.RSASHA512SignatureMethod:   {schemeRSA, crypto.SHA512},
		dsig.ECDSASHA1SignatureMethod:   {schemeECDSA, crypto.SHA1},
		dsig.ECDSASHA256SignatureMethod: {schemeECDSA, crypto.SHA256},
		dsig.ECDSASHA384SignatureMethod: {schemeECDSA, crypto.SHA384},
		dsig.ECDSASHA512SignatureMethod: {schemeECDSA, crypto.SHA512},
	}
)

// xmlCanonicalizer returns the W3C canonicalization an XML-DSig algorithm
// URI names, or nil when carecert does not implement it.
func xmlCanonicalizer(alg string) dsig.Canonicalizer {
	switch dsig.AlgorithmID(alg) {
	case dsig.CanonicalXML10RecAlgorithmId:
		return dsig.MakeC14N10RecCanonicalizer()
	case dsig.CanonicalXML10WithCommentsAlgorithmId:
		return dsig.MakeC14N10WithCommentsCanonicalizer()
	case dsig.CanonicalXML11AlgorithmId:
		return dsig.MakeC14N11Canonicalizer()
	case dsig.CanonicalXML11WithCommentsAlgorithmId:
		return dsig.MakeC14N11WithCommentsCanonicalizer()
	case dsig.CanonicalXML10ExclusiveAlgorithmId:
		return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		return dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList("")
	}
	return nil
}

// canonicalElement canonicalizes one element of a parsed signature as it
// stands in its document: the namespaces it inherits are declared on a
// detached copy first, so inclusive canonicalization renders them and
// exclusive canonicalization can resolve the prefixes it uses.
func canonicalElement(el *etree.Element, c dsig.Canonicalizer) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	return c.Canonicalize(detached)
}

// dsChild is el's first child element in namespace space named tag (nil for
// a nil el or none).
func dsChild(el *etree.Element, space, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == space {
			return c
		}
	}
	return nil
}

// dsChildren are el's child elements in namespace space named tag.
func dsChildren(el *etree.Element, space, tag string) []*etree.Element {
	var out []*etree.Element
	if el == nil {
		return out
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == space {
			out = append(out, c)
		}
	}
	return out
}

// algorithm is an XML-DSig method element's Algorithm ("" for a nil el).
func algorithm(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return el.SelectAttrValue(dsig.AlgorithmAttr, "")
}

// digestValue is a reference's DigestValue, whitespace removed ("" for
// none).
func digestValue(ref *etree.Element) string {
	el := dsChild(ref, dsig.Namespace, dsig.DigestValueTag)
	if el == nil {
		return ""
	}
	return strings.Join(strings.Fields(el.Text()), "")
}

// dsDescend follows a path of child elements, each given as namespace and
// tag in turn.
func dsDescend(el *etree.Element, steps ...string) *etree.Element {
	for i := 0; i+1 < len(steps) && el != nil; i += 2 {
		el = dsChild(el, steps[i], steps[i+1])
	}
	return el
}

// xmlSignature verifies a Bundle.signature whose data is an XML-DSig
// Signature (base64), laid out as the HL7 reference validator and IG
// publisher write one: a first Reference "#" to the Bundle, transformed by
// a FHIR canonicalization and digested; optionally a second Reference to the
// XAdES SignedProperties that carry the signing time; SignedInfo signed by
// the key of the X.509 certificate in KeyInfo. What carecert does not
// implement (other references, transforms or algorithms) is reported as not
// verified, never as the supplier's failure.
func (w *walker) xmlSignature(b, sig map[string]any, data string, r sigReport) {
	raw, err := decodeData(data)
	if err != nil {
		r.fail("Signature.data is not valid base64 (%v): the signature cannot be read", err)
		return
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		if err == nil {
			err = errors.New("no root element")
		}
		r.fail("Signature.data is not well-formed XML (%v): an XML signature is an XML-DSig Signature element", err)
		return
	}
	root := doc.Root()
	if root.Tag != dsig.SignatureTag || root.NamespaceURI() != dsig.Namespace {
		r.fail("the XML in Signature.data is %s, not an XML-DSig Signature (element Signature in namespace %s)", qualifiedName(root), dsig.Namespace)
		return
	}

	signedInfo := dsChild(root, dsig.Namespace, dsig.SignedInfoTag)
	refs := dsChildren(signedInfo, dsig.Namespace, dsig.ReferenceTag)
	switch {
	case signedInfo == nil:
		r.fail("the XML signature has no SignedInfo: there is nothing signed")
		return
	case len(refs) == 0:
		r.fail("the XML signature's SignedInfo has no Reference: XML-DSig signs at least one")
		return
	case dsChild(signedInfo, dsig.Namespace, dsig.CanonicalizationMethodTag) == nil || dsChild(signedInfo, dsig.Namespace, dsig.SignatureMethodTag) == nil:
		r.fail("the XML signature's SignedInfo lacks its CanonicalizationMethod or SignatureMethod: XML-DSig requires both")
		return
	case slices.ContainsFunc(refs, func(ref *etree.Element) bool {
		return dsChild(ref, dsig.Namespace, dsig.DigestMethodTag) == nil || dsChild(ref, dsig.Namespace, dsig.DigestValueTag) == nil
	}):
		r.fail("an XML signature's Reference lacks its DigestMethod or DigestValue: XML-DSig requires both")
		return
	case len(refs) > 2:
		r.unverified("the XML signature's SignedInfo has %d references; carecert understands the Bundle's and the XAdES signed properties'", len(refs))
		return
	}
	if uri := refs[0].SelectAttrValue(dsig.URIAttr, ""); uri != "#" {
		r.unverified("the XML signature's first reference is %q; carecert understands \"#\", the Bundle the signature is on", uri)
		return
	}
	for _, t := range dsChildren(dsChild(refs[0], dsig.Namespace, dsig.TransformsTag), dsig.Namespace, dsig.TransformTag) {
		// A FHIR canonicalization gives canonical XML already, which a W3C
		// canonicalization leaves as it is, and the Bundle's content to sign
		// never holds the signature an enveloped-signature transform takes
		// out; any other transform changes what is digested.
		alg := t.SelectAttrValue(dsig.AlgorithmAttr, "")
		if !strings.HasPrefix(alg, "http://hl7.org/fhir/canonicalization/") && xmlCanonicalizer(alg) == nil && dsig.AlgorithmID(alg) != dsig.EnvelopedSignatureAltorithmId {
			r.unverified("the XML signature's reference transforms the Bundle by %q, which carecert does not implement", alg)
			return
		}
	}
	var xades *etree.Element
	if len(refs) == 2 {
		if typ := refs[1].SelectAttrValue("Type", ""); typ != xadesSignedProperties {
			r.unverified("the XML signature's second reference has type %q; carecert understands %s (XAdES signed properties)", typ, xadesSignedProperties)
			return
		}
		xades = refs[1]
	}

	value := dsChild(root, dsig.Namespace, dsig.SignatureValueTag)
	if value == nil || strings.TrimSpace(value.Text()) == "" {
		r.fail("the XML signature has no SignatureValue: it is not signed")
		return
	}
	sigBytes, err := decodeData(value.Text())
	if err != nil {
		r.fail("the XML signature's SignatureValue is not base64: %v", err)
		return
	}
	signingTime := w.xmlSigningTime(root, sig, r)
	canon, xml := xmlSignatureCanon(b, sig, refs[0], r)

	cert, err := xmlCertificate(root)
	switch {
	case err != nil:
		r.fail("%v", err)
	case cert == nil:
		r.unverified("the XML signature carries no X.509 certificate (KeyInfo/X509Data/X509Certificate)")
	default:
		r.signer(sig, cert)
	}

	if cert != nil {
		w.xmlSignedInfo(signedInfo, cert, sigBytes, r)
	}
	// The digests are checked even when SignedInfo is not verified: a Bundle
	// that is not what the signature says it signed is wrong either way.
	if canon != "" {
		if content, err := xmlSignedContent(b, canon, xml); err != nil {
			r.unverified("the Bundle cannot be written in the canonical form %s (%v)", canon, err)
		} else if !w.xmlDigest(refs[0], content, xml, fmt.Sprintf("the Bundle's content to sign (%s bytes: the Bundle canonicalized as %s)", grouped(len(content)), canon), r) {
			signedBytes(root, content, contentToSign(b, canon), canon, xml, r)
		}
	}
	if xades != nil {
		w.xadesDigest(root, xades, r)
	} else if signingTime != "" {
		r.note("the signing time %s is not signed: the signature has no reference to XAdES signed properties", signingTime)
		signingTime = ""
	}
	if cert != nil {
		r.verified(cert, signingTime)
	}
}

// qualifiedName names an element by namespace and tag, for messages.
func qualifiedName(el *etree.Element) string {
	if ns := el.NamespaceURI(); ns != "" {
		return fmt.Sprintf("element %s in namespace %s", el.Tag, ns)
	}
	return fmt.Sprintf("element %s in no namespace", el.Tag)
}

// xmlSigningTime reads the signing time an XML signature states (XAdES
// SigningTime, or a SigningTime in XML-DSig SignatureProperties) and checks
// it is Signature.when. It returns the time as written ("" when none).
func (w *walker) xmlSigningTime(root *etree.Element, sig map[string]any, r sigReport) string {
	var at *etree.Element
	for _, obj := range dsChildren(root, dsig.Namespace, "Object") {
		at = dsDescend(obj, xadesNamespace, "QualifyingProperties", xadesNamespace, "SignedProperties",
			xadesNamespace, "SignedSignatureProperties", xadesNamespace, "SigningTime")
		if at == nil {
			at = dsDescend(obj, dsig.Namespace, "SignatureProperties", dsig.Namespace, "SignatureProperty")
			if at != nil {
				at = at.SelectElement("SigningTime")
			}
		}
		if at != nil {
			break
		}
	}
	stated := ""
	if at != nil {
		stated = strings.TrimSpace(at.Text())
	}
	r.signingTime(sig, stated, "the XML signature's SigningTime", "the XML signature states no signing time (XAdES SigningTime)")
	return stated
}

// xmlSignatureCanon decides the canonicalization an XML signature signs
// the Bundle in, and whether that is the XML form: the first reference's
// FHIR canonicalization transform (ref is that reference), else targetFormat's canonicalization
// parameter, else (as the reference validator) the base form of the
// targetFormat's syntax, #document for a document Bundle. It returns "" for
// a canonicalization carecert does not reproduce, after saying so.
func xmlSignatureCanon(b, sig map[string]any, ref *etree.Element, r sigReport) (string, bool) {
	targetFormat, _ := sig["targetFormat"].(string)
	media, params := mediaType(targetFormat)
	xml := strings.Contains(media, "xml")
	target := params["canonicalization"]

	stated := ""
	for _, t := range dsChildren(dsChild(ref, dsig.Namespace, dsig.TransformsTag), dsig.Namespace, dsig.TransformTag) {
		if alg := t.SelectAttrValue(dsig.AlgorithmAttr, ""); strings.HasPrefix(alg, "http://hl7.org/fhir/canonicalization/") {
			stated = alg
			break
		}
	}
	canon := stated
	switch {
	case stated != "" && target != "" && stated != target:
		r.warn("the XML signature's reference canonicalizes by %s, but targetFormat names %s: the reference's is used", stated, target)
	case stated == "" && target != "":
		canon = target
	case stated == "":
		canon = canonicalJSON
		if xml {
			canon = canonicalXML
		}
		if typ, _ := b["type"].(string); typ == "document" {
			canon += "#document"
		}
		r.note("neither the XML signature nor targetFormat names a canonicalization: the Bundle is taken as signed in %s", canon)
	}
	switch canon {
	case canonicalXML, canonicalXMLDocument:
		return canon, true
	case canonicalJSON, canonicalDocument:
		return canon, false
	}
	r.unverified("the XML signature's canonicalization %s is not one carecert reproduces (%s, %s, %s, %s)", canon, canonicalXML, canonicalXMLDocument, canonicalJSON, canonicalDocument)
	return "", xml
}

// xmlCertificate reads the signer's certificate from KeyInfo: nil, nil when
// there is none.
func xmlCertificate(root *etree.Element) (*x509.Certificate, error) {
	el := dsDescend(root, dsig.Namespace, dsig.KeyInfoTag, dsig.Namespace, dsig.X509DataTag, dsig.Namespace, dsig.X509CertificateTag)
	if el == nil {
		return nil, nil
	}
	return readCertificate(el.Text(), "the XML signature's X509Certificate")
}

// xmlSignedContent is the Bundle's content to sign in the canonicalization
// a signature names: FHIR XML then Canonical XML 1.0, or the JSON canonical
// form.
func xmlSignedContent(b map[string]any, canon string, xml bool) ([]byte, error) {
	if !xml {
		content, _, err := canonicalBundle(b, canon)
		return content, err
	}
	written, err := fhirxml.Encode(contentToSign(b, canon))
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(written); err != nil {
		return nil, err
	}
	return dsig.MakeC14N10RecCanonicalizer().Canonicalize(doc.Root())
}

// xmlSignedInfo verifies SignatureValue over SignedInfo, canonicalized as
// its CanonicalizationMethod says, with the certificate's key.
func (w *walker) xmlSignedInfo(signedInfo *etree.Element, cert *x509.Certificate, sigBytes []byte, r sigReport) {
	c14n := algorithm(dsChild(signedInfo, dsig.Namespace, dsig.CanonicalizationMethodTag))
	canonicalizer := xmlCanonicalizer(c14n)
	if canonicalizer == nil {
		r.unverified("the XML signature's SignedInfo is canonicalized by %q, which carecert does not implement", c14n)
		return
	}
	method := algorithm(dsChild(signedInfo, dsig.Namespace, dsig.SignatureMethodTag))
	m, ok := xmlSignatureMethods[method]
	if !ok {
		r.unverified("the XML signature's method %q is not one carecert implements (RSA or ECDSA with SHA-1, -256, -384 or -512)", method)
		return
	}
	input, err := canonicalElement(signedInfo, canonicalizer)
	if err != nil {
		r.unverified("the XML signature's SignedInfo cannot be canonicalized (%v)", err)
		return
	}
	if err := verifyWithKey(cert.PublicKey, m.scheme, m.hash, nil, input, sigBytes); err != nil {
		r.fail("the XML signature's SignatureValue does not verify against the certificate in KeyInfo over its SignedInfo (%s %v)", method, err)
	}
}

// xmlDeclaration is the declaration R4's Canonical XML (§2.6.1.3) says to
// include, which Canonical XML itself drops and the HL7 tools leave out.
const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>`

// digestBase64 is the base64 of the digest of parts, one after the other,
// as an XML-DSig DigestValue writes it.
func digestBase64(hash crypto.Hash, parts ...[]byte) string {
	d := hash.New()
	for _, p := range parts {
		d.Write(p)
	}
	return base64.StdEncoding.EncodeToString(d.Sum(nil))
}

// xmlDigest checks a reference's DigestValue against the digest of the
// Bundle's content to sign: in FHIR XML, with or without the XML
// declaration, since R4's wording and the HL7 tools differ on it. It reports
// false when the digest was computed and differs.
func (w *walker) xmlDigest(ref *etree.Element, content []byte, xml bool, what string, r sigReport) bool {
	method := algorithm(dsChild(ref, dsig.Namespace, dsig.DigestMethodTag))
	hash, ok := xmlDigests[method]
	if !ok {
		r.unverified("the XML signature digests by %q, which carecert does not implement (SHA-1, -256, -384, -512)", method)
		return true
	}
	got, want := digestBase64(hash, content), digestValue(ref)
	if got == want || xml && digestBase64(hash, []byte(xmlDeclaration), content) == want {
		return true
	}
	r.fail("%s is not what was signed: its digest is %s, the signature's DigestValue is %s (changed after signing, or canonicalized otherwise)", what, got, want)
	return false
}

// signedBytes explains a digest that differs when the signature carries the
// bytes it signed (a SignedBytes element, which the HL7 tools may write
// beside XML-DSig's own): where they depart from the content to sign, or
// that they are the same bytes and the digest differs for another reason.
func signedBytes(root *etree.Element, content []byte, tree map[string]any, canon string, xml bool, r sigReport) {
	var el *etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "SignedBytes" {
			el = c
			break
		}
	}
	if el == nil {
		return
	}
	signed, err := decodeData(el.Text())
	switch {
	case err != nil:
		r.fail("the XML signature's SignedBytes is not base64 (%v): what was signed cannot be compared with the Bundle", err)
	case bytes.Equal(signed, content):
		r.note("the XML signature's SignedBytes are the content to sign byte for byte: the digest differs for another reason than the content")
	default:
		r.signedMismatch(signed, content, tree, canon, xml)
	}
}

// elementWithID finds the element whose Id attribute is id, walking the
// tree by hand: the id comes from the signature, and an etree path built
// from it could fail to compile (which etree answers with a panic).
func elementWithID(el *etree.Element, id string) *etree.Element {
	if el.SelectAttrValue("Id", "") == id {
		return el
	}
	for _, c := range el.ChildElements() {
		if found := elementWithID(c, id); found != nil {
			return found
		}
	}
	return nil
}

// xadesDigest checks the digest of the XAdES SignedProperties a reference
// names. Without a transform, XML-DSig canonicalizes a same-document
// reference by Canonical XML 1.0; the HL7 tools digest it in exclusive
// canonical form, so either is accepted.
func (w *walker) xadesDigest(root, ref *etree.Element, r sigReport) {
	uri := ref.SelectAttrValue(dsig.URIAttr, "")
	var props *etree.Element
	if id, ok := strings.CutPrefix(uri, "#"); ok && id != "" {
		props = elementWithID(root, id)
	}
	if props == nil {
		r.fail("the XML signature's reference %q names no element of the signature: its signed properties cannot be found", uri)
		return
	}
	forms := []dsig.Canonicalizer{dsig.MakeC14N10RecCanonicalizer(), dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")}
	for _, t := range dsChildren(dsChild(ref, dsig.Namespace, dsig.TransformsTag), dsig.Namespace, dsig.TransformTag) {
		alg := t.SelectAttrValue(dsig.AlgorithmAttr, "")
		c := xmlCanonicalizer(alg)
		if c == nil {
			r.unverified("the XML signature's signed properties are transformed by %q, which carecert does not implement", alg)
			return
		}
		forms = []dsig.Canonicalizer{c}
	}
	method := algorithm(dsChild(ref, dsig.Namespace, dsig.DigestMethodTag))
	hash, ok := xmlDigests[method]
	if !ok {
		r.unverified("the XML signature digests its signed properties by %q, which carecert does not implement (SHA-1, -256, -384, -512)", method)
		return
	}
	want := digestValue(ref)
	for _, c := range forms {
		content, err := canonicalElement(props, c)
		if err != nil {
			r.unverified("the XML signature's signed properties cannot be canonicalized (%v)", err)
			return
		}
		if digestBase64(hash, content) == want {
			return
		}
	}
	r.fail("the XML signature's signed properties (XAdES: the signing time, the signer) are not what was signed: their digest is not the reference's DigestValue")
}
