package mllp_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing/iotest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/mllp"
)

const msg = "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.4\rEVN|A01\rPID|1\r"

func frames(r io.Reader, max int) ([]mllp.Frame, error) {
	fr := mllp.NewFrameReader(r, max)
	var out []mllp.Frame
	for {
		f, err := fr.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		out = append(out, f)
	}
}

var _ = Describe("FrameReader", func() {
	It("reads frames split across reads and several frames in one read", func() {
		stream := append(mllp.Wrap([]byte("one")), mllp.Wrap([]byte("two"))...)
		for _, r := range []io.Reader{bytes.NewReader(stream), iotest.OneByteReader(bytes.NewReader(stream)), iotest.HalfReader(bytes.NewReader(stream))} {
			fs, err := frames(r, 0)
			Expect(err).NotTo(HaveOccurred())
			Expect(fs).To(HaveLen(2))
			Expect(string(fs[0].Data)).To(Equal("one"))
			Expect(string(fs[1].Data)).To(Equal("two"))
			Expect(fs[1].Skipped).To(BeZero())
		}
	})

	It("counts and samples bytes outside frames", func() {
		stream := append([]byte("noise\r\n"), mllp.Wrap([]byte("one"))...)
		fs, err := frames(bytes.NewReader(stream), 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(fs[0].Skipped).To(Equal(7))
		Expect(string(fs[0].SkippedSample)).To(Equal("noise\r\n"))
	})

	It("drops an oversize frame, reporting its size, and reads the next", func() {
		big := mllp.Wrap(bytes.Repeat([]byte("x"), 100_000))
		stream := append(big, mllp.Wrap([]byte("after"))...)
		fs, err := frames(iotest.HalfReader(bytes.NewReader(stream)), 1000)
		Expect(err).NotTo(HaveOccurred())
		Expect(fs).To(HaveLen(2))
		Expect(fs[0].Oversize).To(BeTrue())
		Expect(fs[0].Size).To(Equal(100_000))
		Expect(fs[0].Data).To(BeNil())
		Expect(string(fs[1].Data)).To(Equal("after"))
	})

	It("keeps an oversize frame's first line, so that a receiver can reject it", func() {
		big := mllp.Wrap(append([]byte("MSH|^~\\&|A|B|C|D|2024||ADT^A01|BIG|P|2.4\r"), bytes.Repeat([]byte("x"), 100_000)...))
		fs, err := frames(iotest.HalfReader(bytes.NewReader(big)), 1000)
		Expect(err).NotTo(HaveOccurred())
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Oversize).To(BeTrue())
		Expect(string(fs[0].Head)).To(Equal("MSH|^~\\&|A|B|C|D|2024||ADT^A01|BIG|P|2.4"))
	})

	// The first line kept of an oversize frame is decoded by the receiver
	// to answer: in UTF-16 and UTF-32 its line end is a unit (UTF-16BE's
	// CR is 0x00 0x0D, cut after the 0x00 before) and its cut at the limit
	// falls between characters, a surrogate pair whole.
	DescribeTable("keeps an oversize frame's first line in whole characters of its encoding",
		func(e hl7v2.Encoding) {
			for _, line := range []string{
				"MSH|^~\\&|A|B|C|D|2024||ADT^A01|BIG|P|2.4",
				"MSH|^~\\&|A|B|C|D|2024||ADT^A01|BIG|P|2.4|||||||" + strings.Repeat("𝄞", 1100),
				"MSH|^~\\&|A|B|C|D|2024||ADT^A01|BIG|P|2.4||||||||" + strings.Repeat("𝄞", 1100),
			} {
				data := hl7v2test.Encode(line+"\rEVN|A01\rPID|1\r"+strings.Repeat("x", 100_000), e)
				fs, err := frames(iotest.HalfReader(bytes.NewReader(mllp.Wrap(data))), 1000)
				Expect(err).NotTo(HaveOccurred())
				Expect(fs).To(HaveLen(1))
				Expect(fs[0].Oversize).To(BeTrue())
				whole := hl7v2test.Encode(line, e)
				Expect(whole).To(HavePrefix(string(fs[0].Head)))
				ms, err := hl7v2.ParseAll(fs[0].Head)
				Expect(err).NotTo(HaveOccurred())
				Expect(ms).To(HaveLen(1))
				Expect(ms[0].Get("MSH-10")).To(Equal("BIG"))
				Expect(strings.Join(ms[0].Segments[0].Fields, "|")).NotTo(ContainSubstring("\uFFFD"))
				if len(whole) <= 4096 {
					Expect(fs[0].Head).To(Equal(whole))
				} else {
					Expect(len(fs[0].Head)).To(BeNumerically(">", 4096-4))
				}
			}
		},
		encodingEntries(),
	)

	It("returns a frame at its 0x1C when nothing follows yet, and learns later whether 0x0D came", func() {
		// The sender waits after 0x1C: the frame must come back without the 0x0D.
		pr, pw := io.Pipe()
		fr := mllp.NewFrameReader(pr, 0)
		got := make(chan mllp.Frame, 3)
		go func() {
			for {
				f, err := fr.Next()
				if err != nil {
					close(got)
					return
				}
				got <- f
			}
		}()
		pw.Write([]byte{mllp.StartBlock, 'a', mllp.EndBlock})
		var f mllp.Frame
		Eventually(got, 2*time.Second).Should(Receive(&f))
		Expect(string(f.Data)).To(Equal("a"))
		Expect(f.BadEnd).To(BeFalse())
		// A late 0x0D is the frame's end; a start block instead is a bad end.
		pw.Write([]byte{mllp.CR, mllp.StartBlock, 'b', mllp.EndBlock})
		Eventually(got, 2*time.Second).Should(Receive(&f))
		Expect(f.PrevBadEnd).To(BeFalse())
		pw.Write([]byte{mllp.StartBlock, 'c', mllp.EndBlock, mllp.CR})
		Eventually(got, 2*time.Second).Should(Receive(&f))
		Expect(string(f.Data)).To(Equal("c"))
		Expect(f.PrevBadEnd).To(BeTrue())
		pw.Write([]byte{mllp.StartBlock, 'd', mllp.EndBlock})
		Eventually(got, 2*time.Second).Should(Receive(&f))
		pw.Close()
		Eventually(got, 2*time.Second).Should(BeClosed())
		Expect(fr.EndMissing()).To(BeTrue())
	})

	It("notices a missing CR after the end block, commit acknowledgements, and a stream cut inside a frame", func() {
		stream := []byte{mllp.StartBlock, 'a', mllp.EndBlock, mllp.StartBlock, hl7v2.CommitNAK, mllp.EndBlock, mllp.CR, mllp.StartBlock, 'c'}
		fs, err := frames(bytes.NewReader(stream), 0)
		Expect(mllp.IsIncomplete(err)).To(BeTrue())
		Expect(fs).To(HaveLen(2))
		Expect(fs[0].BadEnd).To(BeTrue())
		Expect(fs[1].Commit).To(Equal(byte(hl7v2.CommitNAK)))
	})
})

