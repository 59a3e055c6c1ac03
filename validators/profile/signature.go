package profile

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "crypto/sha256" // JWS algorithms hash with SHA-256, -384 and -512
	_ "crypto/sha512"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
)

// CodeSignature is a Bundle.signature that does not hold: data that cannot
// be read as a JWS, a signature that does not verify against the certificate
// it carries, or signed content that is not the Bundle's content to sign. A
// signature carecert cannot check (another format, canonicalization or
// algorithm) is a warning with this code saying it was not verified.
const CodeSignature = "profile.signature"

// The FHIR JSON canonicalizations carecert can reproduce: the resource
// alone, and a document Bundle without its id and meta (which change as the
// document moves between servers).
const (
	canonicalJSON     = "http://hl7.org/fhir/canonicalization/json"
	canonicalDocument = canonicalJSON + "#document"
)

// errUnsupportedAlg is a JWS algorithm a certificate cannot verify or that
// carecert does not implement: the signature is reported as not verified.
var errUnsupportedAlg = errors.New("unsupported algorithm")

// jwsHeader is the part of a JWS protected header verification reads.
type jwsHeader struct {
	Alg  string   `json:"alg"`
	X5c  []string `json:"x5c"`
	B64  *bool    `json:"b64"`
	Crit []string `json:"crit"`
	// SigT is the JAdES signing time (a date-time); Iat the JWT issue time
	// (seconds since 1970). Either may arrive as a number or a string.
	SigT any `json:"sigT"`
	Iat  any `json:"iat"`
}

// signedAt is the signing time a JWS header states, as a date-time ("" for
// none), and what states it. A sigT given in seconds, as iat is, is read so
// after a warning.
func (h jwsHeader) signedAt(r sigReport) (string, string) {
	seconds := func(v any) (string, bool) {
		var n float64
		switch v := v.(type) {
		case float64:
			n = v
		case string:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return "", false
			}
			n = f
		default:
			return "", false
		}
		return time.Unix(int64(n), 0).UTC().Format(time.RFC3339), true
	}
	if h.SigT != nil {
		if at, ok := seconds(h.SigT); ok {
			written := fmt.Sprint(h.SigT)
			if n, isNumber := h.SigT.(float64); isNumber {
				written = strconv.FormatFloat(n, 'f', -1, 64)
			}
			r.warn("the JWS header's sigT %s is seconds since 1970; JAdES writes the signing time as a date-time", written)
			return at, "the JWS header's sigT, read as seconds since 1970,"
		}
		at, _ := h.SigT.(string)
		return at, "the JWS header's sigT"
	}
	if at, ok := seconds(h.Iat); ok {
		return at, "the JWS header's iat, as a date-time,"
	}
	return "", ""
}

// understoodHeader reports whether carecert honours a header parameter a
// JWS marks critical: b64 (RFC 7797) is the one extension it implements; the
// parameters RFC 7515 defines may not be named in crit (§4.1.11), but are
// understood anyway.
func understoodHeader(name string) bool {
	switch name {
	case "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "b64":
		return true
	}
	return false
}

// sigReport reports what one Bundle.signature check finds, at
// Bundle.signature: fail is the supplier's error; unverified is a signature
// carecert cannot check (a format, canonicalization or algorithm it does not
// implement), which is a warning saying so and never a failure.
type sigReport struct {
	w    *walker
	path string
	// spoiled is set once the signature fails or cannot be verified.
	spoiled *bool
}

func (r sigReport) fail(format string, args ...any) {
	*r.spoiled = true
	r.w.add(model.Error, CodeSignature, r.path, fmt.Sprintf(format, args...), "")
}

func (r sigReport) unverified(format string, args ...any) {
	*r.spoiled = true
	r.w.add(model.Warning, CodeSignature, r.path, fmt.Sprintf(format, args...)+", so the signature was not verified", "")
}

// verified notes, when nothing spoiled the signature, who it verifies as
// signed by (the certificate's subject, issuer and serial: the certificate
// is not chained to a trusted root) and, when the signature covers its own
// time, when.
func (r sigReport) verified(cert *x509.Certificate, signedAt string) {
	if *r.spoiled {
		return
	}
	at := ""
	if signedAt != "" {
		at = ", signed at " + signedAt
	}
	r.note("the signature verifies with the certificate of %s (issuer %s, serial %X)%s; the certificate was not checked against a trusted root",
		cert.Subject, cert.Issuer, cert.SerialNumber, at)
}

