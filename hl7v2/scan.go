package hl7v2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/carecert/carecert/model"
)

// DefaultMaxSegment is the longest segment a Scanner reads whole; longer ones
// are cut there and reported.
const DefaultMaxSegment = 16 << 20

// Scanner reads messages one at a time from an ER7 stream: a single message,
// many messages, or batches (FHS/BHS ... BTS/FTS). Segments may end with CR
// (the standard), LF or CRLF. Memory holds one message at a time.
type Scanner struct {
	r   io.Reader
	buf []byte
	// start and end delimit the unread bytes in buf.
	start, end int
	eof        bool
	readErr    error
	line       int
	index      int
	first      bool

	// MaxSegment bounds a segment's length (default DefaultMaxSegment).
	MaxSegment int

	pending *builder
	out     []*Message

	batchOpen, fileOpen    bool
	batchMessages, batches int
	batchLine, fileLine    int
	// batchDelims and fileDelims are the delimiters the last BHS and FHS
	// declared: BTS and FTS are written with them, as MSH's are with MSH-1
	// and MSH-2 (nil before any BHS or FHS: the standard ones).
	batchDelims, fileDelims *Delimiters

	// bom says where a UTF-8 byte-order mark was met, for the next
	// message's parse.bom: "" when none is pending.
	bom           markPlace
	pendingIssues []Issue
	// enc is the stream's encoding, found by the first fill (sniffed set).
	enc     Encoding
	sniffed bool
	// dec decodes a UTF-16 or UTF-32 stream and keeps where bytes did not
	// decode; undecodable holds those of the line being read, from its
	// start (nil for a stream read as bytes).
	dec         *unitDecoder
	undecodable []int
	// frames reads a capture of MLLP frames in UTF-16, UTF-32 or after a
	// UTF-8 mark frame by frame (dec is its decoder), and says each frame's
	// encoding.
	frames *frameDecoder
	// cut is set when the line just read was longer than MaxSegment and cut:
	// it is a segment even if the bytes kept are whitespace alone.
	cut bool

	// base is the stream offset of buf[0]; at is that of the current line.
	base, at int64
	// from and to bound a range read (see NewRangeScanner); ranged is set
	// for one, done once a message starting at or after to was met.
	from, to     int64
	ranged, done bool

	// nextCR and nextLF remember where the next CR and LF are, so that a
	// stream with only one kind of line end is not searched again for the
	// other at every line.
	nextCR, nextLF next
}

// next is the stream offset of the next occurrence of a byte at or after the
// last offset asked about, or -1 when there is none before scanned.
type next struct{ at, scanned int64 }

// find returns the offset of the first c in [lo, hi) of the stream, where
// buf holds [s.base, s.base+s.end), or -1.
func (s *Scanner) find(n *next, c byte, lo, hi int64) int64 {
	if n.at >= lo {
		return n.at // the first c at or after an earlier lo, so after lo too
	}
	from := lo
	if n.at < 0 {
		from = max(lo, n.scanned)
	}
	if from < hi {
		if i := bytes.IndexByte(s.buf[from-s.base:hi-s.base], c); i >= 0 {
			n.at = from + int64(i)
			return n.at
		}
	}
	n.at, n.scanned = -1, hi
	return -1
}

// terminator returns the index in buf[s.start:s.end] of the first CR or LF,
// or -1.
func (s *Scanner) terminator() int {
	lo, hi := s.base+int64(s.start), s.base+int64(s.end)
	cr, lf := s.find(&s.nextCR, '\r', lo, hi), s.find(&s.nextLF, '\n', lo, hi)
	switch {
	case cr < 0 && lf < 0:
		return -1
	case cr < 0 || (lf >= 0 && lf < cr):
		return int(lf - lo)
	default:
		return int(cr - lo)
	}
}

// NewScanner reads from r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: r, buf: make([]byte, 64<<10), first: true, nextCR: next{at: -1}, nextLF: next{at: -1}}
}

