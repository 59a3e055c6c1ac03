package hl7v2

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ACKOptions shape an acknowledgement built by BuildACK.
type ACKOptions struct {
	// Code is MSA-1: AA, AE, AR (original mode) or CA, CE, CR (accept).
	Code string
	// ControlID is the ACK's own MSH-10.
	ControlID string
	// Text goes in MSA-3 and, for AE/AR/CE/CR, an ERR segment.
	Text string
	Time time.Time
}

// BuildACK builds the acknowledgement a receiver owes msg: MSH-3/4 and
// MSH-5/6 swapped, MSH-9 as msg's version defines it (ackMessageType),
// MSH-11 and MSH-12 echoed, MSH-18 naming the encoding the acknowledgement
// is written in (ackCharset: the caller writes it in msg's, see
// Encoding.Encode), MSA-2 = the original MSH-10, and an ERR segment for
// errors and rejections. Segments end with CR.
func BuildACK(msg *Message, o ACKOptions) []byte {
	d := msg.Delims
	if d.Field == 0 {
		d = DefaultDelimiters()
	}
	if d.Component == 0 && msh9Era(msg.Version()) == allRequired {
		d.Component = freeDelimiter(d)
	}
	h := msg.Header()
	f := string(d.Field)
	var b strings.Builder
	msgType := ackMessageType(msg, d.Component)
	b.WriteString(replyHeader("MSH", h, d, o.Time) + f + f + msgType + f + o.ControlID + f + fieldOf(h, 11) + f + fieldOf(h, 12))
	msh := b.Len()
	b.WriteString("\r")
	b.WriteString("MSA" + f + o.Code + f + msg.ControlID())
	if o.Text != "" {
		b.WriteString(f + d.EscapeText(o.Text))
	}
	b.WriteString("\r")
	if o.Code != "AA" && o.Code != "CA" && o.Code != "" {
		code := "207"
		if d.Component != 0 {
			c := string(d.Component)
			code += c + "Application internal error" + c + "HL70357"
		}
		b.WriteString("ERR" + f + f + f + code + f + "E" + f + f + f + f + f + d.EscapeText(o.Text) + "\r")
	}
	ack := b.String()
	if cs := ackCharset(fieldOf(h, 18), msg.Charset(), msg.Encoding, ack); cs != "" {
		ack = ack[:msh] + strings.Repeat(f, 6) + cs + ack[msh:]
	}
	return []byte(ack)
}

// ackCharset is the MSH-18 of an acknowledgement whose text (MSH-18 aside)
// is ack, written in e, the encoding its message came in, whose MSH-18 is
// declared and declares cs (Message.Charset): declared as written when cs names e (a receiver reads the answer
// by it, and it may have components or repetitions), else table 0211's code
// for e. UTF-16 and UTF-32 are decoded, so carecert knows the answer is
// in them, whatever the original claimed. Single bytes (and UTF-8, which
// the answer writes without a mark) are the original's bytes copied, in
// whatever set it declared, except a claim of UTF-16 or UTF-32, which such
// bytes cannot be: then UNICODE UTF-8 when they are UTF-8 (ASCII is), and
// nothing where carecert cannot tell which set they are in.
func ackCharset(declared, cs string, e Encoding, ack string) string {
	switch {
	case e.Decoded() && (cs == "UNICODE" || cs == "UNICODE "+e.Form):
		return declared
	case e.Decoded():
		return "UNICODE " + e.Form
	case cs != "UNICODE UTF-16" && cs != "UNICODE UTF-32":
		return declared
	case utf8.ValidString(ack):
		return "UNICODE UTF-8"
	}
	return ""
}

// freeDelimiter is a component separator for the acknowledgement of a
// message that has none ('^' as its field separator and MSH-2 empty) in a
// version whose MSH-9 requires three components (2.7 on): the answer is a
// message of its own and declares its own MSH-2, so it takes the first of
// the standard delimiters, then '#', that d does not already use ('|' for
// the usual case, whose '^' is the field separator).
func freeDelimiter(d Delimiters) byte {
	for _, c := range []byte("^|~\\&#") {
		if c != d.Field && c != d.Repetition && c != d.Escape && c != d.Subcomponent && c != d.Truncation {
			return c
		}
	}
	return 0
}

