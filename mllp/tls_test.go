package mllp_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/mllp/mllptest"
)

func newPKI() *mllptest.PKI {
	p, err := mllptest.NewPKI(GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
	return p
}

func file(option, path string) tlsfiles.File { return tlsfiles.File{Option: option, Path: path} }

// simulateTLS runs a simulator behind a TLS listener with the server's
// certificate and key (and a client CA when given).
func simulateTLS(s *mllp.Simulator, cert, key, clientCA string) string {
	cfg, err := mllp.ServerTLS{Cert: file("--tls-cert", cert), Key: file("--tls-key", key), ClientCA: file("--tls-client-ca", clientCA)}.Config()
	Expect(err).NotTo(HaveOccurred())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, tls.NewListener(ln, cfg)) }()
	DeferCleanup(func() {
		cancel()
		Eventually(done, 5*time.Second).Should(Receive(BeNil()))
	})
	return ln.Addr().String()
}

var _ = Describe("MLLP over TLS", func() {
	fixed := func() time.Time { return time.Date(2024, 1, 1, 12, 0, 1, 0, time.UTC) }
	var pki *mllptest.PKI
	BeforeEach(func() { pki = newPKI() })

	// Messages in original and enhanced mode, with a defect on every third.
	messages := func() [][]byte {
		var out [][]byte
		for _, m := range []string{msg, strings.Replace(msg, "|P|2.4", "|P|2.4|||AL|AL", 1), strings.Replace(msg, "C1", "C3", 1), strings.Replace(msg, "C1", "C4", 1)} {
			out = append(out, []byte(m))
		}
		return out
	}
	exchange := func(c *mllp.Client) []string {
		defer c.Close()
		var got []string
		for _, raw := range messages() {
			ms, err := hl7v2.ParseAll(raw)
			Expect(err).NotTo(HaveOccurred())
			ex := c.Send(context.Background(), ms[0], raw)
			Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
			var acks []string
			for _, r := range ex.Responses {
				acks = append(acks, string(r.Raw))
			}
			got = append(got, strings.Join(acks, "\n--\n"))
		}
		return got
	}

	It("gets the same acknowledgements over TLS as over plain TCP, with and without client certificates", func() {
		sim := func() *mllp.Simulator { return &mllp.Simulator{Defect: mllp.DefectWrongMSA2, Every: 3, Now: fixed} }
		plain := exchange(&mllp.Client{Addr: simulate(sim()), Timeout: 2 * time.Second})
		Expect(plain).To(HaveLen(4))
		Expect(plain[1]).To(ContainSubstring("MSA|CA|C1"))
		Expect(plain[2]).To(ContainSubstring("MSA|AA|XC3"))

		overTLS := exchange(&mllp.Client{Addr: simulateTLS(sim(), pki.ServerCert, pki.ServerKey, ""), Timeout: 2 * time.Second,
			TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)}})
		Expect(overTLS).To(Equal(plain))

		mutual := exchange(&mllp.Client{Addr: simulateTLS(sim(), pki.ServerCert, pki.ServerKey, pki.CA), Timeout: 2 * time.Second,
			TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA), Cert: file("tls.cert_file", pki.ClientCert), Key: file("tls.key_file", pki.ClientKey)}})
		Expect(mutual).To(Equal(plain))
	})

	It("connects by the name localhost too, and to a server reached by another name with server_name", func() {
		addr := simulateTLS(&mllp.Simulator{Now: fixed}, pki.WrongNameCert, pki.WrongNameKey, "")
		c := &mllp.Client{Addr: addr, Timeout: 2 * time.Second, TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA), ServerName: "example.org"}}
		defer c.Close()
		ex := c.Send(context.Background(), request(), []byte(msg))
		Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)

		_, port, _ := net.SplitHostPort(simulateTLS(&mllp.Simulator{Now: fixed}, pki.ServerCert, pki.ServerKey, ""))
		c2 := &mllp.Client{Addr: "localhost:" + port, Timeout: 2 * time.Second, TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)}}
		defer c2.Close()
		ex = c2.Send(context.Background(), request(), []byte(msg))
		Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
	})

	DescribeTable("says clearly why a TLS connection failed",
		func(server func() string, client func() *mllp.ClientTLS, detail func() []string) {
			c := &mllp.Client{Addr: server(), Timeout: 2 * time.Second, ConnectTimeout: 2 * time.Second, TLS: client()}
			defer c.Close()
			ex := c.Send(context.Background(), request(), []byte(msg))
			Expect(ex.Outcome).To(Equal(hl7v2.ConnectFailed))
			for _, d := range detail() {
				Expect(ex.Detail).To(ContainSubstring(d))
			}
		},
		Entry("a server certificate no given CA signed",
			func() string { return simulateTLS(&mllp.Simulator{}, pki.ServerCert, pki.ServerKey, "") },
			func() *mllp.ClientTLS { return &mllp.ClientTLS{CA: file("tls.ca_file", pki.OtherCA)} },
			func() []string {
				return []string{`the server's certificate (subject "CN=mllp server", issuer "CN=carecert test CA") is not trusted by the CA(s) in tls.ca_file ` + pki.OtherCA}
			}),
		Entry("a server certificate for another name",
			func() string { return simulateTLS(&mllp.Simulator{}, pki.WrongNameCert, pki.WrongNameKey, "") },
			func() *mllp.ClientTLS { return &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)} },
			func() []string {
				return []string{"the server's certificate is for example.org, not 127.0.0.1", "tls.server_name"}
			}),
		Entry("a server that requires a client certificate, and none given",
			func() string { return simulateTLS(&mllp.Simulator{}, pki.ServerCert, pki.ServerKey, pki.CA) },
			func() *mllp.ClientTLS { return &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)} },
			func() []string {
				return []string{"the server requires a client certificate (mutual TLS) and none was given: set tls.cert_file and tls.key_file"}
			}),
		Entry("a client certificate the server does not trust",
			func() string { return simulateTLS(&mllp.Simulator{}, pki.ServerCert, pki.ServerKey, pki.OtherCA) },
			func() *mllp.ClientTLS {
				return &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA), Cert: file("tls.cert_file", pki.ClientCert), Key: file("tls.key_file", pki.ClientKey)}
			},
			func() []string {
				return []string{"the server rejected the client certificate in tls.cert_file " + pki.ClientCert}
			}),
		Entry("a plain MLLP server that answers the TLS hello with an MLLP frame",
			func() string { return plainAnswerer() },
			func() *mllp.ClientTLS { return &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)} },
			func() []string { return []string{"did not answer in TLS"} }),
	)

	It("gives up on a handshake the server never answers within the connect timeout", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		go func() { // accept, never speak
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				DeferCleanup(conn.Close)
			}
		}()
		c := &mllp.Client{Addr: ln.Addr().String(), Timeout: 5 * time.Second, ConnectTimeout: 300 * time.Millisecond,
			TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)}}
		defer c.Close()
		start := time.Now()
		ex := c.Send(context.Background(), request(), []byte(msg))
		Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		Expect(ex.Outcome).To(Equal(hl7v2.ConnectFailed))
		Expect(ex.Detail).To(ContainSubstring("TLS handshake with " + ln.Addr().String() + " did not complete within 300ms (connect-timeout)"))
	})

	It("reports a sender's failed handshake to the listener's handler", func() {
		cfg, err := mllp.ServerTLS{Cert: file("c", pki.ServerCert), Key: file("k", pki.ServerKey), ClientCA: file("ca", pki.CA)}.Config()
		Expect(err).NotTo(HaveOccurred())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		got := make(chan mllp.Received, 4)
		l := &mllp.Listener{HandshakeTimeout: 2 * time.Second, Handle: func(r mllp.Received) ([][]byte, bool) { got <- r; return nil, false }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- l.Serve(ctx, tls.NewListener(ln, cfg)) }()
		defer func() { cancel(); Eventually(done, 5*time.Second).Should(Receive(BeNil())) }()

		// A probe that connects and closes is not worth a finding.
		probe, err := net.Dial("tcp", ln.Addr().String())
		Expect(err).NotTo(HaveOccurred())
		probe.Close()

		c := &mllp.Client{Addr: ln.Addr().String(), Timeout: 2 * time.Second, TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)}}
		defer c.Close()
		ex := c.Send(context.Background(), request(), []byte(msg))
		Expect(ex.Outcome).To(Equal(hl7v2.ConnectFailed))
		var r mllp.Received
		Eventually(got, 5*time.Second).Should(Receive(&r))
		Expect(r.TLSError).To(ContainSubstring("the client gave no certificate, and one is required"))
		Consistently(got, 200*time.Millisecond).ShouldNot(Receive())
	})

	DescribeTable("checks TLS files before any connection, naming the option and the file and never quoting it",
		func(load func() error, want func() string) {
			err := load()
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want()))
			Expect(err.Error()).NotTo(ContainSubstring("-----BEGIN"))
			Expect(err.Error()).NotTo(ContainSubstring("MII"))
		},
		Entry("a missing CA file", func() error {
			return (&mllp.ClientTLS{CA: file("tls.ca_file", "/nonexistent/ca.pem")}).Load()
		}, func() string { return "tls.ca_file /nonexistent/ca.pem: cannot read it: no such file or directory" }),
		Entry("a CA file with no certificate", func() error {
			return (&mllp.ClientTLS{CA: file("tls.ca_file", pki.ClientKey)}).Load()
		}, func() string { return "tls.ca_file " + pki.ClientKey + ": no PEM certificate in it" }),
		Entry("a client key that does not match its certificate", func() error {
			return (&mllp.ClientTLS{Cert: file("tls.cert_file", pki.ClientCert), Key: file("tls.key_file", pki.OtherKey)}).Load()
		}, func() string {
			return "tls.key_file " + pki.OtherKey + " does not match the certificate in tls.cert_file " + pki.ClientCert
		}),
		Entry("a certificate without its key", func() error {
			return (&mllp.ClientTLS{Cert: file("tls.cert_file", pki.ClientCert)}).Load()
		}, func() string { return "tls.cert_file is given without tls.key_file" }),
		Entry("certificate and key swapped", func() error {
			_, err := mllp.ServerTLS{Cert: file("--tls-cert", pki.ServerKey), Key: file("--tls-key", pki.ServerCert)}.Config()
			return err
		}, func() string { return "--tls-cert " + pki.ServerKey + ": not a usable certificate" }),
		Entry("a server key that does not match", func() error {
			_, err := mllp.ServerTLS{Cert: file("--tls-cert", pki.ServerCert), Key: file("--tls-key", pki.ClientKey)}.Config()
			return err
		}, func() string {
			return "--tls-key " + pki.ClientKey + " does not match the certificate in --tls-cert " + pki.ServerCert
		}),
		Entry("a missing client CA file", func() error {
			_, err := mllp.ServerTLS{Cert: file("--tls-cert", pki.ServerCert), Key: file("--tls-key", pki.ServerKey), ClientCA: file("--tls-client-ca", "/no/ca.pem")}.Config()
			return err
		}, func() string { return "--tls-client-ca /no/ca.pem: cannot read it" }),
		Entry("a client CA without a server certificate", func() error {
			_, err := mllp.ServerTLS{Cert: file("--tls-cert", ""), Key: file("--tls-key", ""), ClientCA: file("--tls-client-ca", pki.CA)}.Config()
			return err
		}, func() string { return "--tls-client-ca needs --tls-cert and --tls-key" }),
		Entry("a CA and insecure_skip_verify together", func() error {
			return (&mllp.ClientTLS{CA: file("tls.ca_file", pki.CA), InsecureSkipVerify: true}).Load()
		}, func() string { return "tls.ca_file and insecure_skip_verify are both given" }),
	)

	It("refuses TLS below 1.2", func() {
		cfg, err := mllp.ServerTLS{Cert: file("c", pki.ServerCert), Key: file("k", pki.ServerKey)}.Config()
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg.MinVersion).To(BeEquivalentTo(tls.VersionTLS12))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- (&mllp.Simulator{}).Serve(ctx, tls.NewListener(ln, cfg)) }()
		defer func() { cancel(); Eventually(done, 5*time.Second).Should(Receive(BeNil())) }()
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", ln.Addr().String(),
			&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
		}
		Expect(err).To(HaveOccurred())
	})
})

// plainAnswerer is a plain-TCP server that answers whatever arrives with an
// MLLP frame, as a plain MLLP endpoint that sends something back would.
func plainAnswerer() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(ln.Close)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 1024)
				conn.Read(buf)
				conn.Write(mllp.Wrap([]byte("MSH|^~\\&|X|Y\rMSA|AR|?\r")))
			}()
		}
	}()
	return ln.Addr().String()
}