// NewRangeScanner reads, from r at the start of the stream, only the
// messages whose first line begins in bytes [from, to): envelope segments and
// header-less fragments count as messages, like everywhere else. Splitting a
// stream at any offsets into consecutive ranges therefore gives every message
// to exactly one range, with the lines, indexes, issues and batch counts a
// whole read gives, because the lines before from go through the same reader
// in a light mode: it counts lines and messages and keeps the batch state but
// splits no field and builds no message. A range reader reads on past to
// until the message it holds last is complete.
func NewRangeScanner(r io.Reader, from, to int64) *Scanner {
	s := NewScanner(r)
	s.from, s.to, s.ranged = from, to, true
	return s
}

// builder accumulates one message's segments before they are split.
type builder struct {
	msg    *Message
	text   []byte
	lines  []lineSpan
	cr, lf int
	crlf   int
	blank  bool
	// framed is set once MLLP block characters were dropped from one of
	// the message's lines (reported once per message).
	framed bool
	// undecodable are offsets in text of bytes that did not decode.
	undecodable []int
	// skip marks a message before a range read's start: it is followed only
	// for the state it leaves (lines, indexes, batch counts), then dropped.
	skip bool
}

type lineSpan struct{ start, end, line int }

// Next returns the next message, or io.EOF after the last. Problems with the
// content are issues on the messages; an error means the stream itself failed.
func (s *Scanner) Next() (*Message, error) {
	for len(s.out) == 0 {
		if s.done {
			return nil, io.EOF
		}
		// The stream is over only once the buffered bytes are read too: a
		// reader may return its last bytes together with io.EOF.
		if s.eof && s.start == s.end {
			if s.pending != nil {
				s.closeAtEOF()
				s.flush()
				continue
			}
			if s.readErr != nil {
				return nil, s.readErr
			}
			return nil, io.EOF
		}
		s.at = s.base + int64(s.start)
		line, term, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if s.done {
			continue // a range read of a decoded stream that another range reads
		}
		s.undecodable = s.dec.taken(s.at, s.at+int64(len(line)))
		if enc, ok := s.frames.at(s.at + int64(len(line))); ok {
			s.enc, s.bom = enc, ""
			if enc.Form == "UTF-8" && enc.BOM {
				s.bom = markFrame
			}
		}
		if line == nil && s.eof {
			continue
		}
		if s.first {
			s.first = false
			if bytes.HasPrefix(line, utf8Mark) {
				line, s.bom = line[len(utf8Mark):], markStream
				s.undecodable = shift(s.undecodable, len(utf8Mark))
			}
		}
		s.segment(line, term)
	}
	m := s.out[0]
	s.out = s.out[1:]
	return m, nil
}

// LineCount is the number of lines read so far.
func (s *Scanner) LineCount() int { return s.line }

// Terminators.
const (
	termNone = iota
	termCR
	termLF
	termCRLF
)

// readLine returns the next segment's bytes (valid until the next call) and
// how it ended. A nil line with s.eof set means the stream is exhausted.
func (s *Scanner) readLine() ([]byte, int, error) {
	max := s.MaxSegment
	if max <= 0 {
		max = DefaultMaxSegment
	}
	s.cut = false
	for {
		data := s.buf[s.start:s.end]
		if i := s.terminator(); i >= 0 {
			if data[i] == '\r' && i+1 == len(data) && !s.eof {
				// Need one more byte to tell CR from CRLF.
				if err := s.fill(); err != nil {
					return nil, 0, err
				}
				continue
			}
			line := data[:i]
			term, n := termLF, 1
			if data[i] == '\r' {
				term = termCR
				if i+1 < len(data) && data[i+1] == '\n' {
					term, n = termCRLF, 2
				}
			}
			s.start += i + n
			s.line++
			if len(line) > max && !whiteOnly(line) {
				// A line of white space alone is blank however long it
				// is: no segment to cut.
				line = line[:max]
				s.oversize(max)
			}
			return line, term, nil
		}
		if s.eof {
			if len(data) == 0 {
				return nil, termNone, nil
			}
			s.start = s.end
			s.line++
			return data, termNone, nil
		}
		if len(data) >= max {
			// Cut an oversize segment: keep its first max bytes, skip to its
			// end, noting whether all of it was white space (a blank line,
			// however long, is no segment).
			line := append([]byte(nil), data[:max]...)
			var blank whiteRun
			blank.add(data)
			s.start = s.end
			for {
				if err := s.fill(); err != nil {
					return nil, 0, err
				}
				d := s.buf[s.start:s.end]
				if i := bytes.IndexAny(d, "\r\n"); i >= 0 {
					blank.add(d[:i])
					s.start += i + 1
					if d[i] == '\r' && i+1 < len(d) && d[i+1] == '\n' {
						s.start++
					}
					break
				}
				blank.add(d)
				s.start = s.end
				if s.eof {
					break
				}
			}
			s.line++
			if blank.white() {
				return line[:0], termCR, nil
			}
			s.oversize(max)
			return line, termCR, nil
		}
		if err := s.fill(); err != nil {
			return nil, 0, err
		}
	}
}