// simulate starts a simulator on 127.0.0.1 and returns its address.
func simulate(s *mllp.Simulator) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	DeferCleanup(func() {
		cancel()
		Eventually(done, 5*time.Second).Should(Receive(BeNil()))
	})
	return ln.Addr().String()
}

func request() *hl7v2.Message {
	ms, err := hl7v2.ParseAll([]byte(msg))
	Expect(err).NotTo(HaveOccurred())
	return ms[0]
}

var _ = Describe("Client against the simulator over 127.0.0.1", func() {
	fixed := func() time.Time { return time.Date(2024, 1, 1, 12, 0, 1, 0, time.UTC) }

	It("gets a correct AA acknowledgement", func() {
		addr := simulate(&mllp.Simulator{Defect: mllp.DefectNone, Now: fixed})
		c := &mllp.Client{Addr: addr, Timeout: time.Second}
		defer c.Close()
		for i := 0; i < 3; i++ { // one connection, several messages
			ex := c.Send(context.Background(), request(), []byte(msg))
			Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
			Expect(ex.Responses).To(HaveLen(1))
			ack := ex.Responses[0].Message
			Expect(ack.Get("MSA-1")).To(Equal("AA"))
			Expect(ack.Get("MSA-2")).To(Equal("C1"))
			Expect(ack.Get("MSH-3")).To(Equal("ROUTE"))
			Expect(ack.Get("MSH-5")).To(Equal("PAS"))
			Expect(ack.Get("MSH-12")).To(Equal("2.4"))
			Expect(ex.Responses[0].Latency).To(BeNumerically(">", 0))
		}
	})

	DescribeTable("sees each defect the simulator plays",
		func(defect string, outcome hl7v2.Outcome, detail string, check func(*hl7v2.Exchange)) {
			addr := simulate(&mllp.Simulator{Defect: defect, Delay: 2 * time.Second, Now: fixed})
			c := &mllp.Client{Addr: addr, Timeout: 500 * time.Millisecond}
			defer c.Close()
			ex := c.Send(context.Background(), request(), []byte(msg))
			Expect(ex.Outcome).To(Equal(outcome))
			Expect(ex.Detail).To(ContainSubstring(detail))
			if check != nil {
				check(ex)
			}
		},
		Entry("no ACK", mllp.DefectNoACK, hl7v2.Timeout, "no acknowledgement within 500ms", nil),
		Entry("slow ACK", mllp.DefectSlow, hl7v2.Timeout, "no acknowledgement within", nil),
		Entry("unframed ACK", mllp.DefectUnframed, hl7v2.Unframed, "without MLLP framing", nil),
		Entry("connection reset", mllp.DefectReset, hl7v2.Closed, "without an acknowledgement", nil),
		Entry("wrong MSA-2", mllp.DefectWrongMSA2, hl7v2.Answered, "", func(ex *hl7v2.Exchange) {
			Expect(ex.Responses[0].Message.Get("MSA-2")).To(Equal("XC1"))
		}),
		Entry("garbage", mllp.DefectGarbage, hl7v2.Answered, "", func(ex *hl7v2.Exchange) {
			Expect(ex.Responses[0].Message).NotTo(BeNil())
			Expect(ex.Responses[0].Message.Header()).To(BeNil())
		}),
		Entry("commit ACK", mllp.DefectCommit, hl7v2.Answered, "", func(ex *hl7v2.Exchange) {
			Expect(ex.Responses[0].Commit).To(Equal(byte(hl7v2.CommitACK)))
		}),
		Entry("AR", mllp.DefectReject, hl7v2.Answered, "", func(ex *hl7v2.Exchange) {
			Expect(ex.Responses[0].Message.Get("MSA-1")).To(Equal("AR"))
			Expect(ex.Responses[0].Message.Count("ERR")).To(Equal(1))
		}),
	)

	DescribeTable("waits only for what the message's acknowledgement mode asks for",
		func(conditions string, want []string, quick bool) {
			addr := simulate(&mllp.Simulator{Now: fixed})
			c := &mllp.Client{Addr: addr, Timeout: 2 * time.Second, Quiet: 100 * time.Millisecond}
			defer c.Close()
			text := strings.Replace(msg, "|P|2.4\r", "|P|2.4"+conditions+"\r", 1)
			ms, err := hl7v2.ParseAll([]byte(text))
			Expect(err).NotTo(HaveOccurred())
			ex := c.Send(context.Background(), ms[0], []byte(text))
			Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
			var codes []string
			for _, r := range ex.Responses {
				codes = append(codes, r.Message.Get("MSA-1"))
			}
			Expect(codes).To(Equal(want))
			if quick {
				Expect(ex.Elapsed).To(BeNumerically("<", time.Second))
			}
		},
		Entry("NE/NE: none, and no timeout", "|||NE|NE", nil, true),
		Entry("AL/NE: the accept acknowledgement only", "|||AL|NE", []string{"CA"}, true),
		Entry("NE/AL: the application acknowledgement only", "|||NE|AL", []string{"AA"}, true),
		Entry("ER/ER on success: none", "|||ER|ER", nil, true),
		Entry("AL/SU: both", "|||AL|SU", []string{"CA", "AA"}, true),
	)

	It("waits for the application acknowledgement after an accept acknowledgement in enhanced mode", func() {
		addr := simulate(&mllp.Simulator{Now: fixed})
		c := &mllp.Client{Addr: addr, Timeout: 2 * time.Second}
		defer c.Close()
		enhanced := strings.Replace(msg, "|P|2.4\r", "|P|2.4|||AL|AL\r", 1)
		ms, err := hl7v2.ParseAll([]byte(enhanced))
		Expect(err).NotTo(HaveOccurred())
		ex := c.Send(context.Background(), ms[0], []byte(enhanced))
		Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
		Expect(ex.Responses).To(HaveLen(2))
		Expect(ex.Responses[0].Message.Get("MSA-1")).To(Equal("CA"))
		Expect(ex.Responses[1].Message.Get("MSA-1")).To(Equal("AA"))
		Expect(ex.Responses[1].Latency).To(BeNumerically(">=", ex.Responses[0].Latency))
	})

	It("reconnects after the peer drops the connection, and plays a defect on every n-th message only", func() {
		addr := simulate(&mllp.Simulator{Defect: mllp.DefectReset, Every: 2, Now: fixed})
		c := &mllp.Client{Addr: addr, Timeout: time.Second}
		defer c.Close()
		var outcomes []hl7v2.Outcome
		for i := 0; i < 4; i++ {
			outcomes = append(outcomes, c.Send(context.Background(), request(), []byte(msg)).Outcome)
		}
		Expect(outcomes).To(Equal([]hl7v2.Outcome{hl7v2.Answered, hl7v2.Closed, hl7v2.Answered, hl7v2.Closed}))
	})

	It("says clearly when nothing listens", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := ln.Addr().String()
		ln.Close()
		c := &mllp.Client{Addr: addr, Timeout: time.Second, ConnectTimeout: time.Second}
		ex := c.Send(context.Background(), request(), []byte(msg))
		Expect(ex.Outcome).To(Equal(hl7v2.ConnectFailed))
		Expect(ex.Detail).To(ContainSubstring("cannot connect to " + addr))
	})

	It("refuses an unknown defect", func() {
		err := (&mllp.Simulator{Defect: "late"}).Validate()
		Expect(err).To(MatchError(ContainSubstring(`unknown defect "late"`)))
	})
})

