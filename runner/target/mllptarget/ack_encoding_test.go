package mllptarget_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/mllptarget"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// answeredIn is the encoding carecert writes what came in e: e itself, but
// UTF-8 without a mark (it has no byte order to tell).
func answeredIn(e hl7v2.Encoding) hl7v2.Encoding {
	if e.Form == "UTF-8" {
		return hl7v2.Encoding{}
	}
	return e
}

// ackCharset is table 0211's code for the encoding a message in e is
// answered in (answeredIn).
func ackCharset(e hl7v2.Encoding) string {
	if e.Decoded() {
		return "UNICODE " + e.Form
	}
	return "UNICODE UTF-8"
}

// encodingOf is the encoding a frame's bytes are in, as a receiver finds it.
func encodingOf(frame []byte) hl7v2.Encoding {
	e, _ := hl7v2.Sniff(frame)
	return e
}

// replies sends content in e in one frame and returns every frame that
// comes back within a second of the last.
func replies(addr, content string, e hl7v2.Encoding) [][]byte {
	conn, err := net.Dial("tcp", addr)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	_, err = conn.Write(mllp.Wrap(hl7v2test.Encode(content, e)))
	Expect(err).NotTo(HaveOccurred())
	fr := mllp.NewFrameReader(conn, 0)
	var out [][]byte
	for {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		f, err := fr.Next()
		if err != nil {
			return out
		}
		out = append(out, f.Data)
	}
}

// acknowledgements reads reply frames as a receiver does and lists each
// acknowledgement's MSA-1, MSA-2 and MSH-18.
func acknowledgements(frames [][]byte, e hl7v2.Encoding) []string {
	var out []string
	for _, f := range frames {
		Expect(encodingOf(f)).To(Equal(answeredIn(e)), "answered in the encoding the message came in (%s): % x", e, f[:min(len(f), 8)])
		ms, err := hl7v2.ParseAll(f)
		Expect(err).NotTo(HaveOccurred())
		for _, m := range ms {
			if !m.Envelope {
				Expect(m.Encoding).To(Equal(answeredIn(e)))
				out = append(out, m.Get("MSA-1")+" "+m.Get("MSA-2")+" "+m.Get("MSH-18"))
			}
		}
	}
	return out
}

var _ = Describe("acknowledgements in the encoding the message came in", func() {
	// modes is MSH-15|MSH-16.
	msg := func(id, modes string) string {
		return "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|" + id + "|P|2.5|||" + modes + "||UNICODE UTF-16\r" +
			"EVN|A01|20240101120000\rPID|1||633^^^R0A^MR||ZOË^李^𝄞||19800101|F\rPV1|1|I\r"
	}
	cases := []struct {
		name, content string
		want          []string
	}{
		{"original mode", msg("U1", "|"), []string{"AA U1 UNICODE UTF-16"}},
		{"enhanced mode, AL/AL", msg("U2", "AL|AL"), []string{"CA U2 UNICODE UTF-16", "AA U2 UNICODE UTF-16"}},
		{"a batch in one frame", "BHS|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||||B7\r" + msg("U3", "|") + msg("U4", "|") + "BTS|2\r",
			[]string{"AA U3 UNICODE UTF-16", "AA U4 UNICODE UTF-16"}},
	}
	answerers := map[string]func() string{
		"the mllp-listen target": func() string { addr, _ := listening(params.Params{"ack": "aa"}); return addr },
		"the simulator": func() string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- (&mllp.Simulator{}).Serve(ctx, ln) }()
			DeferCleanup(func() { cancel(); Eventually(done, 5*time.Second).Should(Receive()) })
			return ln.Addr().String()
		},
	}
	for who, start := range answerers {
		for _, c := range cases {
			if who == "the simulator" && strings.HasPrefix(c.content, "BHS") {
				continue // the simulator answers a frame's first message
			}
			It(who+" answers "+c.name+" in every encoding a sender uses, on 127.0.0.1", func() {
				addr := start()
				for _, e := range hl7v2test.Encodings {
					// The message claims UTF-16 in every encoding; the answer's
					// MSH-18 names the one it is written in.
					want := slices.Clone(c.want)
					for i := range want {
						want[i] = strings.Replace(want[i], "UNICODE UTF-16", ackCharset(e), 1)
					}
					Expect(acknowledgements(replies(addr, c.content, e), e)).To(Equal(want), e.String())
				}
			})
		}
	}

	It("the simulator plays its defects on the text and still answers in the message's encoding", func() {
		for _, defect := range []string{mllp.DefectWrongMSA2, mllp.DefectVersion, mllp.DefectReject} {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- (&mllp.Simulator{Defect: defect}).Serve(ctx, ln) }()
			e := hl7v2.Encoding{Form: "UTF-16", BigEndian: true}
			frames := replies(ln.Addr().String(), msg("U9", "|"), e)
			cancel()
			Eventually(done, 5*time.Second).Should(Receive())
			Expect(frames).To(HaveLen(1))
			Expect(encodingOf(frames[0])).To(Equal(e))
			ms, err := hl7v2.ParseAll(frames[0])
			Expect(err).NotTo(HaveOccurred())
			switch defect {
			case mllp.DefectWrongMSA2:
				Expect(ms[0].Get("MSA-2")).To(Equal("XU9"))
			case mllp.DefectVersion:
				Expect(ms[0].Get("MSH-12")).To(Equal("2.9"))
				Expect(ms[0].Get("MSH-18")).To(Equal("UNICODE UTF-16"))
			case mllp.DefectReject:
				Expect(ms[0].Get("MSA-1")).To(Equal("AR"))
			}
		}
	})
})

