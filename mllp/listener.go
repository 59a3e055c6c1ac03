package mllp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Received is one thing a Listener got on a connection: a frame, or bytes
// outside frames, or an oversize frame.
type Received struct {
	// Remote is the peer's address.
	Remote string
	// Frame is what was read: a frame's content (nil for an oversize
	// frame), and the bytes outside frames before it.
	Frame
	// Incomplete is set when the connection ended inside a frame.
	Incomplete bool
	// TLSError says why a TLS handshake failed (nothing else is set).
	TLSError string
	// Refused is set, alone, for a connection closed at once because
	// MaxConns connections were already open.
	Refused bool
	// TimedOut is set when the connection was closed because no complete
	// frame arrived within ReadTimeout (with Incomplete when one had started).
	TimedOut bool
	At       time.Time
}

// Defaults bounding what senders can hold: MaxConns connections of at most
// MaxFrame bytes each is the most a flood of unterminated frames can make
// the listener keep in memory.
const (
	DefaultMaxConns    = 16
	DefaultReadTimeout = 2 * time.Minute
)

// Listener receives frames and answers each with the messages Handle
// returns, each in its own frame (none sends nothing; enhanced mode sends an
// accept and an application acknowledgement). When Handle says stop, the
// replies are still sent, then the listener closes.
type Listener struct {
	MaxFrame int
	// HandshakeTimeout bounds a TLS handshake (default 10s) when ln is a
	// TLS listener (tls.NewListener).
	HandshakeTimeout time.Duration
	// MaxConns bounds the connections served at once (default
	// DefaultMaxConns); one more is closed as soon as it is accepted.
	MaxConns int
	// ReadTimeout is how long a connection may take to deliver its next
	// complete frame (default DefaultReadTimeout); then it is closed. It
	// bounds slow senders and idle connections alike: a sender that keeps
	// its connection open between messages reconnects, as MLLP senders do.
	ReadTimeout time.Duration
	// Handle is called for every frame and problem, from one goroutine per
	// connection; it must be safe for concurrent use.
	Handle func(Received) (replies [][]byte, stop bool)
}

// Serve accepts connections until ctx ends or ln is closed, then waits for
// the connections to finish.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make(chan struct{}, cmp.Or(l.MaxConns, DefaultMaxConns))
	serve := func(conn net.Conn) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			l.serveConn(ctx, cancel, conn)
		default:
			remote := conn.RemoteAddr().String()
			conn.Close()
			l.Handle(Received{Remote: remote, Refused: true, At: time.Now()})
		}
	}
	if err := accept(ctx, ln, serve); err != nil {
		return fmt.Errorf("mllp listener: %w", err)
	}
	return nil
}

// accept serves each connection of ln in its own goroutine until ctx ends or
// ln is closed, closes ln, and waits for the connections to finish. An
// accept error other than the listener closing is returned.
func accept(ctx context.Context, ln net.Listener, serve func(net.Conn)) error {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
		case <-stop:
		}
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(conn)
		}()
	}
}

func (l *Listener) serveConn(ctx context.Context, cancel context.CancelFunc, conn net.Conn) {
	defer conn.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			conn.Close()
		case <-done:
		}
	}()
	remote := conn.RemoteAddr().String()
	if err := handshake(ctx, conn, l.HandshakeTimeout); err != nil {
		if ctx.Err() == nil && !errors.Is(err, errSilent) {
			l.Handle(Received{Remote: remote, TLSError: err.Error(), At: time.Now()})
		}
		return
	}
	fr := NewFrameReader(conn, l.MaxFrame)
	timeout := cmp.Or(l.ReadTimeout, DefaultReadTimeout)
	for {
		conn.SetReadDeadline(time.Now().Add(timeout))
		f, err := fr.Next()
		if err != nil {
			skipped, sample, inFrame := fr.Pending()
			if skipped > 0 || inFrame || IsIncomplete(err) || fr.EndMissing() {
				l.Handle(Received{Remote: remote, Frame: Frame{Skipped: skipped, SkippedSample: sample, PrevBadEnd: fr.EndMissing()},
					Incomplete: inFrame || IsIncomplete(err), TimedOut: isTimeout(err) && ctx.Err() == nil, At: time.Now()})
			}
			return
		}
		replies, stop := l.Handle(Received{Remote: remote, Frame: f, At: time.Now()})
		for _, reply := range replies {
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write(Wrap(reply)); err != nil {
				return
			}
		}
		if stop {
			cancel()
			return
		}
	}
}