// MLLP's block characters: a file captured from a connection may keep them
// around each message (0x0B before MSH, 0x1C and CR after the last segment).
// They are transport, not ER7 (see unframe); package mllp frames with these.
const (
	StartBlock = 0x0B
	EndBlock   = 0x1C
)

// blankRune reports whether r leaves a line blank: white space, as
// unicode.IsSpace judges it (0x0B among it), or MLLP's end block, which a
// captured frame leaves alone on the line after the last segment.
func blankRune(r rune) bool { return unicode.IsSpace(r) || r == EndBlock }

// whiteOnly reports whether p is blank, white space and end blocks alone
// (the test segment applies to a line read whole).
func whiteOnly(p []byte) bool { return len(bytes.TrimFunc(p, blankRune)) == 0 }

// unframe drops the MLLP block characters a captured frame leaves on a
// line: start and end blocks before the segment id, end blocks after the
// segment; lead is how many it dropped before. A line that is not blank
// keeps at least one byte.
func unframe(line []byte) (bare []byte, lead int) {
	bare = bytes.TrimLeftFunc(line, func(r rune) bool { return r == StartBlock || r == EndBlock })
	lead = len(line) - len(bare)
	return bytes.TrimRightFunc(bare, func(r rune) bool { return r == EndBlock }), lead
}

// firstIn returns the first offset in [from, to), or -1.
func firstIn(offsets []int, from, to int) int {
	for _, o := range offsets {
		if o >= from && o < to {
			return o
		}
	}
	return -1
}

// shift moves offsets from a line's start to n bytes later, dropping those
// before it.
func shift(offsets []int, n int) []int {
	var out []int
	for _, o := range offsets {
		if o >= n {
			out = append(out, o-n)
		}
	}
	return out
}

// whiteRun judges a line read in pieces as whiteOnly judges it whole: a
// multi-byte space split between two pieces is carried to the next.
type whiteRun struct {
	carry    []byte
	nonWhite bool
}

func (w *whiteRun) add(p []byte) {
	if w.nonWhite {
		return
	}
	if len(w.carry) > 0 {
		p = append(w.carry, p...)
		w.carry = nil
	}
	for len(p) > 0 {
		r, n := utf8.DecodeRune(p)
		if r == utf8.RuneError && n <= 1 && !utf8.FullRune(p) {
			w.carry = append([]byte(nil), p...)
			return
		}
		if !blankRune(r) {
			w.nonWhite = true
			return
		}
		p = p[n:]
	}
}

// white reports whether every piece added was white space (a rune left
// incomplete at the end is not).
func (w *whiteRun) white() bool { return !w.nonWhite && len(w.carry) == 0 }