// peer listens on 127.0.0.1, keeps every frame it receives and answers
// each message in the encoding it came in.
func peer() (addr string, frames func() [][]byte) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	var got [][]byte
	l := &mllp.Listener{Handle: func(r mllp.Received) ([][]byte, bool) {
		if r.Data == nil {
			return nil, false
		}
		mu.Lock()
		got = append(got, r.Data)
		mu.Unlock()
		ms, _ := hl7v2.ParseAll(r.Data)
		if len(ms) == 0 {
			return nil, false
		}
		ack := hl7v2.BuildACK(ms[0], hl7v2.ACKOptions{Code: "AA", ControlID: "A" + ms[0].ControlID(), Time: time.Now()})
		return [][]byte{hl7v2test.Encode(string(ack), answeredIn(ms[0].Encoding))}, false
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	DeferCleanup(func() { cancel(); Eventually(done, 5*time.Second).Should(Receive()) })
	return ln.Addr().String(), func() [][]byte { mu.Lock(); defer mu.Unlock(); return append([][]byte(nil), got...) }
}

var _ = Describe("the mllp target sends what the feed holds", func() {
	ack := func() check.Check {
		reg := check.NewRegistry()
		v2.Register(reg)
		c, err := reg.Compile(check.Spec{Requirement: "R", Type: "hl7v2-ack", Source: "test"}, &check.Env{Context: context.Background()})
		Expect(err).NotTo(HaveOccurred())
		return c
	}()

	It("in the feed's encoding, with its byte-order mark, each message with CR segment ends, and reads the answers", func() {
		for _, e := range hl7v2test.Encodings {
			addr, frames := peer()
			feed := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
			Expect(os.WriteFile(feed, hl7v2test.Encode(strings.Join(utf16Messages, ""), e), 0o600)).To(Succeed())
			t, err := mllptarget.Open(target.Spec{Name: "t", URL: "mllp://" + addr, Options: params.Params{"feed": feed, "rate": 1000.0}})
			Expect(err).NotTo(HaveOccurred())
			var recs []*model.Record
			Expect(t.Records(context.Background(), func(r *model.Record) error { recs = append(recs, r); return nil })).To(Succeed())

			var want [][]byte
			for _, m := range utf16Messages {
				want = append(want, hl7v2test.Encode(strings.ReplaceAll(m, "\n", "\r"), answeredIn(e)))
			}
			Expect(frames()).To(Equal(want), e.String())
			Expect(recs).To(HaveLen(len(utf16Messages)))
			for _, r := range recs {
				ex := r.Value.(*hl7v2.Exchange)
				Expect(ex.Outcome).To(Equal(hl7v2.Answered), e.String())
				Expect(ack.NewState().Observe(r)).To(BeEmpty(), "%s: every acknowledgement read and right", e)
			}
		}
	})
})

var _ = Describe("a feed message that MLLP cannot frame in its encoding", func() {
	const start, end = byte(mllp.StartBlock), byte(mllp.EndBlock)
	// MLLP ends a frame at its first 0x1C byte. In UTF-16 and UTF-32 that
	// byte is inside ordinary characters: Ĝ (U+011C) and “ (U+201C) in
	// little-endian UTF-16, М (U+041C, Cyrillic) in big-endian, any of them
	// in UTF-32. Sent, such a message is cut inside a character and every
	// receiver reads a broken frame: what the endpoint then answers, or not,
	// says nothing of it.
	msg := func(id, name string) string {
		return "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|" + id + "|P|2.5||||||UNICODE UTF-16\r" +
			"EVN|A01|20240101120000\rPID|1||633^^^R0A^MR||" + name + "||19800101|F\rPV1|1|I\r"
	}
	DescribeTable("is not sent, is said so, and leaves the messages around it sent and judged",
		func(e hl7v2.Encoding, name string, block byte, why string) {
			addr, frames := peer()
			clean := []string{msg("C1", "SMITH^JOHN"), msg("C2", "JONES^ANN")}
			Expect(hl7v2test.Encode(clean[0]+clean[1], e)).NotTo(ContainElement(BeElementOf(byte(mllp.EndBlock), byte(mllp.StartBlock))))
			Expect(hl7v2test.Encode(msg("X1", name), e)).To(ContainElement(block), "the case holds the block character in %s", e)
			feed := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
			Expect(os.WriteFile(feed, hl7v2test.Encode(clean[0]+msg("X1", name)+clean[1], e), 0o600)).To(Succeed())
			t, err := mllptarget.Open(target.Spec{Name: "t", URL: "mllp://" + addr,
				Options: params.Params{"feed": feed, "rate": 1000.0, "timeout": "2s"}})
			Expect(err).NotTo(HaveOccurred())
			var recs []*model.Record
			Expect(t.Records(context.Background(), func(r *model.Record) error { recs = append(recs, r); return nil })).To(Succeed())

			Expect(frames()).To(Equal([][]byte{e.Encode([]byte(clean[0])), e.Encode([]byte(clean[1]))}), "only the messages MLLP can carry are sent, whole")
			Expect(recs).To(HaveLen(3))
			for i, r := range recs {
				ex, _ := r.Value.(*hl7v2.Exchange)
				if i != 1 {
					Expect(ex).NotTo(BeNil())
					Expect(ex.Outcome).To(Equal(hl7v2.Answered))
					continue
				}
				Expect(ex).To(BeNil(), "an exchange that did not happen is not judged as the endpoint's")
				Expect(r.Problem).NotTo(BeNil())
				Expect(r.Problem.Severity).To(Equal(model.Warning))
				Expect(r.Problem.Code).To(Equal("mllp.unframable"))
				Expect(r.Problem.Message).To(ContainSubstring("not checked"))
				Expect(r.Problem.Message).To(ContainSubstring(fmt.Sprintf("byte 0x%02X", block)))
				Expect(r.Problem.Message).To(ContainSubstring(why), "said as it is in %s", e)
				if e.Decoded() {
					Expect(r.Problem.Message).NotTo(ContainSubstring("control character"))
				} else {
					Expect(r.Problem.Message).NotTo(ContainSubstring("inside a character"))
				}
			}
		},
		Entry("Ĝ in UTF-16LE", hl7v2.Encoding{Form: "UTF-16", BOM: true}, "ĜEORGE^SAM", end, "inside a character, MLLP's end block"),
		Entry("a quotation mark in UTF-16LE without a mark", hl7v2.Encoding{Form: "UTF-16"}, "O“NEIL^PAT", end, "inside a character"),
		Entry("Cyrillic М in UTF-16BE", hl7v2.Encoding{Form: "UTF-16", BigEndian: true, BOM: true}, "МИХАИЛ^ИВАНОВ", end, "inside a character"),
		Entry("东 in UTF-16BE", hl7v2.Encoding{Form: "UTF-16", BigEndian: true}, "东^SAM", end, "inside a character"),
		Entry("Ĝ in UTF-32", hl7v2.Encoding{Form: "UTF-32", BigEndian: true}, "ĜEORGE^SAM", end, "inside a character"),
		Entry("ċ in UTF-16LE", hl7v2.Encoding{Form: "UTF-16", BOM: true}, "ċONOR^SAM", start, "inside a character, MLLP's start block"),
		Entry("a zero-width space in UTF-16BE", hl7v2.Encoding{Form: "UTF-16", BigEndian: true}, "O\u200bNEIL^PAT", start, "inside a character"),
		Entry("ċ in UTF-32", hl7v2.Encoding{Form: "UTF-32", BigEndian: true}, "ċONOR^SAM", start, "inside a character"),
		// In single bytes and UTF-8 the byte is the character itself, a
		// control character the sender wrote.
		Entry("a raw 0x1C in single bytes", hl7v2.Encoding{}, "O\x1cNEIL^PAT", end, "as the control character U+001C, MLLP's end block"),
		Entry("a raw 0x1C in UTF-8 after a mark", hl7v2.Encoding{Form: "UTF-8", BOM: true}, "ZOË\x1c^PAT", end, "as the control character U+001C"),
		Entry("a raw 0x0B in single bytes", hl7v2.Encoding{}, "O\x0bNEIL^PAT", start, "as the control character U+000B, MLLP's start block"),
	)
})
