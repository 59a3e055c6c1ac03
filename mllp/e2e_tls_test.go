package mllp_test

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/mllp/mllptest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/mllptarget"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

var _ = Describe("Certifying an MLLP endpoint over TLS (mllps:// and the tls option)", func() {
	var pki *mllptest.PKI
	feed := ""
	BeforeEach(func() { pki, feed = newPKI(), feedFile(9) })

	It("finds over TLS exactly what it finds over plain TCP", func() {
		sim := func() *mllp.Simulator { return &mllp.Simulator{Defect: mllp.DefectWrongMSA2, Every: 3} }
		plain := certify(map[string]any{"url": "mllp://" + simulate(sim()), "feed": feed, "timeout": "2s", "rate": 1000}, "mllp-ack")
		secure := certify(map[string]any{"url": "mllps://" + simulateTLS(sim(), pki.ServerCert, pki.ServerKey, pki.CA), "feed": feed,
			"timeout": "2s", "rate": 1000, "tls": map[string]any{"ca_file": pki.CA, "cert_file": pki.ClientCert, "key_file": pki.ClientKey}}, "mllp-ack")
		Expect(secure.Targets[0].Error).To(BeEmpty())
		Expect(secure.Targets[0].Records).To(Equal(plain.Targets[0].Records))
		p, s := result(plain, "ACK-CORRECT"), result(secure, "ACK-CORRECT")
		Expect(s.Outcome).To(Equal(model.Fail))
		Expect(s.Failing).To(Equal(p.Failing))
		Expect(s.Failing).To(BeEquivalentTo(3))
		Expect(len(s.Findings)).To(Equal(len(p.Findings)))
		for i := range s.Findings {
			Expect(s.Findings[i].Code).To(Equal(p.Findings[i].Code))
			Expect(s.Findings[i].Message).To(Equal(p.Findings[i].Message))
			Expect(s.Findings[i].Line).To(Equal(p.Findings[i].Line))
		}
		Expect(result(secure, "INPUT").Outcome).To(Equal(model.Pass))
	})

	It("certifies with tls: true on an mllp:// URL and a CA, and fails every message clearly without the client certificate", func() {
		addr := simulateTLS(&mllp.Simulator{}, pki.ServerCert, pki.ServerKey, pki.CA)
		rep := certify(map[string]any{"url": "mllp://" + addr, "feed": feed, "timeout": "2s", "rate": 1000, "max-messages": 2,
			"tls": map[string]any{"ca_file": pki.CA}}, "mllp-ack")
		res := result(rep, "ACK-CORRECT")
		Expect(res.Outcome).To(Equal(model.Fail))
		Expect(res.Findings).NotTo(BeEmpty())
		for _, f := range res.Findings {
			Expect(f.Code).To(Equal("ack.connect"))
			Expect(f.Message).To(ContainSubstring("the server requires a client certificate (mutual TLS) and none was given"))
		}
	})

	It("warns loudly in the report when certificate verification is off", func() {
		addr := simulateTLS(&mllp.Simulator{}, pki.ServerCert, pki.ServerKey, "")
		rep := certify(map[string]any{"url": "mllps://" + addr, "feed": feed, "timeout": "2s", "rate": 1000,
			"tls": map[string]any{"insecure_skip_verify": true}}, "mllp-ack")
		Expect(result(rep, "ACK-CORRECT").Outcome).To(Equal(model.Pass))
		in := result(rep, "INPUT")
		Expect(in.Outcome).To(Equal(model.Warn))
		Expect(in.Findings).To(HaveLen(1))
		Expect(in.Findings[0].Code).To(Equal("mllp.tls-insecure"))
		Expect(in.Findings[0].Message).To(ContainSubstring("TLS certificate verification is OFF"))
		// A warning, as the brief asks: the verdict still rests on the acknowledgements.
		Expect(rep.Verdict.Decision).To(Equal(model.Certified))
	})

	DescribeTable("refuses bad TLS options when the plan is loaded, before any connection, naming the option and file",
		func(tlsOpt func() any, url string, want func() string) {
			var accepted atomic.Int32
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					accepted.Add(1)
					c.Close()
				}
			}()
			t := map[string]any{"url": url + ln.Addr().String(), "feed": feed}
			if o := tlsOpt(); o != nil {
				t["tls"] = o
			}
			plan := &runner.Plan{Name: "mllp", Suites: []string{"mllp-ack"}, Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{t}}}}
			Expect(plan.Check()).To(Succeed())
			reps, err := newRunner(mllptarget.ListenOptions{}).Run(context.Background(), plan)
			Expect(err).To(HaveOccurred())
			Expect(reps).To(BeEmpty())
			Expect(err.Error()).To(ContainSubstring(want()))
			Expect(err.Error()).NotTo(ContainSubstring("BEGIN"))
			Consistently(accepted.Load, 100*time.Millisecond).Should(BeZero())
		},
		Entry("a missing CA file", func() any { return map[string]any{"ca_file": "/nonexistent/ca.pem"} }, "mllps://",
			func() string { return "tls.ca_file /nonexistent/ca.pem: cannot read it" }),
		Entry("a key that does not match its certificate", func() any {
			return map[string]any{"ca_file": pki.CA, "cert_file": pki.ClientCert, "key_file": pki.OtherKey}
		}, "mllp://", func() string {
			return "tls.key_file " + pki.OtherKey + " does not match the certificate in tls.cert_file " + pki.ClientCert
		}),
		Entry("a misspelt TLS option", func() any { return map[string]any{"ca-file": pki.CA} }, "mllp://",
			func() string { return `"tls": unknown option(s) ca-file (did you mean ca_file?` }),
		Entry("tls: false on an mllps:// URL", func() any { return false }, "mllps://",
			func() string { return "tls: false contradicts the mllps:// URL" }),
	)
})