// fill reads more bytes, compacting or growing the buffer. The first fill
// also finds the stream's encoding.
func (s *Scanner) fill() error {
	if !s.sniffed {
		return s.sniff()
	}
	if s.start > 0 {
		s.base += int64(s.start)
		n := copy(s.buf, s.buf[s.start:s.end])
		s.start, s.end = 0, n
	}
	if s.end == len(s.buf) {
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.readErr = err
			}
			return nil
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// sniff reads the stream's first bytes and decides how to read it: a
// stream in UTF-16 or UTF-32 is read through a decoder from its start, its
// byte-order mark left out, so that segments are split in text and never
// between the two bytes of a character. A range read of such a stream is
// the whole stream for the range that starts it and nothing for the others:
// offsets in the decoded text are not the file's, so no other cut can be
// agreed on.
func (s *Scanner) sniff() error {
	s.sniffed = true
	for s.end < 1+SniffLen && !s.eof {
		if err := s.fill(); err != nil {
			return err
		}
	}
	// A capture of MLLP frames opens with a start block, which would hide
	// the first frame's encoding. A capture may hold line ends or spaces
	// before that block (a tool's, or a listener's log), which say nothing
	// of the frames' encoding.
	head := s.buf[:s.end]
	lead := len(head) - len(bytes.TrimLeft(head, " \t\r\n"))
	framed := lead < len(head) && head[lead] == StartBlock
	if framed {
		head = head[lead+1:]
	}
	enc, mark := Sniff(head)
	if framed && enc == (Encoding{}) {
		// No frame in another encoding: the stream as a whole may still be
		// one (UTF-16 text whose first character is U+000B), as Sniff reads
		// any other stream.
		framed = false
		enc, mark = Sniff(s.buf[:s.end])
	}
	s.enc = enc
	var dec transform.Transformer
	switch {
	case framed && enc != Encoding{}:
		// Each frame is found by its start block and read by itself, its
		// mark left out and reported as a listener reports it.
		s.frames = &frameDecoder{}
		s.dec, dec, mark = &s.frames.unitDecoder, s.frames, 0
	case enc.Decoded():
		s.dec = enc.decoder()
		dec = s.dec
	default:
		return nil
	}
	rest := s.r
	if s.eof {
		rest = failed{s.readErr}
	}
	s.r = transform.NewReader(io.MultiReader(bytes.NewReader(bytes.Clone(s.buf[mark:s.end])), rest), dec)
	s.end, s.eof, s.readErr = 0, false, nil
	if s.ranged {
		if s.from > 0 || s.to <= 0 {
			s.done = true
		}
		s.to = math.MaxInt64
	}
	return nil
}

// failed is a reader whose stream already ended, with err (io.EOF when nil).
type failed struct{ err error }

func (f failed) Read([]byte) (int, error) {
	if f.err == nil {
		return 0, io.EOF
	}
	return 0, f.err
}

func (s *Scanner) oversize(n int) {
	s.cut = true
	is := Issue{Severity: model.Error, Code: "parse.segment-too-long", Line: s.line,
		Message: fmt.Sprintf("segment longer than %d bytes: cut there, the rest of it is not read", n)}
	if s.pending != nil {
		s.pending.msg.Issues = append(s.pending.msg.Issues, is)
		return
	}
	s.pendingIssues = append(s.pendingIssues, is)
}

// segment takes one line into the current message or starts a new one.
func (s *Scanner) segment(line []byte, term int) {
	if !s.cut && whiteOnly(line) {
		if s.pending != nil {
			s.pending.blank = true
		}
		return
	}
	bare, lead := unframe(line)
	framed := len(bare) != len(line)
	line = bare
	// Files joined into one stream (cat a.hl7 b.hl7) keep each file's
	// UTF-8 byte-order mark where its first message starts: the mark is
	// the file's, not part of the header's segment id.
	if rest, ok := bytes.CutPrefix(line, utf8Mark); ok && len(rest) >= 3 {
		switch string(rest[:3]) {
		case "MSH", "FHS", "BHS":
			line, lead, s.bom = rest, lead+len(utf8Mark), markJoined
			if framed {
				s.bom = markFrame
			}
		}
	}
	name := line
	if len(name) > 3 {
		name = name[:3]
	}
	if s.ranged && s.at >= s.to && s.opens(string(name)) {
		// The next range's first message: this range is complete.
		s.flush()
		s.done = true
		return
	}
	switch string(name) {
	case "MSH":
		s.flush()
		s.start1(line, false)
	case "FHS", "BHS", "BTS", "FTS":
		s.flush()
		s.start1(line, true)
		s.envelope(string(name), string(line))
		defer s.flush()
	default:
		if s.opens(string(name)) {
			s.flush()
			s.start1(nil, false)
			s.pending.msg.Headless = true
		}
		if s.pending.blank {
			s.pending.msg.Issues = append(s.pending.msg.Issues, Issue{Severity: model.Warning, Code: "parse.blank-line",
				Line: s.line - 1, Message: "empty line inside a message: segments after it are kept in the same message"})
		}
	}
	b := s.pending
	b.blank = false
	if framed && !b.framed {
		b.framed = true
		b.msg.Issues = append(b.msg.Issues, Issue{Severity: model.Warning, Code: "parse.mllp-framing", Line: s.line,
			Message: "MLLP block characters (0x0B before, 0x1C after a message) in the stream: transport framing, not ER7; read without them"})
	}
	if b.skip {
		return
	}
	start := len(b.text)
	for _, at := range shift(s.undecodable, lead) {
		if at < len(line) {
			b.undecodable = append(b.undecodable, start+at)
		}
	}
	b.text = append(b.text, line...)
	b.lines = append(b.lines, lineSpan{start: start, end: len(b.text), line: s.line})
	switch term {
	case termCR:
		b.cr++
	case termLF:
		b.lf++
	case termCRLF:
		b.crlf++
	}
}

// opens reports whether a segment named name starts a message: an MSH, an
// envelope segment, or a segment with no message open (a header-less
// fragment). segment must agree.
func (s *Scanner) opens(name string) bool {
	switch name {
	case "MSH", "FHS", "BHS", "BTS", "FTS":
		return true
	}
	return s.pending == nil || s.pending.msg.Envelope
}

// markPlace is where a UTF-8 byte-order mark was met.
type markPlace string

const (
	markStream markPlace = "stream" // before the first line
	markFrame  markPlace = "frame"  // where a frame of an MLLP capture starts
	markJoined markPlace = "joined" // before a header inside the stream: a file joined to the one before (cat a.hl7 b.hl7)
)

// issue is the parse.bom of the message whose first line is line, after a
// mark met at p: it says where the mark is, since a joined file or a
// capture carries one at each file's or frame's start, not at the stream's.
func (p markPlace) issue(line int) Issue {
	is := Issue{Severity: model.Warning, Code: "parse.bom", Line: line}
	const rule = "HL7 v2 streams must not carry one"
	switch {
	case p == markStream || line == 1:
		is.Line = 1
		is.Message = "the file starts with a UTF-8 byte-order mark: " + rule
	case p == markFrame:
		is.Message = fmt.Sprintf("the MLLP frame holding this message (line %d) starts with a UTF-8 byte-order mark: %s", line, rule)
	default:
		is.Message = fmt.Sprintf("a UTF-8 byte-order mark comes before this message's header on line %d, where a file joined into this one starts: %s", line, rule)
	}
	return is
}

func (s *Scanner) start1(line []byte, envelope bool) {
	m := &Message{Index: s.index, Line: s.line, Envelope: envelope, Delims: DefaultDelimiters(), Encoding: s.enc}
	s.index++
	s.pending = &builder{msg: m, skip: s.ranged && s.at < s.from}
	if s.bom != "" {
		m.Issues = append(m.Issues, s.bom.issue(s.line))
		s.bom = ""
	}
	if len(s.pendingIssues) > 0 {
		m.Issues = append(m.Issues, s.pendingIssues...)
		s.pendingIssues = nil
	}
	if !envelope && line != nil && s.batchOpen {
		s.batchMessages++
	}
}

// envelope keeps the batch counts: BTS-1 and FTS-1 must match what came.
func (s *Scanner) envelope(name, raw string) {
	m := s.pending.msg
	issue := func(sev model.Severity, code, path, msg string) {
		m.Issues = append(m.Issues, Issue{Severity: sev, Code: code, Line: s.line, Path: path, Message: msg})
	}
	// The trailers are written with their header's delimiters; an FHS or
	// BHS declares its own (header reads them again for the record).
	switch name {
	case "FHS":
		d := headerDelims(raw)
		s.fileDelims, s.batchDelims = &d, nil
	case "BHS":
		d := headerDelims(raw)
		s.batchDelims = &d
	case "BTS":
		d := s.batchDelims
		if d == nil {
			d = s.fileDelims
		}
		if d != nil {
			m.Delims = *d
		}
	case "FTS":
		if s.fileDelims != nil {
			m.Delims = *s.fileDelims
		}
	}
	fields := strings.Split(raw, string(m.Delims.Field))
	count := ""
	if len(fields) > 1 {
		count = fields[1]
	}
	switch name {
	case "FHS":
		if s.fileOpen {
			issue(model.Error, "parse.batch", "FHS[1]", fmt.Sprintf("FHS opens a file while the file opened at line %d has no FTS", s.fileLine))
		}
		s.fileOpen, s.batches, s.fileLine = true, 0, s.line
	case "BHS":
		if s.batchOpen {
			issue(model.Error, "parse.batch", "BHS[1]", fmt.Sprintf("BHS opens a batch while the batch opened at line %d has no BTS", s.batchLine))
		}
		s.batchOpen, s.batchMessages, s.batchLine = true, 0, s.line
		s.batches++
	case "BTS":
		if !s.batchOpen {
			issue(model.Error, "parse.batch", "BTS[1]", "BTS closes a batch that no BHS opened")
		} else if count != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(count)); err != nil || n != s.batchMessages {
				issue(model.Error, "parse.batch-count", "BTS[1].1", fmt.Sprintf("BTS-1 says the batch has %q message(s); it has %d", count, s.batchMessages))
			}
		}
		s.batchOpen = false
	case "FTS":
		if !s.fileOpen {
			issue(model.Error, "parse.batch", "FTS[1]", "FTS closes a file that no FHS opened")
		} else if count != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(count)); err != nil || n != s.batches {
				issue(model.Error, "parse.batch-count", "FTS[1].1", fmt.Sprintf("FTS-1 says the file has %q batch(es); it has %d", count, s.batches))
			}
		}
		if s.batchOpen {
			issue(model.Error, "parse.batch", "FTS[1]", fmt.Sprintf("FTS closes the file while the batch opened at line %d has no BTS", s.batchLine))
			s.batchOpen = false
		}
		s.fileOpen = false
	}
}

