// Package mllp speaks the Minimal Lower Layer Protocol that carries HL7 v2
// over TCP: a frame is 0x0B, the message, 0x1C 0x0D. It has a frame reader
// that copes with what real peers send (frames split across reads, several
// in one read, bytes outside frames, oversize frames, MLLP release 2 commit
// acknowledgements), a client that sends messages and collects their
// acknowledgements, a listener, and a simulator of faulty endpoints.
package mllp

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/carecert/carecert/hl7v2"
)

// Framing bytes: the block characters are hl7v2's, which reads captures
// that keep them, so both read one definition.
const (
	StartBlock = hl7v2.StartBlock
	EndBlock   = hl7v2.EndBlock
	CR         = 0x0D
)

// DefaultMaxFrame bounds a frame's content.
const DefaultMaxFrame = 8 << 20

// Wrap frames a message.
func Wrap(msg []byte) []byte {
	out := make([]byte, 0, len(msg)+3)
	out = append(out, StartBlock)
	out = append(out, msg...)
	return append(out, EndBlock, CR)
}

// Frame is what a FrameReader read.
type Frame struct {
	// Data is the frame's content (nil when Oversize).
	Data []byte
	// Skipped counts bytes outside any frame read before this one.
	Skipped int
	// SkippedSample holds the first of those bytes, for reports.
	SkippedSample []byte
	// Oversize is set when the content exceeded the limit: it was read to
	// its end and dropped; Size says how long it was, and Head holds its
	// first line (up to headLimit bytes), the MSH a receiver needs to
	// reject it.
	Oversize bool
	Size     int
	Head     []byte
	// BadEnd is set when 0x1C was followed by a byte other than 0x0D.
	BadEnd bool
	// PrevBadEnd is set when the frame before this one ended 0x1C and the
	// next byte, unknown when that frame was returned, was not 0x0D.
	PrevBadEnd bool
	// Commit is hl7v2.CommitACK or hl7v2.CommitNAK for an MLLP release 2 commit frame.
	Commit byte
}

// ErrIncomplete is returned when the stream ends inside a frame.
var errIncomplete = errors.New("the stream ended inside an MLLP frame")

// IsIncomplete reports whether err says the stream ended inside a frame.
func IsIncomplete(err error) bool { return errors.Is(err, errIncomplete) }

// FrameReader reads frames from a stream.
type FrameReader struct {
	r   *bufio.Reader
	max int
	// partial state survives read errors such as deadlines, so that a caller
	// may retry Next after a timeout without losing bytes.
	inFrame bool
	over    bool
	data    []byte
	size    int
	skipped int
	sample  []byte
	// endPending is set when a frame's 0x1C was the last byte received: the
	// frame was returned at once (its sender is waiting for an answer) and
	// the 0x0D, if any, is consumed by the next call.
	endPending, endMissing bool
}

// headLimit bounds the first line kept of an oversize frame.
const headLimit = 4096

// NewFrameReader reads from r; max bounds a frame's content (0: the default).
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &FrameReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Pending reports the bytes outside frames seen since the last frame, and
// whether a frame has started but not ended: what a timeout leaves behind.
func (fr *FrameReader) Pending() (skipped int, sample []byte, inFrame bool) {
	return fr.skipped, fr.sample, fr.inFrame
}

// EndMissing reports whether the last frame returned ended 0x1C without
// 0x0D, as learnt when the stream ended after it.
func (fr *FrameReader) EndMissing() bool { return fr.endMissing }

// Next returns the next frame. On error, bytes read so far are kept for the
// next call; Pending describes them. A frame is returned as soon as its
// 0x1C arrives when nothing follows yet, so that a sender that omits the
// 0x0D is still answered; whether the 0x0D came is known on the next call.
func (fr *FrameReader) Next() (Frame, error) {
	prevBadEnd := false
	if fr.endPending {
		c, err := fr.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				fr.endPending, fr.endMissing = false, true
			}
			return Frame{}, err
		}
		fr.endPending = false
		if c != CR {
			fr.r.UnreadByte()
			prevBadEnd = true
		}
	}
	fr.endMissing = false
	for !fr.inFrame {
		c, err := fr.r.ReadByte()
		if err != nil {
			return Frame{}, err
		}
		if c == StartBlock {
			fr.inFrame = true
			fr.data = fr.data[:0]
			fr.size = 0
			break
		}
		fr.skipped++
		if len(fr.sample) < 64 {
			fr.sample = append(fr.sample, c)
		}
	}
	for {
		chunk, err := fr.r.ReadSlice(EndBlock)
		body := chunk
		if err == nil {
			body = chunk[:len(chunk)-1]
		}
		fr.size += len(body)
		switch {
		case fr.size <= fr.max:
			fr.data = append(fr.data, body...)
		case !fr.over:
			// Keep the first line only, for the receiver's rejection.
			fr.over = true
			head := fr.data
			if len(head) == 0 {
				head = body
			}
			fr.data = append(fr.data[:0], hl7v2.FirstLine(head, headLimit)...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				fr.inFrame = false
				return Frame{}, errIncomplete
			}
			return Frame{}, err
		}
		break
	}
	f := Frame{Skipped: fr.skipped, SkippedSample: fr.sample, Size: fr.size, PrevBadEnd: prevBadEnd}
	if fr.r.Buffered() == 0 {
		fr.endPending = true
	} else if next, _ := fr.r.Peek(1); next[0] == CR {
		fr.r.ReadByte()
	} else {
		f.BadEnd = true
	}
	if fr.over {
		f.Oversize = true
		f.Head = bytes.Clone(fr.data)
	} else {
		f.Data = bytes.Clone(fr.data)
		if len(f.Data) == 1 && (f.Data[0] == hl7v2.CommitACK || f.Data[0] == hl7v2.CommitNAK) {
			f.Commit = f.Data[0]
		}
	}
	fr.inFrame, fr.over, fr.skipped, fr.sample = false, false, 0, nil
	return f, nil
}