var _ = Describe("Listener", func() {
	It("answers each frame, whatever the reads, and reports bytes outside frames and oversize frames", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		got := make(chan mllp.Received, 10)
		l := &mllp.Listener{MaxFrame: 1000, Handle: func(r mllp.Received) ([][]byte, bool) {
			got <- r
			if r.Data == nil {
				return nil, false
			}
			return [][]byte{[]byte("ACK " + strings.SplitN(string(r.Data), "\r", 2)[0][:3])}, false
		}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- l.Serve(ctx, ln) }()
		defer func() { cancel(); Eventually(done, 5*time.Second).Should(Receive(BeNil())) }()

		conn, err := net.Dial("tcp", ln.Addr().String())
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		stream := append([]byte("junk"), mllp.Wrap([]byte(msg))...)
		stream = append(stream, mllp.Wrap(bytes.Repeat([]byte("y"), 5000))...)
		stream = append(stream, mllp.Wrap([]byte(msg))...)
		// Split awkwardly: in the middle of the first frame, then the rest at once.
		_, err = conn.Write(stream[:10])
		Expect(err).NotTo(HaveOccurred())
		time.Sleep(20 * time.Millisecond)
		_, err = conn.Write(stream[10:])
		Expect(err).NotTo(HaveOccurred())

		var first, second, third mllp.Received
		Eventually(got, 5*time.Second).Should(Receive(&first))
		Expect(first.Skipped).To(Equal(4))
		Expect(string(first.Data)).To(Equal(msg))
		Eventually(got, 5*time.Second).Should(Receive(&second))
		Expect(second.Oversize).To(BeTrue())
		Eventually(got, 5*time.Second).Should(Receive(&third))
		Expect(string(third.Data)).To(Equal(msg))

		fr := mllp.NewFrameReader(conn, 0)
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		for i := 0; i < 2; i++ {
			f, err := fr.Next()
			Expect(err).NotTo(HaveOccurred())
			Expect(string(f.Data)).To(Equal("ACK MSH"))
		}
	})
})