func (r sigReport) warn(format string, args ...any) {
	r.w.add(model.Warning, CodeSignature, r.path, fmt.Sprintf(format, args...), "")
}

func (r sigReport) note(format string, args ...any) {
	r.w.add(model.Information, CodeSignature, r.path, fmt.Sprintf(format, args...), "")
}

// bundleSignature decides a Bundle's digital signature, whatever its
// sigFormat: a JWS (application/jose) is verified over the Bundle's JSON
// canonical form (jwsSignature); an XML-DSig, with or without XAdES
// properties (application/signature+xml, or application/pkcs7-signature
// holding XML, as the HL7 tools write it), over the canonical form its
// reference names (xmlSignature). Anything else is reported as not
// verified. It does not check that a certificate chains to a trusted root.
func (w *walker) bundleSignature(b map[string]any, path string) {
	sig, _ := b["signature"].(map[string]any)
	if sig == nil {
		return
	}
	r := sigReport{w: w, path: path + ".signature", spoiled: new(bool)}
	sigFormat, _ := sig["sigFormat"].(string)
	media, _ := mediaType(sigFormat)
	data, _ := sig["data"].(string)
	if data == "" {
		switch media {
		case "application/jose", "application/signature+xml", "application/pkcs7-signature":
			r.note("the signature's sigFormat is %s but it has no data: there is no digital signature to verify", sigFormat)
		}
		return
	}
	const verifies = "carecert verifies application/jose (JWS) and application/signature+xml (XML-DSig) signatures"
	switch media {
	case "application/jose":
		w.jwsSignature(b, sig, data, r)
	case "application/signature+xml":
		w.xmlSignature(b, sig, data, r)
	case "application/pkcs7-signature":
		// The HL7 reference validator and IG publisher write an XML-DSig
		// under this type; a real PKCS#7 (CMS) structure is binary DER.
		if sniffSignature(data) == "xml" {
			w.xmlSignature(b, sig, data, r)
			return
		}
		r.unverified("the signature's sigFormat is %s and its data is not XML: %s, not PKCS#7 (CMS)", sigFormat, verifies)
	case "":
		// As the reference validator does, data that is plainly a JWS or an
		// XML signature is checked as one, after saying sigFormat is missing.
		switch sniffSignature(data) {
		case "jws":
			r.warn("the signature has no sigFormat; its data is a JWS and is checked as application/jose")
			w.jwsSignature(b, sig, data, r)
		case "xml":
			r.warn("the signature has no sigFormat; its data is XML and is checked as application/signature+xml")
			w.xmlSignature(b, sig, data, r)
		default:
			r.unverified("the signature has no sigFormat; %s", verifies)
		}
	default:
		r.unverified("the signature's sigFormat is %s; %s", sigFormat, verifies)
	}
}

// sniffSignature says what Signature.data plainly is: "jws" (a compact JWS,
// base64 or bare), "xml", or "" when neither.
func sniffSignature(data string) string {
	raw, err := decodeData(data)
	if err != nil {
		if compactJWS(data) {
			return "jws"
		}
		return ""
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case bytes.HasPrefix(raw, []byte("<")):
		return "xml"
	case compactJWS(string(raw)):
		return "jws"
	}
	return ""
}

// signingTime checks the time a signature says it was made (at, as stated
// by what; "" when it states none, which none says) against Signature.when,
// as instants: 10:01:00Z and 11:01:00+01:00 are the same time.
func (r sigReport) signingTime(sig map[string]any, at, what, none string) {
	if at == "" {
		r.warn("%s, so Signature.when cannot be checked against it", none)
		return
	}
	signed, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		r.fail("%s %q is not a date-time with a time zone", what, at)
		return
	}
	when, _ := sig["when"].(string)
	if stamped, err := time.Parse(time.RFC3339Nano, when); err == nil && !stamped.Equal(signed) {
		r.fail("%s %s is not Signature.when %s", what, at, when)
	}
}

