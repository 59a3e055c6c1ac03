package mllptarget_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/mllptarget"
)

// listening starts an mllp-listen target on 127.0.0.1 and returns its
// address and what it emitted so far.
func listening(opts params.Params) (addr string, records func() []*model.Record) {
	ready := make(chan string, 1)
	t, err := mllptarget.OpenListen(mllptarget.ListenOptions{Ready: func(a string) { ready <- a }})(
		target.Spec{Name: "l", URL: "mllp://127.0.0.1:0", Options: opts})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var recs []*model.Record
	done := make(chan error, 1)
	go func() {
		done <- t.Records(ctx, func(r *model.Record) error { mu.Lock(); defer mu.Unlock(); recs = append(recs, r); return nil })
	}()
	DeferCleanup(func() { cancel(); Eventually(done, 5*time.Second).Should(Receive(BeNil())) })
	Eventually(ready, 5*time.Second).Should(Receive(&addr))
	return addr, func() []*model.Record { mu.Lock(); defer mu.Unlock(); return append([]*model.Record(nil), recs...) }
}

// acksFor sends raw bytes and returns the MSA-1 and MSA-2 of every frame that
// comes back within wait.
func acksFor(conn net.Conn, fr *mllp.FrameReader, raw []byte, wait time.Duration) []string {
	_, err := conn.Write(raw)
	Expect(err).NotTo(HaveOccurred())
	var got []string
	for {
		conn.SetReadDeadline(time.Now().Add(wait))
		f, err := fr.Next()
		if err != nil {
			return got
		}
		ms, _ := hl7v2.ParseAll(f.Data)
		Expect(ms).NotTo(BeEmpty())
		got = append(got, ms[0].Get("MSA-1")+" "+ms[0].Get("MSA-2"))
	}
}

func withModes(id, accept, application string) string {
	return strings.Replace(strings.Replace(adtMessage, "|M1|P|2.4\r", "|"+id+"|P|2.4|||"+accept+"|"+application+"\r", 1), "|||||\r", "\r", 1)
}

var _ = Describe("mllp-listen acknowledgements", func() {
	DescribeTable("answers each message as its MSH-15 and MSH-16 ask",
		func(accept, application string, want []string) {
			addr, _ := listening(params.Params{"ack": "aa"})
			conn, err := net.Dial("tcp", addr)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			fr := mllp.NewFrameReader(conn, 0)
			Expect(acksFor(conn, fr, mllp.Wrap([]byte(withModes("X1", accept, application))), 300*time.Millisecond)).To(Equal(want))
			// The connection is still in step: an original-mode message next gets its AA.
			Expect(acksFor(conn, fr, mllp.Wrap([]byte(withModes("X2", "", ""))), 300*time.Millisecond)).To(Equal([]string{"AA X2"}))
		},
		Entry("original mode", "", "", []string{"AA X1"}),
		Entry("AL/AL", "AL", "AL", []string{"CA X1", "AA X1"}),
		Entry("NE/NE: nothing", "NE", "NE", nil),
		Entry("AL/NE", "AL", "NE", []string{"CA X1"}),
		Entry("NE/AL", "NE", "AL", []string{"AA X1"}),
		Entry("ER/ER on success: nothing", "ER", "ER", nil),
		Entry("SU/SU on success", "SU", "SU", []string{"CA X1", "AA X1"}),
		Entry("only MSH-16 given", "", "AL", []string{"CA X1", "AA X1"}),
	)

	It("rejects an oversize frame with AR instead of dropping it, and reports it", func() {
		addr, records := listening(params.Params{"ack": "aa", "max-frame": 200})
		conn, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		fr := mllp.NewFrameReader(conn, 0)
		big := withModes("BIG1", "", "") + "NTE|1||" + strings.Repeat("x", 500) + "\r"
		Expect(acksFor(conn, fr, mllp.Wrap([]byte(big)), time.Second)).To(Equal([]string{"AR BIG1"}))
		Expect(acksFor(conn, fr, mllp.Wrap([]byte(withModes("BIG2", "AL", "AL")+"NTE|1||"+strings.Repeat("x", 500)+"\r")), 300*time.Millisecond)).
			To(Equal([]string{"CR BIG2"}))
		Eventually(func() []string { return problems(records()) }, 5*time.Second).Should(Equal([]string{"mllp.oversize", "mllp.oversize"}))
	})

	It("acknowledges a frame that ends 0x1C without 0x0D at once, and reports it", func() {
		addr, records := listening(params.Params{"ack": "aa"})
		conn, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		fr := mllp.NewFrameReader(conn, 0)
		raw := append([]byte{mllp.StartBlock}, withModes("E1", "", "")...)
		raw = append(raw, mllp.EndBlock)
		Expect(acksFor(conn, fr, raw, 2*time.Second)).To(Equal([]string{"AA E1"}))
		// The next frame shows the 0x0D never came.
		Expect(acksFor(conn, fr, mllp.Wrap([]byte(withModes("E2", "", ""))), time.Second)).To(Equal([]string{"AA E2"}))
		raw = append([]byte{mllp.StartBlock}, withModes("E3", "", "")...)
		Expect(acksFor(conn, fr, append(raw, mllp.EndBlock), 2*time.Second)).To(Equal([]string{"AA E3"}))
		conn.Close()
		Eventually(func() []string { return problems(records()) }, 5*time.Second).Should(Equal([]string{"mllp.frame-end", "mllp.frame-end"}))
		// A 0x0D that arrives late, in its own packet, is the frame's end: no finding.
		addr2, records2 := listening(params.Params{"ack": "aa"})
		conn2, err := net.Dial("tcp", addr2)
		Expect(err).NotTo(HaveOccurred())
		fr2 := mllp.NewFrameReader(conn2, 0)
		raw = append([]byte{mllp.StartBlock}, withModes("L1", "", "")...)
		Expect(acksFor(conn2, fr2, append(raw, mllp.EndBlock), 2*time.Second)).To(Equal([]string{"AA L1"}))
		Expect(acksFor(conn2, fr2, append([]byte{mllp.CR}, mllp.Wrap([]byte(withModes("L2", "", "")))...), time.Second)).To(Equal([]string{"AA L2"}))
		conn2.Close()
		Consistently(func() []string { return problems(records2()) }, 300*time.Millisecond).Should(BeEmpty())
		Expect(records2()).To(HaveLen(2))
	})
})