// The simulator plays its faults on the acknowledgement's text by the field
// separator that acknowledgement is written with, the message's own: with
// '#' (and '^' after an empty MSH-2) the client receives a wrong MSA-2,
// another version, unswapped applications and an AE without its ERR, as it
// does with '|'; before, each fault looked for '|' and, not finding it,
// sent a correct acknowledgement in its place.
var _ = Describe("the simulator's faults whatever the message's delimiters", func() {
	fixed := func() time.Time { return time.Date(2024, 1, 1, 12, 0, 1, 0, time.UTC) }
	messages := map[string]string{
		"|^~\\&":            msg,
		"#$*@%":             strings.NewReplacer("|", "#", "^", "$", "~", "*", "\\", "@", "&", "%").Replace(msg),
		"^ and MSH-2 empty": "MSH^^PAS^RX1^ROUTE^ROUTE^20240101120000^^ADT^C1^P^2.4\rEVN^A01\rPID^1\r",
		// The ACK's MSH-6 is the message's MSH-4: "TERR" holds "ERR" and a
		// separator inside MSH (the AE fault cut the ACK there).
		"|^~\\& and MSH-4 TERR": strings.Replace(msg, "|RX1|", "|TERR|", 1),
	}
	faults := map[string]func(ack *hl7v2.Message){
		mllp.DefectWrongMSA2: func(ack *hl7v2.Message) { Expect(ack.Get("MSA-2")).To(Equal("XC1")) },
		mllp.DefectVersion:   func(ack *hl7v2.Message) { Expect(ack.Get("MSH-12")).To(Equal("2.9")) },
		mllp.DefectNoSwap:    func(ack *hl7v2.Message) { Expect(ack.Get("MSH-3")).To(Equal("PAS")) },
		mllp.DefectAENoERR: func(ack *hl7v2.Message) {
			Expect(ack.Get("MSA-1")).To(Equal("AE"))
			Expect(ack.Count("ERR")).To(Equal(0))
		},
	}
	for delims, text := range messages {
		for defect, want := range faults {
			It(defect+" with "+delims, func() {
				ms, err := hl7v2.ParseAll([]byte(text))
				Expect(err).NotTo(HaveOccurred())
				addr := simulate(&mllp.Simulator{Defect: defect, Now: fixed})
				c := &mllp.Client{Addr: addr, Timeout: 2 * time.Second}
				defer c.Close()
				ex := c.Send(context.Background(), ms[0], []byte(text))
				Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
				Expect(ex.Responses).To(HaveLen(1))
				want(ex.Responses[0].Message)
			})
		}
	}
})

