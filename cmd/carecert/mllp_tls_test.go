package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/mllp/mllptest"
)

var _ = Describe("carecert with MLLP over TLS", func() {
	var pki *mllptest.PKI
	var dir string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		var err error
		pki, err = mllptest.NewPKI(dir)
		Expect(err).NotTo(HaveOccurred())
	})

	plan := func(url, tls string) string {
		return writeFile(dir, "plan.yaml", `name: tls
suites: [mllp-ack]
vendors:
  - name: Acme
    targets:
      - {name: ADT over TLS, url: "`+url+`", feed: feed.hl7, timeout: 5s, rate: 1000, tls: `+tls+`}
`)
	}

	It("certifies a simulator speaking mutual TLS, from a plan whose TLS files are relative to it", func() {
		hl7v2Feed(dir, 6, nil)
		addr := simulateMLLP("--tls-cert", pki.ServerCert, "--tls-key", pki.ServerKey, "--tls-client-ca", pki.CA)
		p := plan("mllps://"+addr, "{ca_file: ca.pem, cert_file: client.pem, key_file: client.key}")
		code, _, stderr := carecert("run", "-q", p, "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(exitOK), stderr)
		data, err := os.ReadFile(filepath.Join(dir, "out", "acme", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`"location": "mllps://` + addr))
		Expect(string(data)).NotTo(ContainSubstring("PRIVATE KEY"))
	})

	It("exits 2 before any connection when a plan's TLS key does not match its certificate", func() {
		hl7v2Feed(dir, 2, nil)
		p := plan("mllps://127.0.0.1:9", "{ca_file: ca.pem, cert_file: client.pem, key_file: other.key}")
		code, _, stderr := carecert("run", "-q", p, "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("tls.key_file " + pki.OtherKey + " does not match the certificate in tls.cert_file " + pki.ClientCert))
	})

	DescribeTable("exits 2 for TLS flags naming files that will not do, saying which flag and file",
		func(cmd string, flags func() []string, want func() string) {
			args := []string{cmd, "mllp", "--addr", "127.0.0.1:0", "--duration", "1s"}
			if cmd == "listen" {
				args = append(args, "--out", filepath.Join(dir, "out"))
			}
			args = append(args, flags()...)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := execute(ctx, args, &out, &errOut)
			Expect(code).To(Equal(exitUsage))
			Expect(errOut.String()).To(ContainSubstring(want()))
		},
		Entry("listen: a missing key", "listen", func() []string { return []string{"--tls-cert", pki.ServerCert, "--tls-key", "/no/server.key"} },
			func() string { return "--tls-key /no/server.key: cannot read it" }),
		Entry("listen: a client CA without a certificate", "listen", func() []string { return []string{"--tls-client-ca", pki.CA} },
			func() string { return "--tls-client-ca needs --tls-cert and --tls-key" }),
		Entry("simulate: a key that does not match", "simulate", func() []string { return []string{"--tls-cert", pki.ServerCert, "--tls-key", pki.ClientKey} },
			func() string {
				return "--tls-key " + pki.ClientKey + " does not match the certificate in --tls-cert " + pki.ServerCert
			}),
	)
})
