package hl7v2

import (
	"bytes"
	"encoding/binary"
	"io"
	stdunicode "unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
)

// Encoding is how a stream's bytes carry its characters, as the reader found
// it before reading a segment: from a byte-order mark, or, without one, from
// how the first characters are written ("M\0S\0H\0" is UTF-16LE and
// nothing else). MSH-18 says which character set a message claims;
// Encoding is what arrived, so the charset check can compare them.
type Encoding struct {
	// Form is "UTF-16" or "UTF-32" for a stream the reader decoded to
	// text before segmenting it, "UTF-8" for one a UTF-8 byte-order mark
	// opens, and "" for bytes read as they are (ASCII, 8859/n and UTF-8
	// without a mark look alike: MSH-18 says which they are).
	Form string
	// BigEndian is the byte order of UTF-16 and UTF-32.
	BigEndian bool
	// BOM is set when a byte-order mark opened the stream.
	BOM bool
}

// Decoded reports whether the reader decoded the stream to text: its
// segments, fields and sizes are those of the decoded text (UTF-8), its
// lines those of the original (decoding keeps every line end).
func (e Encoding) Decoded() bool { return e.Form == "UTF-16" || e.Form == "UTF-32" }

// String names the encoding for findings: "UTF-16LE with a byte-order mark".
func (e Encoding) String() string {
	if e.Form == "" {
		return "single bytes"
	}
	s := e.Form
	switch {
	case e.Decoded() && e.BigEndian:
		s += "BE"
	case e.Decoded():
		s += "LE"
	}
	if e.BOM {
		return s + " with a byte-order mark"
	}
	return s + " without a byte-order mark"
}

// SniffLen is the most bytes Sniff needs: a segment id in UTF-32.
const SniffLen = 12

// utf8Mark is UTF-8's byte-order mark, which HL7 v2 streams must not carry.
var utf8Mark = []byte{0xEF, 0xBB, 0xBF}

// The byte-order marks, longest first where one begins another (UTF-32LE's
// begins with UTF-16LE's).
var marks = []struct {
	bytes []byte
	enc   Encoding
}{
	{[]byte{0xFF, 0xFE, 0, 0}, Encoding{Form: "UTF-32", BOM: true}},
	{[]byte{0, 0, 0xFE, 0xFF}, Encoding{Form: "UTF-32", BigEndian: true, BOM: true}},
	{[]byte{0xFF, 0xFE}, Encoding{Form: "UTF-16", BOM: true}},
	{[]byte{0xFE, 0xFF}, Encoding{Form: "UTF-16", BigEndian: true, BOM: true}},
	{utf8Mark, Encoding{Form: "UTF-8", BOM: true}},
}

// Sniff finds the encoding of a stream from its first bytes (at most
// SniffLen; fewer only at its end) and the length of its byte-order mark.
// Without a mark, a stream is UTF-16 or UTF-32 only when its first bytes
// are unmistakably ASCII text so written ("M\0S\0H\0", "\0M\0S\0H"):
// characters 1 to 127 with zero bytes between them, which single-byte text
// never holds. Anything else is read as bytes, as before.
func Sniff(head []byte) (Encoding, int) {
	head = head[:min(len(head), SniffLen)]
	for _, m := range marks {
		if bytes.HasPrefix(head, m.bytes) {
			return m.enc, len(m.bytes)
		}
	}
	for _, e := range []Encoding{{Form: "UTF-32"}, {Form: "UTF-32", BigEndian: true}, {Form: "UTF-16"}, {Form: "UTF-16", BigEndian: true}} {
		if widened(head, e) {
			return e, 0
		}
	}
	return Encoding{}, 0
}

// widened reports whether head holds at least three characters, all ASCII
// (1 to 127) written in e.
func widened(head []byte, e Encoding) bool {
	width := 2
	if e.Form == "UTF-32" {
		width = 4
	}
	if len(head) < 3*width {
		return false
	}
	for i := 0; i+width <= len(head); i += width {
		unit := head[i : i+width]
		low := unit[0]
		if e.BigEndian {
			low = unit[width-1]
		}
		if low == 0 || low >= 0x80 || bytes.Count(unit, []byte{0}) != width-1 {
			return false
		}
	}
	return true
}

// unitDecoder reads UTF-16 or UTF-32 (its byte-order mark already
// consumed) as UTF-8 and keeps where it wrote U+FFFD for bytes that are not
// the encoding (an odd byte count, a lone surrogate, a unit past U+10FFFF):
// a U+FFFD the sender wrote itself is a character like any other, and only
// the decoder can tell the two apart. (golang.org/x/text's decoders, which
// carecert uses to write, give both as the same U+FFFD.)
type unitDecoder struct {
	width int
	big   bool
	// out counts the bytes written; undecodable holds the output offsets of
	// the U+FFFD written for undecodable bytes, in order.
	out         int64
	undecodable []int64
	transform.NopResetter
}