func problems(recs []*model.Record) []string {
	var out []string
	for _, r := range recs {
		if r.Problem != nil {
			out = append(out, r.Problem.Code)
		}
	}
	return out
}

var _ = Describe("mllp-listen under a flood of connections", func() {
	It("serves at most max-connections at once, closes each that sends no complete frame in time, and still takes a good sender afterwards", func() {
		ready := make(chan string, 1)
		t, err := mllptarget.OpenListen(mllptarget.ListenOptions{Ready: func(a string) { ready <- a }})(
			target.Spec{Name: "l", URL: "mllp://127.0.0.1:0", Options: params.Params{
				"max-connections": 4, "read-timeout": "1s", "max-frame": 1 << 20, "count": 1, "duration": "30s"}})
		Expect(err).NotTo(HaveOccurred())
		var mu sync.Mutex
		var recs []*model.Record
		records := func() []*model.Record { mu.Lock(); defer mu.Unlock(); return append([]*model.Record(nil), recs...) }
		done := make(chan error, 1)
		go func() {
			done <- t.Records(context.Background(), func(r *model.Record) error { mu.Lock(); defer mu.Unlock(); recs = append(recs, r); return nil })
		}()
		var addr string
		Eventually(ready, 5*time.Second).Should(Receive(&addr))

		// Twelve senders each start a frame of half a megabyte and never end it.
		const flood = 12
		unterminated := append([]byte{mllp.StartBlock}, make([]byte, 512<<10)...)
		var conns []net.Conn
		for range flood {
			conn, err := net.Dial("tcp", addr)
			Expect(err).NotTo(HaveOccurred())
			conns = append(conns, conn)
			go conn.Write(unterminated) // a refused connection's write fails: expected
		}
		DeferCleanup(func() {
			for _, c := range conns {
				c.Close()
			}
		})
		codes := func() map[string]int {
			n := map[string]int{}
			for _, r := range records() {
				if r.Problem != nil {
					n[r.Problem.Code]++
				}
			}
			return n
		}
		// Every served flooder is cut off at its read timeout, inside its frame.
		Eventually(func() int { return codes()["mllp.read-timeout"] }, 10*time.Second).Should(BeNumerically(">=", 4))

		conn, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		Expect(acksFor(conn, mllp.NewFrameReader(conn, 0), mllp.Wrap([]byte(adtMessage)), 5*time.Second)).To(Equal([]string{"AA M1"}))
		Eventually(done, 10*time.Second).Should(Receive(BeNil()))

		got := codes()
		Expect(got["mllp.read-timeout"]).To(BeNumerically("<=", flood))
		Expect(got["mllp.connection-limit"]).To(Equal(1), "refusals are reported once, however many")
		var limit *model.Record
		for _, r := range records() {
			if r.Problem != nil && r.Problem.Code == "mllp.connection-limit" {
				limit = r
			}
		}
		Expect(limit.Problem.Severity).To(Equal(model.Warning))
		Expect(limit.Problem.Message).To(MatchRegexp(`\d+ connection\(s\) refused: more than 4 were open at once`))
		var refused int
		_, err = fmt.Sscanf(limit.Problem.Message, "%d", &refused)
		Expect(err).NotTo(HaveOccurred())
		Expect(refused+got["mllp.read-timeout"]).To(Equal(flood), "each flooder was either refused or served until its timeout")
	})

	It("refuses a limit that is not positive", func() {
		_, err := mllptarget.OpenListen(mllptarget.ListenOptions{})(target.Spec{Name: "l", URL: "mllp://127.0.0.1:0", Options: params.Params{"max-connections": 0}})
		Expect(err).To(MatchError(ContainSubstring(`option "max-connections": must be positive, got 0`)))
	})
})
