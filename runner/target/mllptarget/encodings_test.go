package mllptarget_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// Two messages that declare UNICODE UTF-16, with characters of two, three
// and four UTF-8 bytes, a field the parse check fails (an escape) and a
// line end it reports (LF). None has a byte 0x1C or 0x0B in UTF-16 or
// UTF-32 (Ĝ, U+011C, would: MLLP cannot carry it, below).
var utf16Messages = []string{
	"MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|U1|P|2.5||||||UNICODE UTF-16\r" +
		"EVN|A01|20240101120000\rPID|1||633^^^R0A^MR||ZOË^李^𝄞||19800101|F\rPV1|1|I\r",
	"MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A08^ADT_A01|U2|P|2.5||||||UNICODE UTF-16\r" +
		"EVN|A08|20240101120000\nPID|1||634^^^R0A^MR||ĞEORGE^Ŋ\rNTE|1||bad \\Q\\ escape\rPV1|1|O\r",
}

// received is what specs compare of a record: where it is, its segments,
// and the parse check's findings other than those that tell one encoding
// from another (the charset, a UTF-8 mark, UTF-16 over MLLP).
type received struct {
	Type     string
	Line     int
	Segments []hl7v2.Segment
	Findings []string
}

// encodingFindings are the findings about the encoding itself.
var encodingFindings = []string{"parse.charset", "parse.bom", "mllp.encoding"}

// receive reads the records' messages and parse findings; charset holds
// each message's parse.charset finding ("severity@path", "" when none).
func receive(recs []*model.Record) (got []received, charset []string) {
	reg := check.NewRegistry()
	v2.Register(reg)
	c, err := reg.Compile(check.Spec{Requirement: "R", Type: "hl7v2-parse", Source: "test"}, &check.Env{Context: context.Background()})
	Expect(err).NotTo(HaveOccurred())
	for _, rec := range recs {
		r := received{Type: rec.Type, Line: rec.Line}
		if m, ok := rec.Value.(*hl7v2.Message); ok {
			r.Segments = m.Segments
		}
		if rec.Problem != nil {
			r.Findings = append(r.Findings, rec.Problem.Code)
		}
		cs := ""
		if c.Applies(rec) {
			for _, f := range c.NewState().Observe(rec) {
				if f.Code == "parse.charset" {
					cs = f.Severity.String() + "@" + f.Path
				}
				if !slices.Contains(encodingFindings, f.Code) {
					r.Findings = append(r.Findings, fmt.Sprintf("%s@%s %s line %d", f.Code, f.Path, f.Severity, f.Line))
				}
			}
		}
		got = append(got, r)
		charset = append(charset, cs)
	}
	return got, charset
}

// readFile reads a file of the given bytes as the hl7v2 target does.
func readFile(data []byte) []*model.Record {
	path := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
	Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
	var recs []*model.Record
	Expect(hl7v2files.ReadFile(context.Background(), path, func(r *model.Record) error { recs = append(recs, r); return nil })).To(Succeed())
	return recs
}

// overMLLP sends each message in its own frame to a listener on 127.0.0.1
// and returns the records it made, once each message was acknowledged.
func overMLLP(e hl7v2.Encoding) []*model.Record {
	addr, records := listening(params.Params{"ack": "aa"})
	conn, err := net.Dial("tcp", addr)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	fr := mllp.NewFrameReader(conn, 0)
	for _, m := range utf16Messages {
		_, err := conn.Write(mllp.Wrap(hl7v2test.Encode(m, e)))
		Expect(err).NotTo(HaveOccurred())
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		ack, err := fr.Next()
		Expect(err).NotTo(HaveOccurred())
		Expect(acknowledgements([][]byte{ack.Data}, e)).To(ConsistOf(HavePrefix("AA U")), "acknowledged, %s", e)
	}
	Eventually(records, 5*time.Second).Should(HaveLen(len(utf16Messages)))
	return records()
}

var _ = Describe("the same messages in UTF-8, UTF-16 and UTF-32, with and without a mark", func() {
	batch := "FHS|^~\\&|PAS\rBHS|^~\\&|PAS\r" + strings.Join(utf16Messages, "") + "BTS|2\rFTS|1\r"
	carriers := []struct {
		name string
		read func(hl7v2.Encoding) []*model.Record
	}{
		{"a file", func(e hl7v2.Encoding) []*model.Record {
			return readFile(hl7v2test.Encode(strings.Join(utf16Messages, ""), e))
		}},
		{"a batch file", func(e hl7v2.Encoding) []*model.Record { return readFile(hl7v2test.Encode(batch, e)) }},
		{"MLLP frames", overMLLP},
		{"a file captured from MLLP, its framing bytes kept", func(e hl7v2.Encoding) []*model.Record {
			var capture []byte
			for _, m := range utf16Messages {
				capture = append(capture, mllp.Wrap(hl7v2test.Encode(m, e))...)
			}
			return readFile(capture)
		}},
		{"a batch captured in one MLLP frame", func(e hl7v2.Encoding) []*model.Record {
			return readFile(mllp.Wrap(hl7v2test.Encode(batch, e)))
		}},
	}
	for _, carrier := range carriers {
		It("give the same messages, segments, fields and findings as "+carrier.name+", and a charset finding where MSH-18 differs", func() {
			want, _ := receive(carrier.read(hl7v2.Encoding{}))
			Expect(len(want)).To(BeNumerically(">=", len(utf16Messages)))
			Expect(slices.ContainsFunc(want, func(r received) bool { return len(r.Findings) > 0 })).To(BeTrue(), "the comparison includes findings")
			for _, e := range hl7v2test.Encodings {
				got, charset := receive(carrier.read(e))
				Expect(got).To(Equal(want), e.String())
				for i, r := range got {
					switch {
					case !strings.HasPrefix(r.Type, "ADT"):
						Expect(charset[i]).To(BeEmpty(), "envelope segments have no MSH-18")
					case e.Form == "UTF-16":
						Expect(charset[i]).To(BeEmpty(), "UTF-16 declared and found: %s", e)
					default:
						Expect(charset[i]).To(Equal("error@MSH[1].18"), "UTF-16 declared, %s found", e)
					}
				}
			}
		})
	}

	It("warns that MLLP does not carry UTF-16 or UTF-32, and only then", func() {
		for _, e := range hl7v2test.Encodings {
			for _, rec := range overMLLP(e) {
				codes := []string{}
				for _, is := range rec.Value.(*hl7v2.Message).Issues {
					codes = append(codes, is.Code)
				}
				Expect(slices.Contains(codes, "mllp.encoding")).To(Equal(e.Decoded()), e.String())
			}
		}
	})
})