// signer notes a Signature.who.identifier that is none of the names the
// signing certificate gives its subject (its distinguished name, common
// name, and e-mail, DNS and URI alternative names): information, as the
// reference validator gives it, since who may name the signer otherwise.
func (r sigReport) signer(sig map[string]any, cert *x509.Certificate) {
	who, _ := sig["who"].(map[string]any)
	id, _ := who["identifier"].(map[string]any)
	value, _ := id["value"].(string)
	dn := cert.Subject.String()
	if value == "" {
		r.note("Signature.who has no identifier to compare with the signing certificate, whose subject is %s", dn)
		return
	}
	names := []string{dn, strings.ReplaceAll(dn, ",", ", "), cert.Subject.CommonName}
	names = append(names, cert.EmailAddresses...)
	names = append(names, cert.DNSNames...)
	for _, u := range cert.URIs {
		names = append(names, u.String())
	}
	if !slices.Contains(names, value) {
		r.note("Signature.who.identifier %q is none of the signing certificate's names (subject %s)", value, dn)
	}
}

// decodeData decodes Signature.data, base64 that may be wrapped over lines.
func decodeData(data string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
}

// jwsSignature verifies a Bundle.signature that is a JWS (sigFormat
// application/jose) over the Bundle's JSON canonical form: it reads the
// certificate from the JWS header's x5c, verifies the signature with it and
// compares the signed content with the Bundle canonicalized as targetFormat
// says.
func (w *walker) jwsSignature(b, sig map[string]any, data string, r sigReport) {
	fail, unverified := r.fail, r.unverified
	targetFormat, _ := sig["targetFormat"].(string)
	media, params := mediaType(targetFormat)
	switch media {
	case "", "application/fhir+json", "application/json+fhir", "application/json":
	default:
		unverified("the signature's targetFormat is %s; carecert reproduces the FHIR JSON canonical forms for a JWS", targetFormat)
		return
	}
	canon := params["canonicalization"]
	switch canon {
	case "":
		// As the reference validator does: no canonicalization named means
		// the base JSON canonical form.
		canon = canonicalJSON
	case canonicalJSON, canonicalDocument:
	default:
		unverified("the signature's canonicalization %s is not one carecert reproduces (%s, %s)", canon, canonicalJSON, canonicalDocument)
		return
	}

	jws, err := decodeData(data)
	switch {
	case err == nil:
	case compactJWS(data):
		fail("Signature.data is not base64 but a bare compact JWS: data must hold the JWS base64-encoded (it is checked as it is)")
		jws = []byte(data)
	default:
		fail("Signature.data is not valid base64 (%v): the signature cannot be read", err)
		return
	}
	jws = bytes.TrimSpace(jws)
	if bytes.HasPrefix(jws, []byte("{")) {
		unverified("Signature.data holds a JWS in its JSON serialization; carecert verifies the compact serialization only")
		return
	}
	parts := strings.Split(string(jws), ".")
	if len(parts) != 3 {
		fail("Signature.data is not a JWS: a compact JWS is three base64url parts separated by '.', this has %d part(s)", len(parts))
		return
	}
	rawHeader, err := base64URL(parts[0])
	var h jwsHeader
	if err == nil {
		err = json.Unmarshal(rawHeader, &h)
	}
	if err != nil {
		fail("the JWS protected header is not base64url-encoded JSON: %v", err)
		return
	}
	at, stated := h.signedAt(r)
	r.signingTime(sig, at, stated, "the JWS header states no signing time (sigT or iat)")
	var unknown []string
	for _, c := range h.Crit {
		if !understoodHeader(c) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		unverified("the JWS header marks %s critical, which carecert does not implement (RFC 7515 §4.1.11)", strings.Join(unknown, ", "))
		return
	}

	content, tree, err := canonicalBundle(b, canon)
	if err != nil {
		fail("the Bundle cannot be canonicalized as %s: %v", canon, err)
		return
	}
	encoded := h.B64 == nil || *h.B64
	attached := parts[1] != ""
	var signed []byte
	var input string
	switch {
	case attached && encoded:
		if signed, err = base64URL(parts[1]); err != nil {
			fail("the JWS payload is not base64url: %v", err)
			return
		}
		input = parts[0] + "." + parts[1]
	case attached:
		signed = []byte(parts[1])
		input = parts[0] + "." + parts[1]
	case encoded:
		input = parts[0] + "." + base64.RawURLEncoding.EncodeToString(content)
	default:
		input = parts[0] + "." + string(content)
	}
	over := "the signed payload"
	if !attached {
		over = fmt.Sprintf("the content to sign (%s bytes: the Bundle canonicalized as %s)", grouped(len(content)), canon)
	}

	switch cert, err := signerCertificate(h.X5c); {
	case len(h.X5c) == 0:
		// As for an XML signature without KeyInfo: a key carecert is not
		// given is its own limit, not the signer's failure.
		unverified("the JWS header has no certificate (x5c), and carecert does not look keys up by kid")
	case err != nil:
		fail("%v", err)
	default:
		r.signer(sig, cert)
		sigBytes, err := base64URL(parts[2])
		if err == nil {
			err = verifyJWS(h.Alg, cert.PublicKey, []byte(input), sigBytes)
		}
		switch {
		case errors.Is(err, errUnsupportedAlg):
			unverified("%v", err)
		case err != nil:
			fail("the signature does not verify against the certificate in the JWS header (alg %s) over %s: %v", h.Alg, over, err)
		}
	}

	if attached && !bytes.Equal(signed, content) {
		r.signedMismatch(signed, content, tree, canon, false)
	}
	if cert, err := signerCertificate(h.X5c); err == nil {
		r.verified(cert, at)
	}
}

