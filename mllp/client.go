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

// Outcome says how an exchange ended.
type Outcome string

const (
	// Answered: at least one framed response arrived.
	Answered Outcome = "answered"
	// Timeout: nothing framed came back in time.
	Timeout Outcome = "timeout"
	// Unframed: bytes came back, but not in an MLLP frame.
	Unframed Outcome = "unframed"
	// Closed: the peer closed or reset the connection instead of answering.
	Closed Outcome = "closed"
	// ConnectFailed: no connection could be made.
	ConnectFailed Outcome = "connect-failed"
	// Oversize: the response frame exceeded the limit.
	Oversize Outcome = "oversize"
)

// Response is one frame the peer sent back.
type Response struct {
	Raw     []byte         `json:"-"`
	Message *hl7v2.Message `json:"-"`
	Latency time.Duration  `json:"latency"`
	BadEnd  bool           `json:"badEnd,omitempty"`
	Commit  byte           `json:"commit,omitempty"`
}

// Exchange is one message sent and what came back: the Value of a record of
// kind exchange.
type Exchange struct {
	// Index is the message's position in its feed, from 0.
	Index   int
	Request *hl7v2.Message
	// Responses holds the frames received in answer, in order: one ACK in
	// original mode; an accept ACK and then an application ACK in enhanced mode.
	Responses []Response
	Outcome   Outcome
	// Detail says what went wrong, when something did.
	Detail string
	// Skipped counts bytes received outside frames; SkippedSample shows some.
	Skipped       int
	SkippedSample []byte
	// Elapsed is from sending to the last response (or giving up).
	Elapsed time.Duration
	// Thresholds are latency limits the plan set on the target ("p95" →
	// 500ms); latency checks prefer them to their suite's defaults.
	Thresholds map[string]time.Duration
}

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

// Send sends one message (segments ending in CR) and waits for its
// acknowledgement; in enhanced mode (the message asks for an application
// acknowledgement in MSH-16 and the peer answers with CA), it also waits for
// the application acknowledgement. It never returns an error: what went
// wrong is the exchange's Outcome and Detail.
func (c *Client) Send(ctx context.Context, req *hl7v2.Message, raw []byte) *Exchange {
	ex := &Exchange{Index: req.Index, Request: req}
	if err := c.dial(ctx); err != nil {
		ex.Outcome, ex.Detail = ConnectFailed, fmt.Sprintf("cannot connect to %s: %v", c.Addr, err)
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
			ex.Outcome, ex.Detail = ConnectFailed, fmt.Sprintf("cannot connect to %s: %v", c.Addr, c.alertError(alert, c.askedCert))
			c.Close()
			return ex
		}
		c.Close()
		ex.Outcome, ex.Detail = Closed, "sending failed: "+err.Error()
		return ex
	}
	want := 1
	for len(ex.Responses) < want {
		deadline := time.Now().Add(timeout)
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
				ex.Outcome, ex.Detail = ConnectFailed, fmt.Sprintf("cannot connect to %s: %v", c.Addr, c.alertError(alert, c.askedCert))
				c.Close()
				return ex
			}
			skipped, sample, inFrame := c.fr.Pending()
			ex.Skipped += skipped
			ex.SkippedSample = append(ex.SkippedSample, sample...)
			switch {
			case len(ex.Responses) > 0 && isTimeout(err):
				ex.Detail = fmt.Sprintf("no application acknowledgement within %s after the accept acknowledgement", timeout)
			case isTimeout(err) && skipped > 0 && !inFrame:
				ex.Outcome, ex.Detail = Unframed, fmt.Sprintf("%d byte(s) came back without MLLP framing (no 0x0B start block) within %s", skipped, timeout)
			case isTimeout(err) && inFrame:
				ex.Outcome, ex.Detail = Timeout, fmt.Sprintf("a response frame started but did not end (no 0x1C 0x0D) within %s", timeout)
			case isTimeout(err):
				ex.Outcome, ex.Detail = Timeout, fmt.Sprintf("no acknowledgement within %s", timeout)
			case skipped > 0 && !inFrame && len(ex.Responses) == 0:
				ex.Outcome, ex.Detail = Unframed, fmt.Sprintf("%d byte(s) came back without MLLP framing, then the connection ended: %v", skipped, describe(err))
			case len(ex.Responses) == 0:
				ex.Outcome, ex.Detail = Closed, "the connection ended without an acknowledgement: "+describe(err)
			default:
				ex.Detail = "the connection ended before the application acknowledgement: " + describe(err)
			}
			// The connection's state is unknown after a failure: start afresh.
			c.Close()
			if ex.Outcome == "" {
				ex.Outcome = Answered
			}
			return ex
		}
		if f.Oversize {
			ex.Outcome, ex.Detail = Oversize, fmt.Sprintf("the response frame is %d bytes, over the %d byte limit", f.Size, c.fr.max)
			return ex
		}
		r := Response{Raw: f.Data, Latency: ex.Elapsed, BadEnd: f.BadEnd, Commit: f.Commit}
		if f.Commit == 0 {
			if ms, _ := hl7v2.ParseAll(f.Data); len(ms) > 0 {
				r.Message = ms[0]
			}
		}
		ex.Responses = append(ex.Responses, r)
		if len(ex.Responses) == 1 && r.Message != nil && wantsApplicationACK(req) {
			switch r.Message.Get("MSA-1") {
			case "CA", "CE", "CR":
				if r.Message.Get("MSA-1") == "CA" {
					want = 2
				}
			}
		}
	}
	ex.Outcome = Answered
	return ex
}

// wantsApplicationACK: MSH-16 asks for one in every case (AL) or on error
// (ER) or success (SU); an empty MSH-15 and MSH-16 means original mode.
func wantsApplicationACK(m *hl7v2.Message) bool {
	switch m.Get("MSH-16") {
	case "AL", "SU":
		return true
	}
	return false
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
