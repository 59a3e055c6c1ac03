package mllp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/carecert/carecert/hl7v2"
)

// Client sends messages to an MLLP endpoint over one connection, reconnecting
// after the peer closes it.
type Client struct {
	Addr string
	// Timeout bounds the wait for each response (default 10s).
	Timeout time.Duration
	// ConnectTimeout bounds dialling, TLS handshake included (default 5s).
	ConnectTimeout time.Duration
	MaxFrame       int
	// TLS, when set, makes the connection MLLP over TLS (1.2 or later).
	TLS *ClientTLS
	// Quiet bounds the wait for a response the message's acknowledgement
	// mode allows but does not require (enhanced mode: NE, ER, SU or an
	// empty MSH-15/16), so that one sent anyway is seen (default 250ms).
	Quiet time.Duration

	conn      net.Conn
	askedCert bool
	fr        *FrameReader
}

// Close closes the connection.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.fr = nil, nil
	return err
}

func (c *Client) dial(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	ct := c.ConnectTimeout
	if ct <= 0 {
		ct = 5 * time.Second
	}
	var conn net.Conn
	var err error
	if c.TLS != nil {
		conn, err = c.dialTLS(ctx, ct)
	} else {
		d := net.Dialer{Timeout: ct}
		conn, err = d.DialContext(ctx, "tcp", c.Addr)
	}
	if err != nil {
		return err
	}
	c.conn, c.fr = conn, NewFrameReader(conn, c.MaxFrame)
	return nil
}

// Send sends one message (segments ending in CR) and waits for the
// acknowledgements its mode asks for (hl7v2.AckMode): one in original mode;
// in enhanced mode an accept acknowledgement when MSH-15 is AL and an
// application acknowledgement when MSH-16 is AL (after a CA), and for
// Quiet for one the conditions allow without requiring it. It never returns
// an error: what went wrong is the exchange's Outcome and Detail.
func (c *Client) Send(ctx context.Context, req *hl7v2.Message, raw []byte) *hl7v2.Exchange {
	ex := &hl7v2.Exchange{Index: req.Index, Request: req}
	if err := c.dial(ctx); err != nil {
		ex.Outcome, ex.Detail = hl7v2.ConnectFailed, fmt.Sprintf("cannot connect to %s: %v", c.Addr, err)
		return ex
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	start := time.Now()
	c.conn.SetWriteDeadline(start.Add(timeout))
	if _, err := c.conn.Write(Wrap(raw)); err != nil {
		if alert, ok := remoteAlert(err); c.TLS != nil && ok {
			ex.Outcome, ex.Detail = hl7v2.ConnectFailed, fmt.Sprintf("cannot connect to %s: %v", c.Addr, c.alertError(alert, c.askedCert))
			c.Close()
			return ex
		}
		c.Close()
		ex.Outcome, ex.Detail = hl7v2.Closed, "sending failed: "+err.Error()
		return ex
	}
	mode := hl7v2.AckModeOf(req)
	quiet := c.Quiet
	if quiet <= 0 {
		quiet = 250 * time.Millisecond
	}
	quiet = min(quiet, timeout)
	for {
		required, more := expect(mode, ex.Responses)
		if !more {
			break
		}
		wait := timeout
		if !required {
			wait = quiet
		}
		if _, _, inFrame := c.fr.Pending(); inFrame {
			wait = timeout // a response has begun: let it finish
		}
		deadline := time.Now().Add(wait)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		c.conn.SetReadDeadline(deadline)
		f, err := c.fr.Next()
		ex.Elapsed = time.Since(start)
		ex.Skipped += f.Skipped
		ex.SkippedSample = append(ex.SkippedSample, f.SkippedSample...)
		if err != nil {
			if alert, ok := remoteAlert(err); c.TLS != nil && ok && len(ex.Responses) == 0 {
				// A TLS 1.3 server refuses a client certificate (or its
				// absence) after the client's side of the handshake is done.
				ex.Outcome, ex.Detail = hl7v2.ConnectFailed, fmt.Sprintf("cannot connect to %s: %v", c.Addr, c.alertError(alert, c.askedCert))
				c.Close()
				return ex
			}
			skipped, sample, inFrame := c.fr.Pending()
			if !required && isTimeout(err) && !inFrame && skipped == 0 {
				break // nothing more came, and nothing more was owed
			}
			ex.Skipped += skipped
			ex.SkippedSample = append(ex.SkippedSample, sample...)
			switch {
			case len(ex.Responses) > 0 && isTimeout(err):
				ex.Detail = fmt.Sprintf("no application acknowledgement within %s after the accept acknowledgement", timeout)
			case isTimeout(err) && skipped > 0 && !inFrame:
				ex.Outcome, ex.Detail = hl7v2.Unframed, fmt.Sprintf("%d byte(s) came back without MLLP framing (no 0x0B start block) within %s", skipped, timeout)
			case isTimeout(err) && inFrame:
				ex.Outcome, ex.Detail = hl7v2.Timeout, fmt.Sprintf("a response frame started but did not end (no 0x1C 0x0D) within %s", timeout)
			case isTimeout(err):
				ex.Outcome, ex.Detail = hl7v2.Timeout, fmt.Sprintf("no acknowledgement within %s", timeout)
			case skipped > 0 && !inFrame && len(ex.Responses) == 0:
				ex.Outcome, ex.Detail = hl7v2.Unframed, fmt.Sprintf("%d byte(s) came back without MLLP framing, then the connection ended: %v", skipped, describe(err))
			case len(ex.Responses) == 0:
				ex.Outcome, ex.Detail = hl7v2.Closed, "the connection ended without an acknowledgement: "+describe(err)
			default:
				ex.Detail = "the connection ended before the application acknowledgement: " + describe(err)
			}
			// The connection's state is unknown after a failure: start afresh.
			c.Close()
			if ex.Outcome == "" {
				ex.Outcome = hl7v2.Answered
			}
			return ex
		}
		if f.Oversize {
			ex.Outcome, ex.Detail = hl7v2.Oversize, fmt.Sprintf("the response frame is %d bytes, over the %d byte limit", f.Size, c.fr.max)
			return ex
		}
		r := hl7v2.Response{Raw: f.Data, Latency: ex.Elapsed, BadEnd: f.BadEnd, PrevBadEnd: f.PrevBadEnd, Commit: f.Commit}
		if f.Commit == 0 {
			if ms, _ := hl7v2.ParseAll(f.Data); len(ms) > 0 {
				r.Message = ms[0]
			}
		}
		ex.Responses = append(ex.Responses, r)
	}
	ex.Outcome = hl7v2.Answered
	return ex
}

// expect says whether another response may come for a message in mode after
// the responses so far, and whether it must (else it is waited for only
// briefly).
func expect(mode hl7v2.AckMode, rs []hl7v2.Response) (required, more bool) {
	if !mode.Enhanced {
		return len(rs) == 0, len(rs) == 0
	}
	if len(rs) == 0 {
		// The accept acknowledgement, or the application one straight away
		// when none is sent for acceptance.
		return mode.Accept == "AL" || mode.Application == "AL", true
	}
	last := rs[len(rs)-1]
	if last.Message == nil || len(rs) > 1 {
		return false, false
	}
	switch last.Message.Get("MSA-1") {
	case "CA":
		return mode.Application == "AL", mode.Application != "NE"
	}
	return false, false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

func describe(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "closed by the peer"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset by the peer"
	case IsIncomplete(err):
		return err.Error()
	}
	return err.Error()
}