// signedMismatch reports signed content that is not the content to sign:
// both sizes, the canonicalization, and where the signed content first
// departs from the Bundle.
func (r sigReport) signedMismatch(signed, content []byte, tree map[string]any, canon string, xml bool) {
	r.fail("the signed content (%s bytes) is not the content to sign (%s bytes: the Bundle canonicalized as %s): %s",
		grouped(len(signed)), grouped(len(content)), canon, firstDifference(tree, signed, xml))
}

// mediaType splits a MIME type into its lower-cased type and its
// parameters. (mime.ParseMediaType refuses the unquoted URLs FHIR puts in
// the canonicalization parameter.)
func mediaType(s string) (string, map[string]string) {
	fields := strings.Split(s, ";")
	params := map[string]string{}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return strings.ToLower(strings.TrimSpace(fields[0])), params
}

// compactJWS reports whether s looks like a compact JWS written as it is:
// three base64url parts, the first a JSON object ("eyJ" is base64url "{\"").
func compactJWS(s string) bool {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") {
		return false
	}
	for _, p := range parts {
		if strings.IndexFunc(p, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) >= 0 {
			return false
		}
	}
	return true
}

// base64URL decodes a JWS part, tolerating the padding JWS leaves out.
func base64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// signerCertificate reads the signer's certificate, the first of the JWS
// header's x5c chain.
func signerCertificate(x5c []string) (*x509.Certificate, error) {
	if len(x5c) == 0 {
		return nil, errors.New("the JWS header has no certificate (x5c)")
	}
	return readCertificate(x5c[0], "the JWS header's x5c certificate")
}

// readCertificate reads a base64 DER certificate, saying which in errors.
func readCertificate(b64, which string) (*x509.Certificate, error) {
	der, err := decodeData(b64)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64: %w", which, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %w", which, err)
	}
	return cert, nil
}

// verifyJWS checks a JWS signature over the signing input with the signer's
// public key, for the JWA algorithms a certificate's key can verify.
func verifyJWS(alg string, pub any, input, sig []byte) error {
	if alg == "none" {
		return errors.New("alg is none: the JWS is not signed")
	}
	if alg == "EdDSA" {
		if err := verifyWithKey(pub, schemeEd25519, 0, nil, input, sig); err != nil {
			return fmt.Errorf("alg EdDSA %w", err)
		}
		return nil
	}
	hashes := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	hash, ok := hashes[strings.TrimLeft(alg, "RSPE")]
	schemes := map[string]keyScheme{"RS": schemeRSA, "PS": schemeRSAPSS, "ES": schemeECDSA}
	scheme, known := schemes[alg[:min(2, len(alg))]]
	if len(alg) != 5 || !ok || !known {
		return fmt.Errorf("the JWS alg %q is not one a certificate verifies (RS, PS or ES with 256, 384 or 512, or EdDSA): %w", alg, errUnsupportedAlg)
	}
	// JWA ties each ES algorithm to one curve.
	curves := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}
	if err := verifyWithKey(pub, scheme, hash, curves[alg], input, sig); err != nil {
		return fmt.Errorf("alg %s %w", alg, err)
	}
	return nil
}

// keyScheme is how a public key checks a signature.
type keyScheme int

