package mllp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/carecert/carecert/internal/tlsfiles"
)

// ClientTLS is how a Client speaks TLS: the CAs it trusts (CA; the system's
// when empty), its own certificate for mutual TLS (Cert and Key), the name it
// expects in the server's certificate (the host dialled when empty).
type ClientTLS struct {
	CA, Cert, Key tlsfiles.File
	ServerName    string
	// InsecureSkipVerify accepts any server certificate. It proves nothing
	// about the endpoint; targets report it as a warning.
	InsecureSkipVerify bool

	config *tls.Config
}

// Load reads and checks the files (once); every problem names its option
// and file.
func (c *ClientTLS) Load() error {
	if c.config != nil {
		return nil
	}
	for _, f := range []struct {
		file *tlsfiles.File
		name string
	}{{&c.CA, "tls.ca_file"}, {&c.Cert, "tls.cert_file"}, {&c.Key, "tls.key_file"}} {
		if f.file.Option == "" {
			f.file.Option = f.name
		}
	}
	cfg, err := tlsfiles.Client(c.CA, c.ServerName, c.InsecureSkipVerify)
	if err != nil {
		return err
	}
	if c.Cert.Path != "" || c.Key.Path != "" {
		pair, err := tlsfiles.Pair(c.Cert, c.Key)
		if err != nil {
			return err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	c.config = cfg
	return nil
}

// ServerTLS is how a listener or simulator speaks TLS: its certificate and
// key, and optionally the CAs whose client certificates it requires.
type ServerTLS struct {
	Cert, Key, ClientCA tlsfiles.File
}

// Config reads and checks the files; every problem names its option and file.
func (s ServerTLS) Config() (*tls.Config, error) {
	if s.Cert.Path == "" && s.Key.Path == "" {
		if s.ClientCA.Path != "" {
			return nil, tlsfiles.Mistake(s.ClientCA.Option, "%s needs %s and %s: client certificates are asked for over TLS", s.ClientCA.Option, s.Cert.Option, s.Key.Option)
		}
		return nil, tlsfiles.Mistake(s.Cert.Option, "TLS needs %s and %s", s.Cert.Option, s.Key.Option)
	}
	pair, err := tlsfiles.Pair(s.Cert, s.Key)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	if s.ClientCA.Path != "" {
		pool, err := s.ClientCA.Pool()
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// dialTLS connects and completes the TLS handshake within timeout: the
// connect timeout covers both.
func (c *Client) dialTLS(ctx context.Context, timeout time.Duration) (net.Conn, error) {
	if err := c.TLS.Load(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, err
	}
	cfg := c.TLS.config.Clone()
	if cfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(c.Addr)
		cfg.ServerName = host
	}
	// Note whether the server asked for a client certificate, to explain a
	// failure that comes after the handshake (TLS 1.3 servers refuse a
	// missing certificate only after the client thinks it is done).
	var asked atomic.Bool
	own := cfg.Certificates
	cfg.Certificates = nil
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		asked.Store(true)
		if len(own) > 0 {
			return &own[0], nil
		}
		return &tls.Certificate{}, nil
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, c.tlsError(err, ctx.Err() != nil, timeout, asked.Load())
	}
	c.askedCert = asked.Load()
	return conn, nil
}

// tlsError says in plain words why a TLS connection failed.
func (c *Client) tlsError(err error, timedOut bool, timeout time.Duration, asked bool) error {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	trust := "the system's trusted CAs (no ca_file given)"
	if c.TLS.CA.Path != "" {
		trust = fmt.Sprintf("the CA(s) in %s %s", c.TLS.CA.Option, c.TLS.CA.Path)
	}
	switch {
	case timedOut || isTimeout(err):
		return fmt.Errorf("TLS handshake with %s did not complete within %s (connect-timeout): is the endpoint speaking TLS?", c.Addr, timeout)
	case errors.As(err, &unknown):
		return fmt.Errorf("TLS: the server's certificate (subject %q, issuer %q) is not trusted by %s", unknown.Cert.Subject.String(), unknown.Cert.Issuer.String(), trust)
	case errors.As(err, &host):
		names := host.Certificate.DNSNames
		for _, ip := range host.Certificate.IPAddresses {
			names = append(names, ip.String())
		}
		return fmt.Errorf("TLS: the server's certificate is for %s, not %s (set tls.server_name when the endpoint is reached by another name)", strings.Join(names, ", "), host.Host)
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: the server's certificate is not valid: %v", invalid)
	case isAlert(err):
		alert, _ := remoteAlert(err)
		return c.alertError(alert, asked)
	case errors.As(err, &record):
		return fmt.Errorf("TLS: the endpoint at %s did not answer in TLS (is it plain MLLP? use mllp:// without tls)", c.Addr)
	}
	return fmt.Errorf("TLS handshake with %s failed: %v", c.Addr, err)
}

// remoteAlert finds the alert a peer sent in err: crypto/tls reports it as a
// *net.OpError "remote error" around an unexported alert number.
func remoteAlert(err error) (tls.AlertError, bool) {
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return ae, true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		if v := reflect.ValueOf(op.Err); v.Kind() == reflect.Uint8 {
			return tls.AlertError(v.Uint()), true
		}
	}
	return 0, false
}

func isAlert(err error) bool {
	_, ok := remoteAlert(err)
	return ok
}

// alertError explains an alert the server sent.
func (c *Client) alertError(alert tls.AlertError, asked bool) error {
	const certificateRequired, badCertificate, unknownCA, handshakeFailure = 116, 42, 48, 40
	haveCert := c.TLS.Cert.Path != ""
	said := strings.TrimPrefix(alert.Error(), "tls: ")
	switch {
	case !haveCert && (alert == certificateRequired || (asked && (alert == badCertificate || alert == handshakeFailure))):
		return fmt.Errorf("TLS: the server requires a client certificate (mutual TLS) and none was given: set tls.cert_file and tls.key_file (server said: %s)", said)
	case haveCert && (alert == badCertificate || alert == unknownCA || alert == certificateRequired):
		return fmt.Errorf("TLS: the server rejected the client certificate in %s %s (server said: %s)", c.TLS.Cert.Option, c.TLS.Cert.Path, said)
	}
	return fmt.Errorf("TLS: the server refused the connection (server said: %s)", said)
}

// errSilent: the peer connected and closed without a byte (a health check
// or port probe): nothing worth reporting.
var errSilent = errors.New("closed before the TLS handshake")

// handshake completes a server-side TLS handshake within timeout; a conn
// that is not TLS passes.
func handshake(ctx context.Context, conn net.Conn, timeout time.Duration) error {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return nil
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		var unknown x509.UnknownAuthorityError
		switch {
		case errors.Is(err, io.EOF):
			return errSilent
		case ctx.Err() != nil || isTimeout(err):
			return fmt.Errorf("TLS handshake did not complete within %s", timeout)
		case strings.Contains(err.Error(), "didn't provide a certificate"):
			return errors.New("TLS: the client gave no certificate, and one is required (--tls-client-ca)")
		case errors.As(err, &unknown):
			return fmt.Errorf("TLS: the client's certificate (subject %q) is not signed by a CA in the client CA file", unknown.Cert.Subject.String())
		}
		return fmt.Errorf("TLS handshake failed: %v", err)
	}
	return nil
}