func (s *Scanner) closeAtEOF() {
	m := s.pending.msg
	if s.batchOpen {
		m.Issues = append(m.Issues, Issue{Severity: model.Error, Code: "parse.batch", Line: s.line,
			Message: fmt.Sprintf("the stream ends inside the batch opened at line %d: no BTS", s.batchLine)})
		s.batchOpen = false
	}
	if s.fileOpen {
		m.Issues = append(m.Issues, Issue{Severity: model.Error, Code: "parse.batch", Line: s.line,
			Message: fmt.Sprintf("the stream ends inside the file opened at line %d: no FTS", s.fileLine)})
		s.fileOpen = false
	}
}

// flush finishes the pending message: splits its segments into fields.
func (s *Scanner) flush() {
	b := s.pending
	if b == nil {
		return
	}
	s.pending = nil
	if b.skip {
		return
	}
	m := b.msg
	text := string(b.text)
	m.Size = len(text) + len(b.lines)
	m.Segments = make([]Segment, 0, len(b.lines))
	var counts [8]struct {
		name string
		n    int
	}
	used := 0
	var more map[string]int // ids past the eighth
	undecodable := false    // reported once a message, at its first place
	for i, ln := range b.lines {
		raw := text[ln.start:ln.end]
		seg := Segment{Line: ln.line}
		header := i == 0 && !m.Headless && len(raw) >= 3 && (raw[:3] == "MSH" || raw[:3] == "FHS" || raw[:3] == "BHS")
		if header {
			s.header(m, raw, &seg)
		} else {
			seg.Fields = splitFields(raw, m.Delims.Field)
		}
		seg.Name = seg.Fields[0]
		// Occurrence numbers without a map: most messages have few segment ids.
		seq := 0
		for j := 0; j < used; j++ {
			if counts[j].name == seg.Name {
				counts[j].n++
				seq = counts[j].n
				break
			}
		}
		if seq == 0 {
			if used < len(counts) {
				counts[used] = struct {
					name string
					n    int
				}{seg.Name, 1}
				used++
				seq = 1
			} else {
				if more == nil {
					more = map[string]int{}
				}
				more[seg.Name]++
				seq = more[seg.Name]
			}
		}
		seg.Seq = seq
		if at := firstIn(b.undecodable, ln.start, ln.end); at >= 0 && !undecodable {
			undecodable = true
			n := strings.Count(raw[:at-ln.start], string(m.Delims.Field))
			if header {
				n++ // a header's field 1 is the separator itself
			}
			// Bytes where the segment id should be are the segment's, at no
			// field, as a bad segment id is.
			path := seg.Path()
			if n > 0 {
				path += "." + strconv.Itoa(n)
			}
			m.Issues = append(m.Issues, Issue{Severity: model.Error, Code: "parse.charset", Line: ln.line, Path: path,
				Message: fmt.Sprintf("the message arrived in %s, but bytes here are not %s: they cannot be read (shown as U+FFFD)", m.Encoding, m.Encoding.Form)})
		}
		if !validName(seg.Name) {
			m.Issues = append(m.Issues, Issue{Severity: model.Error, Code: "parse.segment-name", Line: ln.line, Path: seg.Path(),
				Message:  fmt.Sprintf("%q is not a segment id (three letters or digits, starting with a letter): the line is kept as a segment", truncate(seg.Name, 20)),
				Evidence: truncate(raw, 40)})
		}
		m.Segments = append(m.Segments, seg)
	}
	if len(m.Segments) > indexFrom {
		m.index()
	}
	if m.Headless {
		m.Issues = append(m.Issues, Issue{Severity: model.Error, Code: "parse.no-header", Line: m.Line,
			Message: fmt.Sprintf("%d segment(s) before any MSH: they belong to no message", len(m.Segments))})
	}
	if n := b.lf + b.crlf; n > 0 {
		ends := "LF"
		switch {
		case b.lf > 0 && b.crlf > 0:
			ends = "LF or CRLF"
		case b.crlf > 0:
			ends = "CRLF"
		}
		m.Issues = append(m.Issues, Issue{Severity: model.Warning, Code: "parse.segment-terminator", Line: m.Line,
			Message: fmt.Sprintf("%d of %d segment(s) end with %s instead of CR", n, n+b.cr, ends)})
	}
	s.out = append(s.out, m)
}