const (
	schemeRSA     keyScheme = iota // RSASSA-PKCS1-v1_5
	schemeRSAPSS                   // RSASSA-PSS, salt as long as the hash
	schemeECDSA                    // ECDSA, the signature R‖S
	schemeEd25519                  // Ed25519 over the input itself
)

// verifyWithKey checks sig over input with a certificate's public key:
// the one place carecert's signature families (JWS, XML-DSig) do
// cryptography. curve, when not nil, is the only curve an ECDSA key may be
// on. Errors read after the algorithm's name ("needs an RSA key, ...").
func verifyWithKey(pub any, scheme keyScheme, hash crypto.Hash, curve elliptic.Curve, input, sig []byte) error {
	if scheme == schemeEd25519 {
		key, ok := pub.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("needs an Ed25519 key, the certificate has %s", keyKind(pub))
		}
		if !ed25519.Verify(key, input, sig) {
			return errors.New("Ed25519 verification failed")
		}
		return nil
	}
	d := hash.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch scheme {
	case schemeRSA, schemeRSAPSS:
		key, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("needs an RSA key, the certificate has %s", keyKind(pub))
		}
		if scheme == schemeRSA {
			return rsa.VerifyPKCS1v15(key, hash, digest, sig)
		}
		return rsa.VerifyPSS(key, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	default:
		key, ok := pub.(*ecdsa.PublicKey)
		if !ok || curve != nil && key.Curve != curve {
			want := "an ECDSA key"
			if curve != nil {
				want += " on " + curve.Params().Name
			}
			return fmt.Errorf("needs %s, the certificate has %s", want, keyKind(pub))
		}
		size := (key.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("signature is %d bytes, where R and S on %s are %d", len(sig), key.Curve.Params().Name, 2*size)
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(key, digest, r, s) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	}
}

func keyKind(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "an RSA key"
	case *ecdsa.PublicKey:
		return "an ECDSA key on " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "an Ed25519 key"
	}
	return fmt.Sprintf("a %T", pub)
}

// contentToSign is the Bundle a signature signs: without Bundle.signature,
// which cannot sign itself, and for #document without Bundle.id and
// Bundle.meta.
func contentToSign(b map[string]any, canon string) map[string]any {
	c := make(map[string]any, len(b))
	for k, v := range b {
		c[k] = v
	}
	delete(c, "signature")
	if strings.HasSuffix(canon, "#document") {
		delete(c, "id")
		delete(c, "meta")
	}
	return c
}

// canonicalBundle is the content to sign of a Bundle in JSON canonical
// form (no whitespace, properties ordered by name, numbers as written). It
// returns the object encoded too.
func canonicalBundle(b map[string]any, canon string) ([]byte, map[string]any, error) {
	c := contentToSign(b, canon)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), c, nil
}

// firstDifference names where signed content (FHIR JSON, or FHIR XML when
// xml) first departs from the content to sign, by path and property name
// only (values may identify a patient).
func firstDifference(want map[string]any, signed []byte, xml bool) string {
	var got any
	if xml {
		res, err := fhirxml.Decode(signed)
		if err != nil {
			return fmt.Sprintf("the signed content is not FHIR XML (%v)", err)
		}
		got = res
	} else {
		dec := json.NewDecoder(bytes.NewReader(signed))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			return "the signed content is not JSON"
		}
	}
	if d := differ(want, got, "Bundle"); d != "" {
		return d
	}
	if xml {
		return "the same content written differently"
	}
	return "the same JSON written differently"
}

func differ(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + " is not an object in the signed content"
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inW:
				return fmt.Sprintf("%s has property %s only in the signed content", path, k)
			case !inG:
				return fmt.Sprintf("%s.%s is missing from the signed content", path, k)
			}
			if d := differ(wv, gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return path + " is not an array in the signed content"
		}
		for i := range min(len(w), len(g)) {
			if d := differ(w[i], g[i], path+"["+strconv.Itoa(i)+"]"); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s has %d item(s) in the signed content, %d in the Bundle", path, len(g), len(w))
		}
		return ""
	}
	if fmt.Sprintf("%T %v", want, want) != fmt.Sprintf("%T %v", got, got) {
		return path + " has another value in the signed content"
	}
	return ""
}

// grouped writes n with thousands separators, as sizes are easier to compare
// so.
func grouped(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
