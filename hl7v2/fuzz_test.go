package hl7v2_test

import (
	"bytes"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
	"unicode"

	"github.com/carecert/carecert/hl7v2"
)

// FuzzScanner: whatever the bytes, the scanner returns without panicking,
// keeps every non-blank line as exactly one segment, numbers messages in
// order, and its accessors cope with what it produced.
//
//	go test ./hl7v2 -run '^$' -fuzz FuzzScanner -fuzztime 60s
func FuzzScanner(f *testing.F) {
	f.Add([]byte(adt))
	f.Add([]byte("\xEF\xBB\xBFMSH|^~\\&|A\nPID|1\n\nMSH|^~\\&|B\r\n"))
	f.Add([]byte("FHS|^~\\&\rBHS|^~\\&\r" + adt + "BTS|x\rFTS|2\r"))
	f.Add([]byte("MSH|\rMSH\rMSH|^\rPID|\\X4\\|\\F"))
	f.Add([]byte("MSH#$*@%#A#B\rOBX#1#ST#X$Y*Z%W@F@\r"))
	f.Add([]byte("PID|1\r\r\r\nZZ\x00|\xff\xfe\r"))
	f.Add([]byte("\x0b" + adt + "\x1c\r\x0b" + adt + "\x1c\x1c\x0b\x1c\r\x1c\x1c\x1c\r"))
	// UTF-16 and UTF-32, with and without a mark, one with an odd last byte
	// and a lone surrogate.
	f.Add([]byte("\xff\xfeM\x00S\x00H\x00|\x00\r\x00P\x00I\x00D\x00\n\x00\x00\xd8\r\x00"))
	f.Add([]byte("\x00M\x00S\x00H\x00|\x00\r\x00\r\x00P\x00I\x00D\x00|"))
	f.Add([]byte("\x00\x00\xfe\xff\x00\x00\x00F\x00\x00\x00H\x00\x00\x00S\x00\x00\x00\r\x00\x00\x00Z"))
	// The same captured from MLLP, its framing bytes kept.
	f.Add([]byte("\x0b\xff\xfeM\x00S\x00H\x00|\x00\r\x00\x1c\r\x0bM\x00S\x00H\x00\n\x00Z\x1c\r\x0b\xef\xbb\xbfMSH|\r\x1c"))
	f.Add([]byte("\x0b\x00M\x00S\x00H\x00|\x00\r\x1c\r\n\x0b\x00\x00\x00P\x00\x00\x00I\x00\x00\x00D\x1c\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// DataErrReader hands the last bytes over with io.EOF, as gzip does.
		sc := hl7v2.NewScanner(iotest.DataErrReader(bytes.NewReader(data)))
		sc.MaxSegment = 64
		segs := 0
		for i := 0; ; i++ {
			m, err := sc.Next()
			if err != nil {
				break
			}
			if m.Index != i {
				t.Fatalf("message %d has index %d", i, m.Index)
			}
			if len(m.Segments) == 0 {
				t.Fatalf("message %d has no segment", i)
			}
			segs += len(m.Segments)
			m.TypeName()
			m.Version()
			for _, s := range m.Segments {
				m.LineOf(s.Path())
				for n := 1; n <= s.FieldCount(); n++ {
					v := s.Field(n)
					m.Delims.Unescape(v)
					m.Delims.CheckEscapes(v)
					m.Delims.Value(v, 2, 2, 2)
				}
			}
			m.Get("PID-3[2].4.1")
		}
		// A byte order mark opening the stream is no part of its first line,
		// and a stream in UTF-16 or UTF-32 has the lines of its text.
		if want := nonBlankLinesT(textOf(data)); segs != want {
			t.Fatalf("%d segment(s) read from %d non-blank line(s)", segs, want)
		}
	})
}

// textOf is the text of a stream as the scanner reads it: after its byte
// order mark, decoded from UTF-16 or UTF-32; a capture of MLLP frames whose
// first is so written, frame by frame.
func textOf(data []byte) []byte {
	if len(data) > 0 && data[0] == 0x0B {
		if enc, _ := hl7v2.Sniff(data[1:]); enc != (hl7v2.Encoding{}) {
			return hl7v2.FramesText(data)
		}
	}
	enc, mark := hl7v2.Sniff(data)
	text, err := io.ReadAll(enc.Reader(bytes.NewReader(data[mark:])))
	if err != nil {
		panic(err)
	}
	return text
}

func nonBlankLinesT(data []byte) int {
	n := 0
	for _, l := range bytes.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' }) {
		// White space and MLLP end blocks alone are a blank line.
		if len(bytes.TrimFunc(l, func(r rune) bool { return unicode.IsSpace(r) || r == 0x1C })) > 0 {
			n++
		}
	}
	return n
}

// FuzzRange: whatever the bytes and wherever the two cuts, the three ranges
// read together the messages a whole read gives, each once, equal in every
// field (lines, indexes, segments, issues).
//
//	go test ./hl7v2 -run '^$' -fuzz FuzzRange -fuzztime 60s
func FuzzRange(f *testing.F) {
	f.Add([]byte(adt+adt), uint16(10), uint16(90))
	f.Add([]byte("\xEF\xBB\xBFMSH|^~\\&|A\nPID|1\n\nMSH|^~\\&|B\r\n"), uint16(1), uint16(2))
	f.Add([]byte("FHS|^~\\&\rBHS|^~\\&\rZZ|1\r"+adt+"BTS|x\rFTS|2\r"), uint16(18), uint16(40))
	f.Add([]byte("FHS#$*@%\rBHS!^~\\&\r"+adt+"BTS!1\rFTS#1\r"), uint16(12), uint16(30))
	f.Add([]byte("\x0b"+adt+"\x1c\r\x0b"+adt+"\x1c\r"), uint16(5), uint16(120))
	f.Add([]byte("PID|1\r\r\r\nZZ\x00|\xff\xfe\rMSH|"+string(bytes.Repeat([]byte("x"), 100))+"\r\nMSH|\r"), uint16(13), uint16(30))
	f.Add([]byte("\xff\xfeM\x00S\x00H\x00|\x00\r\x00M\x00S\x00H\x00|\x00\r\x00"), uint16(0), uint16(7))
	f.Add([]byte("\x00M\x00S\x00H\x00|\x00\r\x00M\x00S\x00H\x00|\x00\r"), uint16(3), uint16(9))
	f.Add([]byte("\x0b\xff\xfeM\x00S\x00H\x00|\x00\r\x00\x1c\r\x0bM\x00S\x00H\x00|\x00\r\x00\x1c\r"), uint16(1), uint16(20))
	f.Fuzz(func(t *testing.T, data []byte, a, b uint16) {
		read := func(sc *hl7v2.Scanner) []*hl7v2.Message {
			sc.MaxSegment = 64
			var out []*hl7v2.Message
			for {
				m, err := sc.Next()
				if err != nil {
					return out
				}
				out = append(out, m)
			}
		}
		size := int64(len(data))
		lo, hi := min(int64(a), int64(b), size), min(max(int64(a), int64(b)), size)
		whole := read(hl7v2.NewScanner(iotest.DataErrReader(bytes.NewReader(data))))
		var union []*hl7v2.Message
		for _, r := range [][2]int64{{0, lo}, {lo, hi}, {hi, size}} {
			union = append(union, read(hl7v2.NewRangeScanner(iotest.DataErrReader(bytes.NewReader(data)), r[0], r[1]))...)
		}
		if !reflect.DeepEqual(union, whole) {
			t.Fatalf("cuts at %d and %d: %d message(s) read in ranges, %d whole, or they differ", lo, hi, len(union), len(whole))
		}
	})
}