// header reads MSH/FHS/BHS: MSH-1 is the byte after the id, MSH-2 the
// encoding characters up to the next field separator.
func (s *Scanner) header(m *Message, raw string, seg *Segment) {
	issue := func(code, msg, ev string) {
		m.Issues = append(m.Issues, Issue{Severity: model.Error, Code: code, Line: seg.Line, Path: raw[:3] + "[1]", Message: msg, Evidence: ev})
	}
	if len(raw) < 4 {
		issue("parse.delimiters", raw[:3]+" has no field separator: the standard delimiters |^~\\& are assumed", "")
		seg.Fields = []string{raw[:3], "|", ""}
		return
	}
	d := headerDelims(raw)
	rest := raw[4:]
	enc := rest
	if i := strings.IndexByte(rest, d.Field); i >= 0 {
		enc = rest[:i]
	}
	switch {
	case len(enc) < 4:
		msg := fmt.Sprintf("%s-2 has %d encoding character(s), not 4: the missing ones take their standard values", raw[:3], len(enc))
		for _, c := range clashes(d.Field, enc) {
			msg += fmt.Sprintf(", except the %s: its standard value %q is the %s written here, so the message is ambiguous (the %s and the %s share %q); it is read without %s",
				encodingRoles[c.missing], c.char, c.writtenRole(), c.writtenRole(), encodingRoles[c.missing], c.char, article(encodingRoles[c.missing]))
		}
		issue("parse.delimiters", msg, enc)
	case len(enc) > 5:
		issue("parse.delimiters", fmt.Sprintf("%s-2 has %d encoding characters, not 4 (or 5 with a truncation character)", raw[:3], len(enc)), truncate(enc, 10))
	}
	// Only the characters the sender wrote are judged: a standard value
	// filled in for a missing one may be a character the sender gave
	// another role (^~& leaves out the subcomponent separator, whose
	// standard & is the escape here), which it did not repeat; the missing
	// ones are reported above, once, whichever characters were written.
	seen := map[byte]bool{d.Field: true}
	for i, c := range []byte{d.Component, d.Repetition, d.Escape, d.Subcomponent, d.Truncation}[:min(len(enc), 5)] {
		if c == 0 {
			continue
		}
		if seen[c] || c == '\r' || c == '\n' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			issue("parse.delimiters", fmt.Sprintf("%s-2 encoding character %d (%q) is repeated or not a punctuation character", raw[:3], i+1, c), enc)
			break
		}
		seen[c] = true
	}
	m.Delims = d
	fields := splitFields(rest, d.Field)
	seg.Fields = make([]string, 0, len(fields)+2)
	seg.Fields = append(seg.Fields, raw[:3], raw[3:4])
	seg.Fields = append(seg.Fields, fields...)
}