// Reader returns a reader of r's text as UTF-8, for a stream in e (its
// byte-order mark already consumed), decoded as the scanner decodes it:
// bytes that are not e read as U+FFFD.
func (e Encoding) Reader(r io.Reader) io.Reader {
	if d := e.decoder(); d != nil {
		return transform.NewReader(r, d)
	}
	return r
}

func (e Encoding) decoder() *unitDecoder {
	if !e.Decoded() {
		return nil
	}
	return &unitDecoder{width: e.unitWidth(), big: e.BigEndian}
}

// unitWidth is the bytes of a code unit of a decoded stream, 0 for bytes.
func (e Encoding) unitWidth() int {
	switch e.Form {
	case "UTF-16":
		return 2
	case "UTF-32":
		return 4
	}
	return 0
}

// FirstLine returns the first line of a message's bytes, at most limit
// bytes, in whole characters of the encoding they are in (Sniff), its mark
// kept: an MLLP receiver decodes an oversize frame's first line to reject
// it. In UTF-16 and UTF-32 a line end is a unit, not a 0x0D or 0x0A byte
// that may be half of one, and a cut keeps a surrogate pair whole.
func FirstLine(data []byte, limit int) []byte {
	enc, mark := Sniff(data)
	n := min(len(data), limit)
	d := unitDecoder{width: max(enc.unitWidth(), 1), big: enc.BigEndian}
	if n < mark {
		return data[:n]
	}
	n -= (n - mark) % d.width
	for i := mark; i < n; i += d.width {
		u := uint32(data[i])
		if d.width > 1 {
			u = d.unit(data[i:])
		}
		if u == '\r' || u == '\n' {
			return data[:i]
		}
	}
	if d.width == 2 && n-2 >= mark && d.unit(data[n-2:])&0xFC00 == 0xD800 {
		n -= 2
	}
	return data[:n]
}

// unit reads one code unit of p (len(p) >= d.width).
func (d *unitDecoder) unit(p []byte) uint32 {
	if d.width == 2 {
		if d.big {
			return uint32(binary.BigEndian.Uint16(p))
		}
		return uint32(binary.LittleEndian.Uint16(p))
	}
	if d.big {
		return binary.BigEndian.Uint32(p)
	}
	return binary.LittleEndian.Uint32(p)
}

// next decodes the character at the start of p: its rune, the bytes it
// took (0 when p may hold only its start), and whether it was undecodable.
func (d *unitDecoder) next(p []byte, atEOF bool) (r rune, size int, bad bool) {
	if len(p) < d.width {
		if atEOF {
			return utf8.RuneError, len(p), true
		}
		return 0, 0, false
	}
	u := d.unit(p)
	switch {
	case d.width == 4 && (u > stdunicode.MaxRune || utf16.IsSurrogate(rune(u))):
		return utf8.RuneError, 4, true
	case d.width == 4:
		return rune(u), 4, false
	case u >= 0xD800 && u < 0xDC00: // a high surrogate: its low one follows
		if len(p) < 4 && !atEOF {
			return 0, 0, false
		}
		if len(p) >= 4 {
			if low := d.unit(p[2:]); low >= 0xDC00 && low < 0xE000 {
				return utf16.DecodeRune(rune(u), rune(low)), 4, false
			}
		}
		return utf8.RuneError, 2, true
	case u >= 0xDC00 && u < 0xE000:
		return utf8.RuneError, 2, true
	}
	return rune(u), 2, false
}

func (d *unitDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	nDst, nSrc, err = d.units(dst, src, atEOF)
	d.out += int64(nDst)
	return nDst, nSrc, err
}

// units decodes src's code units into dst, noting each U+FFFD written for
// undecodable bytes at d.out plus its offset in dst.
func (d *unitDecoder) units(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		r, size, bad := d.next(src[nSrc:], atEOF)
		if size == 0 {
			err = transform.ErrShortSrc
			break
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			err = transform.ErrShortDst
			break
		}
		if bad {
			d.undecodable = append(d.undecodable, d.out+int64(nDst))
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, err
}

// frameDecoder reads a capture of MLLP frames (0x0B, a message, 0x1C 0x0D,
// the framing bytes kept in the file) whose messages are in UTF-16 or
// UTF-32 or open with a UTF-8 mark. The framing bytes are single bytes, so
// the units of the frames after the first sit at any alignment, and each
// frame may open with its own mark: each frame is found and read on its
// own, as an MLLP listener reads what it receives (its content ends at the
// first 0x1C byte, as mllp.FrameReader ends it), its encoding found by
// Sniff and its mark left out. The bytes outside frames and the framing
// bytes themselves are kept as they are, so that the scanner reads the
// decoded capture as it reads one in single bytes.
type frameDecoder struct {
	unitDecoder
	// in is set inside a frame, sniffed once its encoding is known; start
	// is the output offset of its start block.
	in, sniffed bool
	start       int64
	// frames are the frames opened and not yet asked about (at).
	frames []frameStart
}

// frameStart is where a frame's start block was written, and the encoding
// its content was read in.
type frameStart struct {
	at  int64
	enc Encoding
}

func (f *frameDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) && err == nil {
		var w, r int
		if f.in {
			w, r, err = f.content(dst[nDst:], src[nSrc:], atEOF)
		} else {
			w, r, err = f.between(dst[nDst:], src[nSrc:])
		}
		nDst, nSrc = nDst+w, nSrc+r
		f.out += int64(w)
	}
	return nDst, nSrc, err
}

