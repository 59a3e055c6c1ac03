// Package tlsfiles reads the certificate, key and CA files a user names for
// TLS (in a plan or on the command line) and says what is wrong with them,
// naming the option and the file and never quoting what a file holds.
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Verify are a client's settings for checking the server's certificate,
// the same for every client a plan opens (live FHIR, mllp): each target's
// tls option embeds them, and the check-parameter decoder reads them.
type Verify struct {
	CAFile             string `param:"ca_file" doc:"PEM certificate authorities trusted instead of the system's"`
	ServerName         string `param:"server_name" doc:"name the server's certificate must carry (default: the URL's host)"`
	InsecureSkipVerify bool   `param:"insecure_skip_verify" doc:"do not verify the server's certificate (the report warns that the server was not verified)"`
}

// OptionError is a mistake in one option (a file that cannot be read, a
// certificate without its key, settings that contradict each other): Option
// names it as the user did, so a plan can locate it at its line and column.
// The message names the option and the file already.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// OptionName is the option the mistake is in, for code that locates an
// option's mistakes without knowing this package (target.Spec.OptionMistake).
func (e *OptionError) OptionName() string { return e.Option }

// Mistake is an *OptionError about option.
func Mistake(option, format string, args ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, args...)}
}

// File is a file an option names.
type File struct {
	// Option is how the user named it: "tls.ca_file" in a plan, "--tls-cert"
	// on the command line.
	Option string
	Path   string
}

func (f File) read() ([]byte, error) {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Mistake(f.Option, "%s %s: cannot read it: %v", f.Option, f.Path, err)
	}
	return data, nil
}

// Pool reads PEM certificates (CAs) from the file.
func (f File) Pool() (*x509.CertPool, error) {
	data, err := f.read()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, Mistake(f.Option, "%s %s: no PEM certificate in it", f.Option, f.Path)
	}
	return pool, nil
}

// Client is the config of a client that verifies servers with the CAs in
// ca (the system's when its path is empty) and expects serverName in their
// certificates (the host dialled when empty), or skips verification:
// trusting a CA and skipping verification contradict each other.
func Client(ca File, serverName string, skipVerify bool) (*tls.Config, error) {
	if skipVerify && ca.Path != "" {
		return nil, Mistake(ca.Option, "%s and insecure_skip_verify are both given: trust a CA or skip verification, not both", ca.Option)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, InsecureSkipVerify: skipVerify}
	if ca.Path != "" {
		pool, err := ca.Pool()
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// Pair reads a certificate and its private key, and checks that they belong
// together.
func Pair(cert, key File) (tls.Certificate, error) {
	switch {
	case cert.Path == "" && key.Path != "":
		return tls.Certificate{}, Mistake(key.Option, "%s is given without %s: give both, the certificate and its key", key.Option, cert.Option)
	case cert.Path != "" && key.Path == "":
		return tls.Certificate{}, Mistake(cert.Option, "%s is given without %s: give both, the certificate and its key", cert.Option, key.Option)
	}
	certPEM, err := cert.read()
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := key.read()
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "does not match"):
			return tls.Certificate{}, Mistake(key.Option, "%s %s does not match the certificate in %s %s", key.Option, key.Path, cert.Option, cert.Path)
		case strings.Contains(msg, "certificate input"), strings.HasPrefix(msg, "x509:"):
			return tls.Certificate{}, Mistake(cert.Option, "%s %s: not a usable certificate (%v)", cert.Option, cert.Path, pemReason(err))
		}
		return tls.Certificate{}, Mistake(key.Option, "%s %s: not a usable private key (%v)", key.Option, key.Path, pemReason(err))
	}
	return pair, nil
}

// pemReason is crypto/tls's reason without its "tls: " prefix; those reasons
// name PEM block types, never their contents.
func pemReason(err error) string {
	return strings.TrimPrefix(err.Error(), "tls: ")
}