var _ = Describe("Listening for a vendor's feed over TLS (mllp-listen target)", func() {
	var pki *mllptest.PKI
	BeforeEach(func() { pki = newPKI() })

	listen := func(tlsOpt map[string]any, count int) (string, chan *model.Report) {
		ready := make(chan string, 1)
		r := newRunner(mllptarget.ListenOptions{Judge: v2.NewJudge(), Ready: func(a string) { ready <- a }})
		plan := &runner.Plan{Name: "listen", Suites: []string{"hl7v2-structure"}, SampleLimit: 1000,
			Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{{"name": "listener", "type": "mllp-listen",
				"url": "mllps://127.0.0.1:0", "count": count, "duration": "3s", "tls": tlsOpt}}}}}
		Expect(plan.Check()).To(Succeed())
		done := make(chan *model.Report, 1)
		go func() {
			defer GinkgoRecover()
			reps, err := r.Run(context.Background(), plan)
			Expect(err).NotTo(HaveOccurred())
			done <- reps[0]
		}()
		var addr string
		Eventually(ready, 5*time.Second).Should(Receive(&addr))
		return addr, done
	}

	It("acknowledges over TLS with client certificates, and reports a sender that has none", func() {
		addr, done := listen(map[string]any{"cert_file": pki.ServerCert, "key_file": pki.ServerKey, "client_ca_file": pki.CA}, 1)

		anon := &mllp.Client{Addr: addr, Timeout: 2 * time.Second, TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA)}}
		ex := anon.Send(context.Background(), request(), []byte(msg))
		anon.Close()
		Expect(ex.Outcome).To(Equal(hl7v2.ConnectFailed))

		c := &mllp.Client{Addr: addr, Timeout: 2 * time.Second, TLS: &mllp.ClientTLS{CA: file("tls.ca_file", pki.CA),
			Cert: file("tls.cert_file", pki.ClientCert), Key: file("tls.key_file", pki.ClientKey)}}
		defer c.Close()
		ex = c.Send(context.Background(), request(), []byte(msg))
		Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
		Expect(ex.Responses[0].Message.Get("MSA-2")).To(Equal("C1"))

		var rep *model.Report
		Eventually(done, 5*time.Second).Should(Receive(&rep))
		Expect(rep.Targets[0].Location).To(HavePrefix("mllps://"))
		in := result(rep, "INPUT")
		Expect(in.Findings).To(HaveLen(1))
		Expect(in.Findings[0].Code).To(Equal("mllp.tls-handshake"))
		Expect(in.Findings[0].Message).To(ContainSubstring("the client gave no certificate, and one is required"))
	})

	It("refuses an mllps:// listener without a certificate when the plan is loaded", func() {
		plan := &runner.Plan{Name: "listen", Suites: []string{"hl7v2-structure"},
			Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{{"name": "listener", "type": "mllp-listen",
				"url": "mllps://127.0.0.1:0", "tls": map[string]any{"cert_file": pki.ServerCert, "key_file": "/no/server.key"}}}}}}
		Expect(plan.Check()).To(Succeed())
		_, err := newRunner(mllptarget.ListenOptions{}).Run(context.Background(), plan)
		Expect(err).To(MatchError(ContainSubstring("tls.key_file /no/server.key: cannot read it")))
	})
})