// The wrong MSA-2 is written in the MSA segment, wherever else the text
// "MSA|AA|<control id>" appears: before, an ACK whose MSH-3 to MSH-5 read
// MSA, AA and the control id had its MSH changed and a correct MSA-2 sent.
var _ = Describe("the simulator's wrong MSA-2", func() {
	It("is written in MSA, never in an MSH that holds the same text", func() {
		text := strings.Replace(msg, "|PAS|RX1|ROUTE|ROUTE|", "|C1|RX1|MSA|AA|", 1)
		ms, err := hl7v2.ParseAll([]byte(text))
		Expect(err).NotTo(HaveOccurred())
		addr := simulate(&mllp.Simulator{Defect: mllp.DefectWrongMSA2})
		c := &mllp.Client{Addr: addr, Timeout: 2 * time.Second}
		defer c.Close()
		ex := c.Send(context.Background(), ms[0], []byte(text))
		Expect(ex.Outcome).To(Equal(hl7v2.Answered), ex.Detail)
		Expect(ex.Responses).To(HaveLen(1))
		ack := ex.Responses[0].Message
		Expect(ack.Get("MSA-2")).To(Equal("XC1"))
		Expect([]string{ack.Get("MSH-3"), ack.Get("MSH-4"), ack.Get("MSH-5")}).To(Equal([]string{"MSA", "AA", "C1"}))
	})
})

func encodingEntries() []TableEntry {
	var out []TableEntry
	for _, e := range hl7v2test.Encodings {
		out = append(out, Entry(e.String(), e))
	}
	return out
}