// between copies the bytes outside frames, up to and with a start block.
func (f *frameDecoder) between(dst, src []byte) (nDst, nSrc int, err error) {
	n := len(src)
	if i := bytes.IndexByte(src, StartBlock); i >= 0 {
		n = i + 1
	}
	if n > len(dst) {
		n = copy(dst, src)
		return n, n, transform.ErrShortDst
	}
	copy(dst, src[:n])
	if src[n-1] == StartBlock {
		f.in, f.sniffed, f.start = true, false, f.out+int64(n-1)
	}
	return n, n, nil
}

// content decodes a frame's content, up to and with the end block that
// closes it; its first bytes say its encoding.
func (f *frameDecoder) content(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	end := bytes.IndexByte(src, EndBlock)
	body := src
	if end >= 0 {
		body = src[:end]
	}
	if !f.sniffed {
		if len(body) < SniffLen && end < 0 && !atEOF {
			return 0, 0, transform.ErrShortSrc
		}
		enc, mark := Sniff(body)
		f.sniffed = true
		f.frames = append(f.frames, frameStart{at: f.start, enc: enc})
		f.width, f.big = enc.unitWidth(), enc.BigEndian
		body, nSrc = body[mark:], mark
	}
	var w, r int
	if f.width == 0 {
		w = copy(dst, body)
		r = w
		if w < len(body) {
			err = transform.ErrShortDst
		}
	} else {
		// The frame's end is the end of its units: a unit it cuts is
		// undecodable, as in a frame the listener receives.
		w, r, err = f.units(dst, body, atEOF || end >= 0)
	}
	nDst, nSrc = w, nSrc+r
	if err != nil || end < 0 {
		return nDst, nSrc, err
	}
	if nDst == len(dst) {
		return nDst, nSrc, transform.ErrShortDst
	}
	dst[nDst] = EndBlock
	f.in = false
	return nDst + 1, nSrc + 1, nil
}

// at returns the encoding of the frame that holds output offset at, or
// ok false when no frame opened at or before it since the last call.
func (f *frameDecoder) at(at int64) (enc Encoding, ok bool) {
	if f == nil {
		return enc, false
	}
	for len(f.frames) > 0 && f.frames[0].at <= at {
		enc, ok = f.frames[0].enc, true
		f.frames = f.frames[1:]
	}
	return enc, ok
}

// taken returns, relative to from, the offsets of undecodable bytes before
// to, and forgets them (the scanner reads each line once, in order).
func (d *unitDecoder) taken(from, to int64) []int {
	if d == nil {
		return nil
	}
	var out []int
	n := 0
	for ; n < len(d.undecodable) && d.undecodable[n] < to; n++ {
		if o := d.undecodable[n]; o >= from {
			out = append(out, int(o-from))
		}
	}
	d.undecodable = d.undecodable[n:]
	return out
}

// Codec is the codec of a stream the reader decodes (e.Decoded()) in its
// byte order, nil for one read as bytes. It neither reads nor writes a
// byte-order mark: Sniff finds one, Mark gives it.
func (e Encoding) Codec() encoding.Encoding {
	switch {
	case e.Form == "UTF-16" && e.BigEndian:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case e.Form == "UTF-16":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case e.Form == "UTF-32" && e.BigEndian:
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case e.Form == "UTF-32":
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	}
	return nil
}

// Encode writes UTF-8 text (as carecert reads and builds messages) in e:
// what is sent on or answered goes out in the encoding the message came in,
// UTF-16 and UTF-32 in its byte order after a byte-order mark when e had
// one. Single bytes and UTF-8 are written as they are, without a mark
// (UTF-8 has no byte order to tell, and a mark before MSH is no segment);
// text that is no UTF-8 cannot be written in UTF-16 or UTF-32, and its bad
// bytes go out as U+FFFD.
func (e Encoding) Encode(text []byte) []byte {
	c := e.Codec()
	if c == nil {
		return text
	}
	var out []byte
	if e.BOM {
		out = e.Mark()
	}
	wide, err := c.NewEncoder().Bytes(bytes.ToValidUTF8(text, []byte("\uFFFD")))
	if err != nil {
		// Valid UTF-8 always encodes in UTF-16 and UTF-32.
		panic("hl7v2: " + e.String() + " cannot write valid UTF-8: " + err.Error())
	}
	return append(out, wide...)
}

// Mark is the byte-order mark of e's form and byte order (whether or not e
// was opened by one), nil for single bytes.
func (e Encoding) Mark() []byte {
	for _, m := range marks {
		if m.enc.Form == e.Form && m.enc.BigEndian == e.BigEndian {
			return bytes.Clone(m.bytes)
		}
	}
	return nil
}
