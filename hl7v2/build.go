package hl7v2

import (
	"strings"
	"time"
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
// MSH-5/6 swapped, MSH-11 and MSH-12 echoed, MSA-2 = the original MSH-10, and
// an ERR segment for errors and rejections. Segments end with CR.
func BuildACK(msg *Message, o ACKOptions) []byte {
	d := msg.Delims
	if d.Field == 0 {
		d = DefaultDelimiters()
	}
	h := msg.Header()
	get := func(n int) string {
		if h == nil {
			return ""
		}
		return h.Field(n)
	}
	enc := string([]byte{d.Component, d.Repetition, d.Escape, d.Subcomponent})
	f := string(d.Field)
	var b strings.Builder
	trigger := msg.Event()
	msgType := "ACK"
	if trigger != "" {
		msgType += string(d.Component) + trigger + string(d.Component) + "ACK"
	}
	b.WriteString("MSH" + f + enc + f + get(5) + f + get(6) + f + get(3) + f + get(4) + f +
		o.Time.UTC().Format("20060102150405") + f + f + msgType + f + o.ControlID + f + get(11) + f + get(12) + "\r")
	b.WriteString("MSA" + f + o.Code + f + msg.ControlID())
	if o.Text != "" {
		b.WriteString(f + d.EscapeText(o.Text))
	}
	b.WriteString("\r")
	if o.Code != "AA" && o.Code != "CA" && o.Code != "" {
		b.WriteString("ERR" + f + f + f + "207" + string(d.Component) + "Application internal error" + string(d.Component) + "HL70357" + f + "E" + f + f + f + f + f + d.EscapeText(o.Text) + "\r")
	}
	return []byte(b.String())
}
