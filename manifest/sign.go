package manifest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// SignatureSuffix names a manifest's signature file: manifest.json.sig.
const SignatureSuffix = ".sig"

// Signature is a detached Ed25519 signature over a manifest's exact bytes.
type Signature struct {
	Algorithm string `json:"algorithm"`
	// KeyID is the first 16 bytes of the SHA-256 of the public key, in hex:
	// what a buyer compares with the fingerprint the supplier published.
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// KeyID is a public key's fingerprint.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// GenerateKey writes a new key pair: the private key (PKCS #8 PEM, mode 0600)
// at privPath and the public key (PKIX PEM) at privPath+".pub". It refuses to
// overwrite an existing key.
func GenerateKey(privPath string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	files := []struct {
		path  string
		mode  os.FileMode
		block *pem.Block
	}{
		{privPath, 0o600, &pem.Block{Type: "PRIVATE KEY", Bytes: privDER}},
		{privPath + ".pub", 0o644, &pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}},
	}
	// Check both first, so that a half-written pair is never left behind.
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return nil, fmt.Errorf("key %s: file exists (refusing to overwrite a key)", f.path)
		}
	}
	for _, file := range files {
		path, block := file.path, file.block
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, file.mode)
		if err != nil {
			return nil, fmt.Errorf("key %w", err)
		}
		if err := pem.Encode(f, block); err != nil {
			f.Close()
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("key %s: %w", path, err)
		}
	}
	return pub, nil
}

func readPEM(path, want string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("key %s: not a PEM file", path)
	}
	if block.Type != want {
		return nil, fmt.Errorf("key %s: holds a %s, want a %s", path, block.Type, want)
	}
	return block.Bytes, nil
}

// LoadPrivateKey reads a key written by GenerateKey.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key %s: a %T, want an Ed25519 key", path, k)
	}
	return priv, nil
}

// LoadPublicKey reads a public key written by GenerateKey.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key %s: a %T, want an Ed25519 key", path, k)
	}
	return pub, nil
}

// Sign signs the manifest file's exact bytes and writes manifestPath.sig.
func Sign(manifestPath string, priv ed25519.PrivateKey) (*Signature, error) {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if _, _, err := Read(manifestPath); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	sig := &Signature{
		Algorithm: "Ed25519",
		KeyID:     KeyID(pub),
		PublicKey: base64.StdEncoding.EncodeToString(pub),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, data)),
	}
	out, err := json.MarshalIndent(sig, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(manifestPath+SignatureSuffix, append(out, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return sig, nil
}

// ErrUnsigned means a manifest has no signature file.
var ErrUnsigned = errors.New("manifest is not signed")

// VerifySignature checks manifestPath.sig against the manifest's bytes, data:
// the bytes Read returned and the caller checked the hashes of, so that the
// manifest is read once (a file that answers differently on each read cannot
// have one version hashed and another verified). With
// trusted set, the signature must be by that key; without it, the key in the
// signature file is used and returned, so the caller can show its fingerprint
// (a valid signature by an unknown key proves only integrity, not origin).
func VerifySignature(manifestPath string, data []byte, trusted ed25519.PublicKey) (*Signature, error) {
	raw, err := readRegular(manifestPath + SignatureSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrUnsigned
	}
	if err != nil {
		return nil, fmt.Errorf("signature %w", err)
	}
	return VerifyBytes(manifestPath+SignatureSuffix, data, raw, trusted)
}

// ParseSignature decodes a signature file's bytes (name is for errors) and
// returns it with its public key.
func ParseSignature(name string, raw []byte) (*Signature, ed25519.PublicKey, error) {
	var sig Signature
	if err := json.Unmarshal(raw, &sig); err != nil {
		return nil, nil, fmt.Errorf("signature %s: %w", name, err)
	}
	if sig.Algorithm != "Ed25519" {
		return nil, nil, fmt.Errorf("signature %s: algorithm %q, want Ed25519", name, sig.Algorithm)
	}
	pub, err := base64.StdEncoding.DecodeString(sig.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, nil, fmt.Errorf("signature %s: bad public key", name)
	}
	return &sig, ed25519.PublicKey(pub), nil
}

// VerifyBytes is VerifySignature for a manifest and signature already read:
// data is the manifest's bytes, raw the signature file's, sigName names the
// signature file in errors.
func VerifyBytes(sigName string, data, raw []byte, trusted ed25519.PublicKey) (*Signature, error) {
	sig, key, err := ParseSignature(sigName, raw)
	if err != nil {
		return nil, err
	}
	sigBytes, err := base64.StdEncoding.DecodeString(sig.Signature)
	if err != nil {
		return nil, fmt.Errorf("signature %s: bad signature encoding", sigName)
	}
	if trusted != nil {
		if !trusted.Equal(key) {
			return sig, fmt.Errorf("signed by key %s, not by the trusted key %s", sig.KeyID, KeyID(trusted))
		}
		key = trusted
	}
	if !ed25519.Verify(key, data, sigBytes) {
		return sig, fmt.Errorf("signature does not match the manifest: the manifest was changed after it was signed, or the signature is forged")
	}
	return sig, nil
}
