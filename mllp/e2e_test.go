package mllp_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	"github.com/carecert/carecert/runner/target/mllptarget"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

func feedFile(n int) string {
	g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 11, Messages: n, ORUEvery: 3})
	Expect(err).NotTo(HaveOccurred())
	var buf bytes.Buffer
	_, err = g.Generate(&buf)
	Expect(err).NotTo(HaveOccurred())
	p := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
	Expect(os.WriteFile(p, buf.Bytes(), 0o644)).To(Succeed())
	return p
}

func newRunner(listen mllptarget.ListenOptions) *runner.Runner {
	checks := check.NewRegistry()
	v2.Register(checks)
	targets := target.NewRegistry()
	hl7v2files.Register(targets)
	targets.Register("mllp", "", mllptarget.Open)
	targets.Register("mllp-listen", "", mllptarget.OpenListen(listen))
	return &runner.Runner{Checks: checks, Targets: targets, Workers: 2}
}

func certify(t map[string]any, suites ...string) *model.Report {
	plan := &runner.Plan{Name: "mllp", Suites: suites, SampleLimit: 1000,
		Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{t}}}}
	Expect(plan.Check()).To(Succeed())
	reps, err := newRunner(mllptarget.ListenOptions{Judge: v2.NewJudge()}).Run(context.Background(), plan)
	Expect(err).NotTo(HaveOccurred())
	Expect(reps).To(HaveLen(1))
	return reps[0]
}

func result(rep *model.Report, req string) model.Result {
	for _, r := range rep.Targets[0].Results {
		if r.Requirement == req {
			return r
		}
	}
	Fail("no result for " + req)
	return model.Result{}
}

var _ = Describe("Certifying an MLLP endpoint (client target against the simulator)", func() {
	feed := ""
	BeforeEach(func() { feed = feedFile(9) })

	It("certifies an endpoint whose every acknowledgement is right", func() {
		addr := simulate(&mllp.Simulator{Defect: mllp.DefectNone})
		rep := certify(map[string]any{"url": "mllp://" + addr, "feed": feed, "timeout": "1s", "rate": 1000}, "mllp-ack")
		Expect(rep.Targets[0].Error).To(BeEmpty())
		Expect(rep.Targets[0].Records).To(BeEquivalentTo(9))
		Expect(result(rep, "ACK-CORRECT").Outcome).To(Equal(model.Pass))
		Expect(result(rep, "ACK-LATENCY").Outcome).To(Equal(model.Pass))
		Expect(rep.Verdict.Decision).To(Equal(model.Certified))
	})

	DescribeTable("does not certify an endpoint that gets acknowledgements wrong, and says which",
		func(defect, code string, wrong int) {
			// The timeout must be long enough for a correct ACK on a loaded
			// machine, and the slow defect well beyond it.
			addr := simulate(&mllp.Simulator{Defect: defect, Every: 3, Delay: 2 * time.Second})
			rep := certify(map[string]any{"url": "mllp://" + addr, "feed": feed, "timeout": "500ms", "rate": 1000}, "mllp-ack")
			res := result(rep, "ACK-CORRECT")
			Expect(res.Outcome).To(Equal(model.Fail))
			Expect(res.Failing).To(BeEquivalentTo(wrong))
			for _, f := range res.Findings {
				Expect(f.Code).To(Equal(code))
				Expect(f.File).To(Equal(feed))
				Expect(f.Line).To(BeNumerically(">", 0))
			}
			Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		},
		Entry(nil, mllp.DefectNoACK, "ack.missing", 3),
		Entry(nil, mllp.DefectWrongMSA2, "ack.msa-2", 3),
		Entry(nil, mllp.DefectUnframed, "ack.framing", 3),
		Entry(nil, mllp.DefectSlow, "ack.missing", 3),
		Entry(nil, mllp.DefectReset, "ack.missing", 3),
		Entry(nil, mllp.DefectNoSwap, "ack.msh-swap", 3),
		Entry(nil, mllp.DefectVersion, "ack.echo", 3),
		Entry(nil, mllp.DefectNotACK, "ack.not-ack", 3),
		Entry(nil, mllp.DefectGarbage, "ack.not-hl7", 3),
		Entry(nil, mllp.DefectCommit, "ack.commit", 3),
	)

	It("grades latency against the plan's thresholds, and bounds the messages sent", func() {
		addr := simulate(&mllp.Simulator{Defect: mllp.DefectSlow, Every: 1, Delay: 60 * time.Millisecond})
		rep := certify(map[string]any{"url": "mllp://" + addr, "feed": feed, "timeout": "1s", "rate": 1000,
			"max-messages": 4, "latency": map[string]any{"p50": "10ms"}}, "mllp-ack")
		Expect(rep.Targets[0].Records).To(BeEquivalentTo(4))
		Expect(result(rep, "ACK-CORRECT").Outcome).To(Equal(model.Pass))
		lat := result(rep, "ACK-LATENCY")
		Expect(lat.Outcome).To(Equal(model.Fail))
		Expect(lat.Message).To(ContainSubstring("threshold 10ms"))
	})

	It("keeps to the plan's rate", func() {
		addr := simulate(&mllp.Simulator{})
		start := time.Now()
		rep := certify(map[string]any{"url": "mllp://" + addr, "feed": feed, "timeout": "1s", "rate": 20, "max-messages": 5}, "mllp-ack")
		Expect(rep.Targets[0].Records).To(BeEquivalentTo(5))
		// Five messages at 20 a second: four intervals of 50ms at least.
		Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
	})

	It("fails the target with a clear error when the feed is missing", func() {
		rep := certify(map[string]any{"url": "mllp://127.0.0.1:9", "feed": "/nonexistent/feed.hl7"}, "mllp-ack")
		Expect(rep.Targets[0].Error).To(ContainSubstring("feed: cannot read /nonexistent/feed.hl7"))
	})
})

