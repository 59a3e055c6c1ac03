package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/manifest"
)

func (a *app) keygenCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "keygen KEYFILE",
		Short: "Create an Ed25519 key pair for signing manifests (KEYFILE and KEYFILE.pub)",
		Long: `Create an Ed25519 key pair: KEYFILE holds the private key (PEM, readable by
its owner only) and KEYFILE.pub the public key to publish. Existing files are
never overwritten. Prints the key id (fingerprint) that buyers compare.

  carecert keygen supplier.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := manifest.GenerateKey(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintf(a.stdout, "private key: %s (keep it secret)\npublic key:  %s.pub\nkey id:      %s\n", args[0], args[0], manifest.KeyID(pub))
			return nil
		},
	}
}

// manifestPath accepts a vendor's report folder or its manifest file.
func manifestPath(arg string) string {
	if info, err := os.Stat(arg); err == nil && info.IsDir() {
		return filepath.Join(arg, manifest.FileName)
	}
	return arg
}

func (a *app) signCommand() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "sign --key KEYFILE DIR|manifest.json...",
		Short: "Sign report manifests with an Ed25519 private key",
		Long: `Sign the manifest of a vendor's report folder (DIR/manifest.json), writing
manifest.json.sig beside it. carecert run --sign-key does the same as it writes.

  carecert sign --key supplier.key out/acme`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return usageError("--key is required: an Ed25519 private key from carecert keygen")
			}
			priv, err := manifest.LoadPrivateKey(key)
			if err != nil {
				return usageError("%v", err)
			}
			for _, arg := range args {
				path := manifestPath(arg)
				sig, err := manifest.Sign(path, priv)
				if err != nil {
					return usageError("%v", err)
				}
				fmt.Fprintf(a.stdout, "signed %s with key %s\n", path, sig.KeyID)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "Ed25519 private key file (PEM)")
	return cmd
}

func (a *app) verifyCommand() *cobra.Command {
	var pubPath string
	var requireSig, allowUntrusted bool
	cmd := &cobra.Command{
		Use:   "verify [--pub KEY.pub | --allow-untrusted] DIR|manifest.json...",
		Short: "Check that report files match their manifest and its signature",
		Long: `Check a vendor's report folder: every file listed in manifest.json still has
the SHA-256 recorded there, and manifest.json.sig (when present) is a valid
Ed25519 signature of the manifest. The signature must be by the key given
with --pub: an unsigned manifest, or one signed by a key not given (anyone
can make a key pair and re-sign an edited report), fails unless
--allow-untrusted accepts integrity only. The manifest and signature are read
once each, and only as regular files (a FIFO or device is refused). Notes say
when this carecert's built-in suites or FHIR definitions differ from the ones
the run used.

  carecert verify --pub supplier.key.pub received/acme
  carecert verify --allow-untrusted out/acme      # integrity only

Exit 0 when everything matches, 1 when anything does not, 2 when the manifest
or key cannot be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var trusted ed25519.PublicKey
			if pubPath != "" {
				var err error
				if trusted, err = manifest.LoadPublicKey(pubPath); err != nil {
					return usageError("%v", err)
				}
				requireSig = true
			}
			failed := false
			for _, arg := range args {
				ok, err := a.verify(manifestPath(arg), trusted, requireSig || !allowUntrusted)
				if err != nil {
					return usageError("%v", err)
				}
				failed = failed || !ok
			}
			if failed {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pubPath, "pub", "", "trusted Ed25519 public key: the signature must be by it")
	cmd.Flags().BoolVar(&requireSig, "require-signature", false, "fail when the manifest is not signed, even with --allow-untrusted")
	cmd.Flags().BoolVar(&allowUntrusted, "allow-untrusted", false, "without --pub, accept a manifest signed by any key or not signed (integrity only)")
	return cmd
}

func (a *app) verify(path string, trusted ed25519.PublicKey, requireSig bool) (bool, error) {
	m, data, err := manifest.Read(path)
	if err != nil {
		return false, err
	}
	ok := true
	for _, p := range m.Check(filepath.Dir(path)) {
		fmt.Fprintf(a.stdout, "FAIL %s: %s\n", filepath.Join(filepath.Dir(path), p.Path), p.What)
		ok = false
	}
	sig, err := manifest.VerifySignature(path, data, trusted)
	switch {
	case errors.Is(err, manifest.ErrUnsigned):
		if requireSig {
			fmt.Fprintf(a.stdout, "FAIL %s: not signed (--allow-untrusted accepts integrity only)\n", path)
			ok = false
		} else {
			fmt.Fprintf(a.stdout, "note %s: not signed (integrity only: anyone could have written it)\n", path)
		}
	case err != nil:
		fmt.Fprintf(a.stdout, "FAIL %s: %v\n", path, err)
		ok = false
	case trusted == nil && requireSig:
		fmt.Fprintf(a.stdout, "FAIL %s: signed by key %s, which is not trusted: give its public key with --pub (anyone can re-sign an edited report), or --allow-untrusted for integrity only\n", path, sig.KeyID)
		ok = false
	case trusted == nil:
		fmt.Fprintf(a.stdout, "note %s: signature valid, by key %s (not checked against a trusted key: integrity only)\n", path, sig.KeyID)
	default:
		fmt.Fprintf(a.stdout, "ok   %s: signature valid, by the trusted key %s\n", path, sig.KeyID)
	}
	for _, p := range m.CheckInputs() {
		fmt.Fprintf(a.stdout, "note %s\n", p)
	}
	if ok {
		fmt.Fprintf(a.stdout, "ok   %s: %d file(s) match (%s %s, %s: %s)\n", path, len(m.Files), m.Vendor.Name, m.Vendor.Release, m.Tool.Name+" "+m.Tool.Version, m.Decision)
	}
	return ok, nil
}