// headerDelims reads the delimiters an MSH, FHS or BHS line declares: the
// byte after the id and the encoding characters up to the next field
// separator, the standard ones where it has none or too few.
func headerDelims(raw string) Delimiters {
	d := DefaultDelimiters()
	if len(raw) < 4 {
		return d
	}
	d.Field = raw[3]
	enc := raw[4:]
	if i := strings.IndexByte(enc, d.Field); i >= 0 {
		enc = enc[:i]
	}
	set := []*byte{&d.Component, &d.Repetition, &d.Escape, &d.Subcomponent, &d.Truncation}
	for i := 0; i < len(enc) && i < len(set); i++ {
		*set[i] = enc[i]
	}
	for _, c := range clashes(d.Field, enc) {
		*set[c.missing] = 0
	}
	return d
}

// encodingRoles name MSH-2's characters in the order HL7 lists them.
var encodingRoles = [...]string{"component separator", "repetition separator", "escape character", "subcomponent separator"}

// A clash is a role a short MSH-2 (BHS-2, FHS-2) leaves out whose standard
// value is a character the sender wrote for another role (written: the
// index of encodingRoles, -1 for the field separator). HL7 reads MSH-2 by
// position, and a character left out is one the message does not use (the
// escape character with no escape sequence, the subcomponent separator
// with no subcomponents): the character keeps the role the sender gave it
// and the missing role is read as absent, never as a second role of the
// same character.
type clash struct {
	missing, written int
	char             byte
}

