package tlsfiles_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/mllp/mllptest"
)

var _ = Describe("TLS files", func() {
	var pki *mllptest.PKI
	BeforeEach(func() {
		var err error
		pki, err = mllptest.NewPKI(GinkgoT().TempDir())
		Expect(err).NotTo(HaveOccurred())
	})
	file := func(option, path string) tlsfiles.File { return tlsfiles.File{Option: option, Path: path} }

	It("reads a CA pool and a matching certificate and key", func() {
		pool, err := file("tls.ca_file", pki.CA).Pool()
		Expect(err).NotTo(HaveOccurred())
		Expect(pool.Equal(nil)).To(BeFalse())
		pair, err := tlsfiles.Pair(file("--tls-cert", pki.ClientCert), file("--tls-key", pki.ClientKey))
		Expect(err).NotTo(HaveOccurred())
		Expect(pair.Certificate).To(HaveLen(1))
	})

	It("names the option and the file of every mistake, never quoting the file", func() {
		for _, c := range []struct {
			err  func() error
			want string
		}{
			{func() error { _, err := file("tls.ca_file", "/no/ca.pem").Pool(); return err }, "tls.ca_file /no/ca.pem: cannot read it: no such file or directory"},
			{func() error { _, err := file("tls.ca_file", pki.ClientKey).Pool(); return err }, "tls.ca_file " + pki.ClientKey + ": no PEM certificate in it"},
			{func() error {
				_, err := tlsfiles.Pair(file("--tls-cert", pki.ClientCert), file("--tls-key", pki.OtherKey))
				return err
			}, "--tls-key " + pki.OtherKey + " does not match the certificate in --tls-cert " + pki.ClientCert},
			{func() error {
				_, err := tlsfiles.Pair(file("--tls-cert", ""), file("--tls-key", pki.ClientKey))
				return err
			},
				"--tls-key is given without --tls-cert: give both, the certificate and its key"},
			{func() error {
				_, err := tlsfiles.Pair(file("--tls-cert", pki.ClientKey), file("--tls-key", pki.ClientKey))
				return err
			}, "--tls-cert " + pki.ClientKey + ": not a usable certificate"},
		} {
			err := c.err()
			Expect(err).To(MatchError(ContainSubstring(c.want)))
			Expect(err.Error()).NotTo(ContainSubstring("-----BEGIN"))
		}
	})
})