// ackMessageType is MSH-9 of the acknowledgement of msg, in msg's version
// (MSH-12): the message code ACK, the original's trigger event, and from
// 2.4 the message structure ACK. Up to 2.3 MSH-9 has no structure
// component; 2.3.1 defines one but keeps MSH-9's length at 7, which only
// ACK^event fits, so the optional structure is left out there; 2.4 to 2.6
// leave event and structure optional, so without an event it is ACK alone;
// from 2.7 all three are required and always written.
// The event is the original's MSH-9.2, else its EVN-1, where 2.1 and 2.2
// carried it; an original naming it nowhere leaves it empty, as it breaks
// the same rule. An original without a component separator (a short MSH-2
// whose separator is its field separator: "MSH^^") gives the answer none to
// write components with: up to 2.6, where ACK alone is a whole MSH-9, the
// answer keeps the original's delimiters and writes ACK alone, never a NUL
// in its place; from 2.7 BuildACK gives it one (freeDelimiter).
func ackMessageType(msg *Message, component byte) string {
	if component == 0 {
		return "ACK"
	}
	event := msg.Event()
	if event == "" {
		event = msg.Delims.FirstComponent(msg.Get("EVN-1"), 1)
	}
	c := string(component)
	switch era := msh9Era(msg.Version()); {
	case era == twoComponents && event == "":
		return "ACK"
	case era == twoComponents:
		return "ACK" + c + event
	case era == optionalEvent && event == "":
		return "ACK"
	}
	return "ACK" + c + event + c + "ACK"
}

// The forms MSH-9 takes across versions.
const (
	twoComponents = iota // 2.1 to 2.3.1: message type ^ trigger event (2.3.1's length of 7 leaves no room for its optional structure)
	optionalEvent        // 2.4 to 2.6 (and a version carecert cannot read): the structure written, event and structure optional
	allRequired          // 2.7 and later: code, event and structure required
)

// msh9Era places a version as written in MSH-12 among the forms of MSH-9.
func msh9Era(version string) int {
	var parts []int
	for _, p := range strings.Split(strings.TrimSpace(version), ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return optionalEvent
		}
		parts = append(parts, n)
	}
	switch {
	case slices.Compare(parts, []int{2, 4}) < 0:
		return twoComponents
	case slices.Compare(parts, []int{2, 7}) < 0:
		return optionalEvent
	}
	return allRequired
}

// BuildBatchACK answers a batch received as one unit with a batch of its
// own (chapter 2's batch protocol): a BHS whose BHS-3/4 and BHS-5/6 are the
// original's swapped and whose BHS-12 (reference batch control ID) is the
// original BHS-11, the messages' acknowledgements, and a BTS counting them.
// bhs is the original BHS, or nil when the batch had none.
func BuildBatchACK(bhs *Segment, d Delimiters, acks [][]byte, t time.Time) []byte {
	if d.Field == 0 {
		d = DefaultDelimiters()
	}
	f := string(d.Field)
	var b strings.Builder
	b.WriteString(replyHeader("BHS", bhs, d, t) + strings.Repeat(f, 5) + fieldOf(bhs, 11) + "\r")
	for _, a := range acks {
		b.Write(a)
	}
	b.WriteString("BTS" + f + strconv.Itoa(len(acks)) + "\r")
	return []byte(b.String())
}

// replyHeader begins the header segment name (MSH or BHS) of a reply to
// header h (nil when the original had none), up to its date/time: the
// encoding characters, then h's sending and receiving application and
// facility swapped, since the reply goes back where h came from.
func replyHeader(name string, h *Segment, d Delimiters, t time.Time) string {
	f := string(d.Field)
	enc := []byte{d.Component, d.Repetition, d.Escape, d.Subcomponent}
	if i := bytes.IndexByte(enc, 0); i >= 0 {
		enc = enc[:i] // a role the original left out (a clash) has no character to write
	}
	return name + f + string(enc) + f +
		fieldOf(h, 5) + f + fieldOf(h, 6) + f + fieldOf(h, 3) + f + fieldOf(h, 4) + f + t.UTC().Format("20060102150405")
}

// fieldOf is field n of h, empty when there is no h.
func fieldOf(h *Segment, n int) string {
	if h == nil {
		return ""
	}
	return h.Field(n)
}
