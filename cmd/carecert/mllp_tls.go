package main

import (
	"crypto/tls"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/mllp"
)

// addServerTLSFlags adds the TLS flags of `listen mllp` and `simulate mllp`.
func addServerTLSFlags(fl *pflag.FlagSet, cert, key, clientCA *string) {
	fl.StringVar(cert, "tls-cert", "", "PEM certificate (chain) to serve MLLP over TLS with; needs --tls-key")
	fl.StringVar(key, "tls-key", "", "PEM private key of --tls-cert")
	fl.StringVar(clientCA, "tls-client-ca", "", "PEM CA certificate(s): require client certificates signed by one (mutual TLS)")
}

// serverTLSConfig checks the TLS flags (nil, nil when none is given); errors
// name the flag and its file.
func serverTLSConfig(cert, key, clientCA string) (*tls.Config, error) {
	if cert == "" && key == "" && clientCA == "" {
		return nil, nil
	}
	return mllp.ServerTLS{
		Cert:     tlsfiles.File{Option: "--tls-cert", Path: cert},
		Key:      tlsfiles.File{Option: "--tls-key", Path: key},
		ClientCA: tlsfiles.File{Option: "--tls-client-ca", Path: clientCA},
	}.Config()
}

// serverTLSOption checks the TLS flags and returns them as an mllp-listen
// target's tls option, with absolute paths (nil when none is given).
func serverTLSOption(cert, key, clientCA string) (map[string]any, error) {
	cfg, err := serverTLSConfig(cert, key, clientCA)
	if cfg == nil || err != nil {
		return nil, err
	}
	opt := map[string]any{}
	for k, p := range map[string]string{"cert_file": cert, "key_file": key, "client_ca_file": clientCA} {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		opt[k] = p
	}
	return opt, nil
}
