package mllp

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/hl7v2"
)

// Defects a Simulator can play.
const (
	DefectNone      = "none"
	DefectNoACK     = "no-ack"     // read the message, never answer
	DefectWrongMSA2 = "wrong-msa2" // MSA-2 is not the message's MSH-10
	DefectUnframed  = "unframed"   // the ACK without MLLP framing
	DefectSlow      = "slow"       // answer after Delay
	DefectGarbage   = "garbage"    // a frame of bytes that are not HL7
	DefectReset     = "reset"      // drop the connection instead of answering
	DefectNotACK    = "not-ack"    // echo the message back instead of an ACK
	DefectNoSwap    = "no-swap"    // MSH-3/4 and MSH-5/6 not swapped
	DefectVersion   = "version"    // MSH-12 not echoed
	DefectAENoERR   = "ae-no-err"  // AE without an ERR segment
	DefectReject    = "reject"     // AR with ERR
	DefectCommit    = "commit"     // an MLLP release 2 commit ACK instead of an HL7 ACK
)

// Defects lists the defects with what each does.
func Defects() map[string]string {
	return map[string]string{
		DefectNone: "a correct AA acknowledgement", DefectNoACK: "no acknowledgement at all",
		DefectWrongMSA2: "MSA-2 differs from the message's MSH-10", DefectUnframed: "the acknowledgement without MLLP framing",
		DefectSlow: "the acknowledgement after --delay", DefectGarbage: "a frame of bytes that are not HL7",
		DefectReset: "the connection closed instead of an answer", DefectNotACK: "a response that is not an ACK",
		DefectNoSwap: "MSH-3/4 and MSH-5/6 not swapped", DefectVersion: "MSH-12 not echoed",
		DefectAENoERR: "AE without an ERR segment", DefectReject: "AR with an ERR segment",
		DefectCommit: "an MLLP release 2 commit acknowledgement (0x06) instead of an HL7 ACK",
	}
}

// Simulator is an MLLP endpoint that acknowledges with configured defects.
type Simulator struct {
	// Defect is played on every Every-th message (Every 0 or 1: all).
	Defect string
	Every  int
	// Delay is how long DefectSlow waits.
	Delay time.Duration
	// Now stamps ACKs; tests fix it.
	Now func() time.Time
	// HandshakeTimeout bounds a TLS handshake (default 10s) when the listener
	// given to Serve is a TLS one.
	HandshakeTimeout time.Duration

	mu    sync.Mutex
	count int
}

// Validate checks the simulator's configuration.
func (s *Simulator) Validate() error {
	if _, ok := Defects()[s.Defect]; !ok && s.Defect != "" {
		names := make([]string, 0)
		for k := range Defects() {
			names = append(names, k)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown defect %q (known: %s)", s.Defect, strings.Join(names, ", "))
	}
	if s.Every < 0 {
		return fmt.Errorf("every must not be negative")
	}
	return nil
}

// Serve accepts connections until ctx ends or ln is closed.
func (s *Simulator) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return accept(ctx, ln, func(conn net.Conn) { s.serveConn(ctx, conn) })
}

func (s *Simulator) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	every := max(s.Every, 1)
	if s.Defect == "" || s.count%every != 0 {
		return DefectNone
	}
	return s.Defect
}