func (c clash) writtenRole() string {
	if c.written < 0 {
		return "field separator"
	}
	return encodingRoles[c.written]
}

// clashes lists the clashes of the encoding characters enc written after
// field separator field.
func clashes(field byte, enc string) []clash {
	var out []clash
	std := DefaultDelimiters()
	for i, v := range []byte{std.Component, std.Repetition, std.Escape, std.Subcomponent}[min(len(enc), 4):] {
		missing := len(enc) + i
		switch j := strings.IndexByte(enc, v); {
		case v == field:
			out = append(out, clash{missing: missing, written: -1, char: v})
		case j >= 0:
			out = append(out, clash{missing: missing, written: j, char: v})
		}
	}
	return out
}

func article(role string) string {
	if strings.IndexByte("aeiou", role[0]) >= 0 {
		return "an " + role
	}
	return "a " + role
}

func splitFields(raw string, sep byte) []string {
	n := strings.Count(raw, string(sep)) + 1
	out := make([]string, 0, n)
	for {
		i := strings.IndexByte(raw, sep)
		if i < 0 {
			return append(out, raw)
		}
		out = append(out, raw[:i])
		raw = raw[i+1:]
	}
}

func validName(n string) bool {
	if len(n) != 3 || n[0] < 'A' || n[0] > 'Z' {
		return false
	}
	for i := 1; i < 3; i++ {
		c := n[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ParseAll reads every message of data; for tests and small inputs.
func ParseAll(data []byte) ([]*Message, error) {
	sc := NewScanner(bytes.NewReader(data))
	var out []*Message
	for {
		m, err := sc.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}
