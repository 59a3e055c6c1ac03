// Package mllptest makes throwaway certificates for specs of MLLP over TLS.
package mllptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// PKI holds the paths of PEM files written by NewPKI.
type PKI struct {
	// CA signed Server (for 127.0.0.1 and localhost) and Client.
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
	// OtherCA signed nothing here; OtherKey belongs to no certificate.
	OtherCA, OtherKey string
	// WrongNameCert/Key: a server certificate from CA for example.org only.
	WrongNameCert, WrongNameKey string
}

type issued struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewPKI writes a CA, a server and a client certificate (and some wrong
// ones) into dir.
func NewPKI(dir string) (*PKI, error) {
	p := &PKI{}
	serial := int64(1)
	now := time.Now()
	issue := func(tmpl *x509.Certificate, parent *issued) (*issued, []byte, []byte, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, nil, err
		}
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(24*time.Hour)
		signer, signKey := tmpl, key
		if parent != nil {
			signer, signKey = parent.cert, parent.key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
		if err != nil {
			return nil, nil, nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, nil, err
		}
		kder, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, nil, err
		}
		return &issued{cert, key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
	}
	write := func(name string, data []byte) (string, error) {
		path := filepath.Join(dir, name)
		return path, os.WriteFile(path, data, 0o600)
	}
	caTmpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}
	leaf := func(cn string, usage x509.ExtKeyUsage, dns []string, ips []net.IP) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: dns, IPAddresses: ips}
	}
	ca, caPEM, _, err := issue(caTmpl("carecert test CA"), nil)
	if err != nil {
		return nil, err
	}
	_, otherPEM, otherKey, err := issue(caTmpl("some other CA"), nil)
	if err != nil {
		return nil, err
	}
	_, srvPEM, srvKey, err := issue(leaf("mllp server", x509.ExtKeyUsageServerAuth, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}), ca)
	if err != nil {
		return nil, err
	}
	_, cliPEM, cliKey, err := issue(leaf("mllp client", x509.ExtKeyUsageClientAuth, nil, nil), ca)
	if err != nil {
		return nil, err
	}
	_, wrongPEM, wrongKey, err := issue(leaf("elsewhere", x509.ExtKeyUsageServerAuth, []string{"example.org"}, nil), ca)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		to   *string
		name string
		data []byte
	}{
		{&p.CA, "ca.pem", caPEM}, {&p.OtherCA, "other-ca.pem", otherPEM}, {&p.OtherKey, "other.key", otherKey},
		{&p.ServerCert, "server.pem", srvPEM}, {&p.ServerKey, "server.key", srvKey},
		{&p.ClientCert, "client.pem", cliPEM}, {&p.ClientKey, "client.key", cliKey},
		{&p.WrongNameCert, "wrong-name.pem", wrongPEM}, {&p.WrongNameKey, "wrong-name.key", wrongKey},
	} {
		if *f.to, err = write(f.name, f.data); err != nil {
			return nil, err
		}
	}
	return p, nil
}