func (s *Simulator) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	if err := handshake(ctx, conn, s.HandshakeTimeout); err != nil {
		return
	}
	fr := NewFrameReader(conn, 0)
	for {
		f, err := fr.Next()
		if err != nil {
			return
		}
		if f.Oversize || f.Commit != 0 {
			continue
		}
		ms, _ := hl7v2.ParseAll(f.Data)
		if len(ms) == 0 {
			continue
		}
		msg := ms[0]
		defect := s.next()
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		s.mu.Lock()
		id := "SIM" + strconv.Itoa(s.count)
		s.mu.Unlock()
		opts := hl7v2.ACKOptions{Code: "AA", ControlID: id, Time: now()}
		ack := func() []byte { return hl7v2.BuildACK(msg, opts) }
		// Answers go out in the encoding the message came in (a defect is
		// played on the text first).
		wrap := func(text []byte) []byte { return Wrap(msg.Encoding.Encode(text)) }
		var out []byte
		switch defect {
		case DefectNoACK:
			continue
		case DefectReset:
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			return
		case DefectSlow:
			select {
			case <-time.After(s.Delay):
			case <-ctx.Done():
				return
			}
			out = wrap(ack())
		case DefectWrongMSA2:
			out = wrap(wrongMSA2(ack()))
		case DefectUnframed:
			out = msg.Encoding.Encode(ack())
		case DefectGarbage:
			out = Wrap([]byte("\x00\x01garbage, not HL7\xff"))
		case DefectNotACK:
			out = Wrap(f.Data) // the message echoed back: no MSA

		case DefectNoSwap:
			out = wrap(noSwap(msg, ack()))
		case DefectVersion:
			out = wrap(otherVersion(ack()))
		case DefectAENoERR:
			opts.Code = "AE"
			out = wrap(withoutERR(ack()))
		case DefectReject:
			opts.Code, opts.Text = "AR", "rejected by the simulator"
			out = wrap(ack())
		case DefectCommit:
			out = Wrap([]byte{hl7v2.CommitACK})
		default:
			// What the message's mode asks for: one AA in original mode; in
			// enhanced mode a CA and an AA as MSH-15 and MSH-16 say.
			for _, code := range hl7v2.AckModeOf(msg).Replies("CA", "AA") {
				opts.Code = code
				out = append(out, wrap(ack())...)
			}
			if out == nil {
				continue
			}
		}
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

// fieldSeparator is the field separator an ACK built by hl7v2.BuildACK is
// written with (the original's, any character): the byte after its MSH.
// The faults are played by it, so that a message choosing '#' gets its
// fault as one choosing '|' does, never a correct answer in its place.
func fieldSeparator(ack []byte) string { return string(ack[3]) }

// segment returns the start and end of ack's first segment with id, found
// at a segment's start (never inside another's field: an MSH-5 "TERR"), or
// -1, -1.
func segment(ack []byte, id string) (int, int) {
	s := string(ack)
	i := strings.Index(s, "\r"+id+fieldSeparator(ack))
	if i < 0 {
		return -1, -1
	}
	i++
	end := strings.IndexByte(s[i:], '\r')
	if end < 0 {
		return i, len(s)
	}
	return i, i + end
}

// wrongMSA2 puts an "X" before the control id an ACK's MSA-2 answers with,
// as the ACK writes it (escaped delimiters and all). BuildACK always writes
// an MSA: without one the simulator stops, never sending a correct answer
// for the fault.
func wrongMSA2(ack []byte) []byte {
	i, end := segment(ack, "MSA")
	if i < 0 {
		panic("mllp: the simulator's ACK has no MSA segment to answer wrongly: " + strconv.Quote(string(ack)))
	}
	fields := strings.SplitN(string(ack[i:end]), fieldSeparator(ack), 4)
	if len(fields) < 3 {
		fields = append(fields, make([]string, 3-len(fields))...)
	}
	fields[2] = "X" + fields[2]
	return []byte(string(ack[:i]) + strings.Join(fields, fieldSeparator(ack)) + string(ack[end:]))
}

// withoutERR cuts an ACK before its ERR segments (BuildACK writes them
// last), so that an AE goes out without saying what was wrong.
func withoutERR(ack []byte) []byte {
	if i, _ := segment(ack, "ERR"); i >= 0 {
		return ack[:i]
	}
	return ack
}

// otherVersion rewrites an ACK's MSH-12 to a version the original did not
// have (2.9).
func otherVersion(ack []byte) []byte {
	f := fieldSeparator(ack)
	seg, rest, _ := strings.Cut(string(ack), "\r")
	fields := strings.Split(seg, f)
	if len(fields) > 11 {
		fields[11] = "2.9"
	}
	return []byte(strings.Join(fields, f) + "\r" + rest)
}

// noSwap rewrites an ACK's MSH-3..6 to the original's order (not swapped).
func noSwap(msg *hl7v2.Message, ack []byte) []byte {
	sep := fieldSeparator(ack)
	seg, rest, _ := strings.Cut(string(ack), "\r")
	f := strings.Split(seg, sep)
	if len(f) > 5 {
		f[2], f[3], f[4], f[5] = msg.Get("MSH-3"), msg.Get("MSH-4"), msg.Get("MSH-5"), msg.Get("MSH-6")
	}
	return []byte(strings.Join(f, sep) + "\r" + rest)
}
