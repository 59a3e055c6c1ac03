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

	_ "crypto/sha256" // JWS algorithms hash with SHA-256, -384 and -512
	_ "crypto/sha512"

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

// bundleSignature verifies a Bundle.signature that is a JWS (sigFormat
// application/jose) over the Bundle's JSON canonical form: it reads the
// certificate from the JWS header's x5c, verifies the signature with it and
// compares the signed content with the Bundle canonicalized as targetFormat
// says. It does not check that the certificate chains to a trusted root.
func (w *walker) bundleSignature(b map[string]any, path string) {
	sig, _ := b["signature"].(map[string]any)
	data, _ := sig["data"].(string)
	if data == "" {
		return
	}
	path += ".signature"
	fail := func(format string, args ...any) {
		w.add(model.Error, CodeSignature, path, fmt.Sprintf(format, args...), "")
	}
	unverified := func(format string, args ...any) {
		w.add(model.Warning, CodeSignature, path, fmt.Sprintf(format, args...)+", so the signature was not verified", "")
	}

	sigFormat, _ := sig["sigFormat"].(string)
	if media, _ := mediaType(sigFormat); media != "application/jose" {
		if sigFormat == "" {
			unverified("the signature has no sigFormat; carecert verifies application/jose (JWS) signatures")
		} else {
			unverified("the signature's sigFormat is %s; carecert verifies application/jose (JWS) signatures only", sigFormat)
		}
		return
	}
	targetFormat, _ := sig["targetFormat"].(string)
	media, params := mediaType(targetFormat)
	switch media {
	case "", "application/fhir+json", "application/json+fhir", "application/json":
	default:
		unverified("the signature's targetFormat is %s; carecert reproduces the FHIR JSON canonical forms only", targetFormat)
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

	jws, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
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
	case err != nil:
		fail("%v", err)
	default:
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
		msg := fmt.Sprintf("the signed content (%s bytes) is not the content to sign (%s bytes: the Bundle canonicalized as %s)", grouped(len(signed)), grouped(len(content)), canon)
		if where := firstDifference(tree, signed); where != "" {
			msg += ": " + where
		}
		fail("%s", msg)
	}
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
		return nil, errors.New("the JWS header has no certificate (x5c), so the signature cannot be verified (carecert does not look keys up by kid)")
	}
	der, err := base64.StdEncoding.DecodeString(x5c[0])
	if err != nil {
		return nil, fmt.Errorf("the JWS header's x5c certificate is not base64: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("the JWS header's x5c certificate cannot be read: %w", err)
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
		key, ok := pub.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("alg EdDSA needs an Ed25519 key, the certificate has %s", keyKind(pub))
		}
		if !ed25519.Verify(key, input, sig) {
			return errors.New("Ed25519 verification failed")
		}
		return nil
	}
	hashes := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	hash, ok := hashes[strings.TrimLeft(alg, "RSPE")]
	if len(alg) != 5 || !ok {
		return fmt.Errorf("the JWS alg %q is not one a certificate verifies (RS, PS or ES with 256, 384 or 512, or EdDSA): %w", alg, errUnsupportedAlg)
	}
	d := hash.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch alg[:2] {
	case "RS", "PS":
		key, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("alg %s needs an RSA key, the certificate has %s", alg, keyKind(pub))
		}
		if alg[0] == 'R' {
			return rsa.VerifyPKCS1v15(key, hash, digest, sig)
		}
		return rsa.VerifyPSS(key, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		key, ok := pub.(*ecdsa.PublicKey)
		curves := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}
		if !ok || key.Curve != curves[alg] {
			return fmt.Errorf("alg %s needs an ECDSA key on %s, the certificate has %s", alg, curves[alg].Params().Name, keyKind(pub))
		}
		size := (key.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("an %s signature is %d bytes (R and S), this is %d", alg, 2*size, len(sig))
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(key, digest, r, s) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	}
	return fmt.Errorf("the JWS alg %q is not one a certificate verifies: %w", alg, errUnsupportedAlg)
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

// canonicalBundle is the content to sign of a Bundle: its JSON canonical
// form (no whitespace, properties ordered by name, numbers as written)
// without Bundle.signature, which cannot sign itself, and for #document
// without Bundle.id and Bundle.meta. It returns the object encoded too.
func canonicalBundle(b map[string]any, canon string) ([]byte, map[string]any, error) {
	c := make(map[string]any, len(b))
	for k, v := range b {
		c[k] = v
	}
	delete(c, "signature")
	if canon == canonicalDocument {
		delete(c, "id")
		delete(c, "meta")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), c, nil
}

// firstDifference names where signed JSON first departs from the content to
// sign, by path and property name only (values may identify a patient).
func firstDifference(want map[string]any, signed []byte) string {
	dec := json.NewDecoder(bytes.NewReader(signed))
	dec.UseNumber()
	var got any
	if err := dec.Decode(&got); err != nil {
		return "the signed content is not JSON"
	}
	if d := differ(want, got, "Bundle"); d != "" {
		return d
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
