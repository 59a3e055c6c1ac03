package submission

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carecert/carecert/internal/yamlfile"
	"github.com/carecert/carecert/manifest"
)

// Keys are the vendors' registered public keys: the keys whose signatures
// the server accepts for each vendor's runs. A key belongs to one vendor.
type Keys struct {
	// vendors maps a folded vendor name to its name as registered.
	vendors map[string]string
	// owner maps a key id (manifest.KeyID) to its folded vendor name.
	owner map[string]string
	keys  map[string]ed25519.PublicKey
}

// NewKeys returns an empty registry.
func NewKeys() *Keys {
	return &Keys{vendors: map[string]string{}, owner: map[string]string{}, keys: map[string]ed25519.PublicKey{}}
}

// fold is how vendor names are compared: without regard to case, as the
// history matches them.
func fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Add registers pub for vendor. A key registered to another vendor is an
// error: a shared key could not tell the vendors' runs apart.
func (k *Keys) Add(vendor string, pub ed25519.PublicKey) error {
	if strings.TrimSpace(vendor) == "" {
		return fmt.Errorf("a key needs a vendor name")
	}
	id := manifest.KeyID(pub)
	if other, ok := k.owner[id]; ok && other != fold(vendor) {
		return fmt.Errorf("key %s is registered to vendor %s already", id, k.vendors[other])
	}
	if _, ok := k.vendors[fold(vendor)]; !ok {
		k.vendors[fold(vendor)] = vendor
	}
	k.owner[id] = fold(vendor)
	k.keys[id] = pub
	return nil
}

// Vendors lists the registered vendors, sorted.
func (k *Keys) Vendors() []string {
	out := make([]string, 0, len(k.vendors))
	for _, v := range k.vendors {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Vendor returns a vendor's name as registered, matched without regard to
// case, and whether it is registered.
func (k *Keys) Vendor(name string) (string, bool) {
	v, ok := k.vendors[fold(name)]
	return v, ok
}

// Owner returns the vendor a key id is registered to.
func (k *Keys) Owner(keyID string) (string, bool) {
	f, ok := k.owner[keyID]
	return k.vendors[f], ok
}

// Owns reports whether keyID is registered to vendor, the vendor names
// compared as fold does.
func (k *Keys) Owns(vendor, keyID string) bool {
	f, ok := k.owner[keyID]
	return ok && f == fold(vendor)
}

// keyFile is the keys file as written:
//
//	vendors:
//	  - name: Oakfield Health
//	    keys: [keys/oakfield.key.pub]   # PEM public keys from carecert keygen
//	  - name: Riverside Systems
//	    keys: [keys/riverside-2025.pub, keys/riverside-2026.pub]
type keyFile struct {
	Vendors []struct {
		Name string   `yaml:"name"`
		Keys []string `yaml:"keys"`
	} `yaml:"vendors"`
}

// LoadKeys reads a keys file (see keyFile); key paths are relative to the
// file. Errors name the file, line and column.
func LoadKeys(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys %w", err)
	}
	var kf keyFile
	f, err := yamlfile.Decode(path, data, &kf)
	if err != nil {
		return nil, fmt.Errorf("keys %w", err)
	}
	k := NewKeys()
	for i, v := range kf.Vendors {
		at := fmt.Sprintf("$.vendors[%d]", i)
		if strings.TrimSpace(v.Name) == "" {
			return nil, fmt.Errorf("keys %w", f.Errorf(at+".name", "required: the vendor's name as its reports give it"))
		}
		if len(v.Keys) == 0 {
			return nil, fmt.Errorf("keys %w", f.Errorf(at+".keys", "required: at least one public key file for %s", v.Name))
		}
		for j, p := range v.Keys {
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			pub, err := manifest.LoadPublicKey(p)
			if err == nil {
				err = k.Add(v.Name, pub)
			}
			if err != nil {
				return nil, fmt.Errorf("keys %w", f.Errorf(fmt.Sprintf("%s.keys[%d]", at, j), "%v", err))
			}
		}
	}
	return k, nil
}