var _ = Describe("Listening for a vendor's feed (mllp-listen target)", func() {
	It("acknowledges AA or AE, validates everything received and stops at the message count", func() {
		ready := make(chan string, 1)
		r := newRunner(mllptarget.ListenOptions{Judge: v2.NewJudge(), Ready: func(a string) { ready <- a }})
		plan := &runner.Plan{Name: "listen", Suites: []string{"hl7v2-structure"}, SampleLimit: 1000,
			Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{{"name": "listener", "type": "mllp-listen",
				"url": "mllp://127.0.0.1:0", "count": 3, "duration": "10s"}}}}}
		Expect(plan.Check()).To(Succeed())
		type outcome struct {
			reps []*model.Report
			err  error
		}
		done := make(chan outcome, 1)
		go func() {
			reps, err := r.Run(context.Background(), plan)
			done <- outcome{reps, err}
		}()
		var addr string
		Eventually(ready, 5*time.Second).Should(Receive(&addr))

		conn, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		good := "MSH|^~\\&|PAS|RX1|EPR|RX1|20240101120000||ADT^A01^ADT_A01|G1|P|2.4\rEVN|A01|20240101120000\rPID|1||1^^^RX1^MR||SMITH^ANN\rPV1|1|I|W1\r"
		bad := strings.Replace(strings.Replace(good, "G1", "B1", 1), "PV1|1|I|W1\r", "", 1)
		// Two frames in one write, bytes outside frames, then a third frame.
		stream := append(mllp.Wrap([]byte(good)), mllp.Wrap([]byte(bad))...)
		stream = append(stream, []byte("noise")...)
		stream = append(stream, mllp.Wrap([]byte(strings.Replace(good, "G1", "G2", 1)))...)
		_, err = conn.Write(stream)
		Expect(err).NotTo(HaveOccurred())

		fr := mllp.NewFrameReader(conn, 0)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var codes []string
		for i := 0; i < 3; i++ {
			f, err := fr.Next()
			Expect(err).NotTo(HaveOccurred())
			ack := string(f.Data)
			codes = append(codes, strings.SplitN(strings.SplitN(ack, "MSA|", 2)[1], "\r", 2)[0])
		}
		Expect(codes[0]).To(Equal("AA|G1"))
		Expect(codes[1]).To(HavePrefix("AE|B1|"))
		Expect(codes[1]).To(ContainSubstring("PV1"))
		Expect(codes[2]).To(Equal("AA|G2"))

		var o outcome
		Eventually(done, 5*time.Second).Should(Receive(&o))
		Expect(o.err).NotTo(HaveOccurred())
		rep := o.reps[0]
		Expect(rep.Targets[0].Error).To(BeEmpty())
		Expect(result(rep, "INPUT").Outcome).To(Equal(model.Fail)) // the bytes outside frames
		Expect(result(rep, "INPUT").Findings[0].Code).To(Equal("mllp.outside-frame"))
		st := result(rep, "V2-STRUCTURE")
		Expect(st.Outcome).To(Equal(model.Fail))
		Expect(st.Findings).To(HaveLen(1))
		Expect(st.Findings[0].Record).To(Equal("ADT^A01/B1 (message 2)"))
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
	})

	It("ends after its duration with what it received", func() {
		rep := certify(map[string]any{"name": "quiet", "type": "mllp-listen", "url": "mllp://127.0.0.1:0", "duration": "100ms"}, "hl7v2-structure")
		Expect(rep.Targets[0].Error).To(BeEmpty())
		Expect(rep.Targets[0].Records).To(BeZero())
	})

	It("reports an address it cannot listen on", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		rep := certify(map[string]any{"name": "busy", "type": "mllp-listen", "url": "mllp://" + ln.Addr().String(), "duration": "1s"}, "hl7v2-structure")
		Expect(rep.Targets[0].Error).To(ContainSubstring("cannot listen on " + ln.Addr().String()))
	})
})
