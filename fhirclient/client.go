// Package fhirclient talks to live FHIR R4 servers for carecert: a bounded,
// rate-limited HTTP client with bearer-token and SMART Backend Services
// authentication that records every request and its response as an Exchange.
// A server that hangs, resets the connection, redirects in a loop or sends an
// enormous body gives an Exchange that says so; the client never hangs past
// its timeouts and never panics on what a server sends.
package fhirclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/secret"
	"github.com/carecert/carecert/model"
)

// Defaults for a Config's zero values.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBody      = 32 << 20
	DefaultMaxRedirects = 5
	DefaultMaxRequests  = 2000
	excerptBytes        = 300
)

// Config says how to reach a server.
type Config struct {
	// BaseURL is the FHIR base ("https://host/fhir").
	BaseURL string
	// Auth adds credentials to requests; nil means none.
	Auth Auth
	// Headers are sent with every request (never recorded).
	Headers map[string]string
	// TLS configures https; nil means the system defaults.
	TLS *tls.Config
	// Timeout bounds one request, body included.
	Timeout time.Duration
	// RatePerSecond caps requests per second; 0 means no cap.
	RatePerSecond float64
	// MaxRequests caps the requests of one client; 0 means DefaultMaxRequests.
	MaxRequests int
	// MaxBody caps the bytes read from one (non-streamed) body.
	MaxBody int64
	// MaxRedirects caps redirects followed per request.
	MaxRedirects int
	// Connections caps the connections open to the server at once; 0 means
	// one. A single connection means a request never waits in the server's
	// queue behind another of carecert's, so its latency is its own.
	Connections int
}

// Client makes requests and records exchanges. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	limiter *rate.Limiter

	mu   sync.Mutex
	sent int
	seq  int
	// abandoned is the label of the last request given up on for want of an
	// answer, until the server next answers: the server may still be
	// working on it, so a timeout meanwhile may be a wait in its queue.
	abandoned string
}

// New checks cfg and builds a client.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http:// or https:// with a host", secret.RedactURL(cfg.BaseURL))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if cfg.Connections <= 0 {
		cfg.Connections = 1
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: cfg.Timeout, ControlContext: controlDial}).DialContext,
		TLSClientConfig:       cfg.TLS,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxConnsPerHost:       cfg.Connections,
		MaxIdleConnsPerHost:   cfg.Connections,
		IdleConnTimeout:       30 * time.Second,
	}
	c := &Client{cfg: cfg, base: base}
	c.http = &http.Client{
		Transport:     transport,
		CheckRedirect: c.checkRedirect,
	}
	if cfg.RatePerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RatePerSecond), 1)
	}
	return c, nil
}

type errTooManyRedirects struct{ n int }

func (e errTooManyRedirects) Error() string {
	return fmt.Sprintf("stopped after %d redirects (a redirect loop?)", e.n)
}

// Base is the server's base URL, redacted.
func (c *Client) Base() string { return secret.Redact(c.base) }

// Sent is how many requests the client has made.
func (c *Client) Sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Request is a request to make.
type Request struct {
	Interaction string
	Label       string
	Method      string
	// Path is relative to the base URL ("Patient/1", "metadata"); URL, when
	// set, is absolute (a next link, a status or download URL) and wins.
	Path  string
	URL   string
	Query url.Values
	// RefusePrivate refuses connections (redirects included) to private,
	// loopback and link-local addresses: for URLs a server handed out.
	RefusePrivate bool
	// Header adds request headers; Accept defaults to application/fhir+json.
	Header http.Header
	Body   []byte
	// NoAuth sends the request without credentials (Bulk files that do not
	// require an access token).
	NoAuth bool
	// Timeout overrides the client's timeout for this request.
	Timeout time.Duration
	// Resources, when set, receives the records of a JSON body: the
	// resource, or a Bundle and each of its entries.
	Resources func(*model.Record)
	// KeepBody keeps the body read in the exchange's Raw.
	KeepBody bool
}

// ResolveURL returns the absolute URL a request goes to.
func (c *Client) ResolveURL(req Request) (*url.URL, error) {
	var u *url.URL
	if req.URL != "" {
		var err error
		if u, err = url.Parse(req.URL); err != nil {
			return nil, fmt.Errorf("URL %q: %v", secret.RedactURL(req.URL), err)
		}
		u = c.base.ResolveReference(u)
	} else {
		b := *c.base
		b.Path = strings.TrimRight(b.Path, "/") + "/" + strings.TrimLeft(req.Path, "/")
		b.RawPath = ""
		u = &b
	}
	if len(req.Query) > 0 {
		q := u.Query()
		for k, vs := range req.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// Do makes a request, reads its body (up to the client's limit) and returns
// the exchange. It never returns nil: failures are recorded in the exchange.
func (c *Client) Do(ctx context.Context, req Request) *Exchange {
	var body []byte
	ex := c.do(ctx, req, func(r io.Reader) error {
		var err error
		body, err = readLimited(r, c.cfg.MaxBody)
		return err
	})
	if ex.Err == "" || ex.ErrCode == ErrTooLarge {
		c.describeBody(ex, body, req.Resources)
	}
	if req.KeepBody && ex.Err == "" {
		ex.Raw = body
	}
	return ex
}

// Stream makes a request and, when the response is 200, hands its body to
// consume without buffering it (Bulk Data files). Other responses are read
// like Do's. timeout bounds the whole transfer.
func (c *Client) Stream(ctx context.Context, req Request, consume func(io.Reader) error) *Exchange {
	var body []byte
	ex := c.do(ctx, req, func(r io.Reader) error {
		return consume(r)
	}, withErrorBody(func(r io.Reader) error {
		var err error
		body, err = readLimited(r, c.cfg.MaxBody)
		return err
	}))
	if body != nil {
		c.describeBody(ex, body, nil)
	}
	return ex
}

type doOption func(*doOpts)

type doOpts struct{ errorBody func(io.Reader) error }

func withErrorBody(f func(io.Reader) error) doOption {
	return func(o *doOpts) { o.errorBody = f }
}

func (c *Client) do(ctx context.Context, req Request, read func(io.Reader) error, opts ...doOption) *Exchange {
	var o doOpts
	for _, f := range opts {
		f(&o)
	}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	ex := &Exchange{Interaction: req.Interaction, Label: req.Label, Method: req.Method}
	c.mu.Lock()
	c.seq++
	ex.Seq = c.seq
	over := c.sent >= c.cfg.MaxRequests
	if !over {
		c.sent++
	}
	c.mu.Unlock()

	u, err := c.ResolveURL(req)
	if err != nil {
		ex.URL = secret.RedactURL(req.URL)
		return c.fail(ex, ErrRequest, err)
	}
	ex.URL = secret.Redact(u)
	if over {
		return c.fail(ex, ErrBudget, fmt.Errorf("request budget of %d exhausted; not sent", c.cfg.MaxRequests))
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return c.fail(ex, ErrCancelled, fmt.Errorf("waiting for the rate limit: %w", err))
		}
	}
	timeout := c.cfg.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Credentials and the plan's headers go only to the server under test:
	// a next link, status or file URL on another origin never receives them.
	sameOrigin := c.sameOrigin(u)
	if req.RefusePrivate {
		rctx = refusePrivate(rctx)
	}
	authorized := c.cfg.Auth != nil && !req.NoAuth && sameOrigin
	build := func() (*http.Request, error) {
		var bodyReader io.Reader
		if req.Body != nil {
			bodyReader = bytes.NewReader(req.Body)
		}
		hreq, err := http.NewRequestWithContext(rctx, req.Method, u.String(), bodyReader)
		if err != nil {
			return nil, err
		}
		if sameOrigin {
			for k, v := range c.cfg.Headers {
				hreq.Header.Set(k, v)
			}
		}
		hreq.Header.Set("Accept", "application/fhir+json")
		if req.Body != nil {
			hreq.Header.Set("Content-Type", "application/fhir+json")
		}
		for k, vs := range req.Header {
			hreq.Header[http.CanonicalHeaderKey(k)] = vs
		}
		if authorized {
			if err := c.cfg.Auth.Authorize(rctx, c.http, hreq); err != nil {
				return nil, &authError{err}
			}
		}
		return hreq, nil
	}
	hreq, err := build()
	if err != nil {
		return c.failBuild(ex, err)
	}
	ex.Accept = hreq.Header.Get("Accept")
	// The transport sends an idempotent request again, silently, when a
	// reused connection breaks before any answer; the trace sees it.
	attempts := &attemptTrace{}
	hreq = hreq.WithContext(httptrace.WithClientTrace(hreq.Context(), attempts.trace()))
	start := time.Now()
	resp, err := c.http.Do(hreq)
	// A token the server no longer accepts (revoked, or expired before its
	// stated lifetime) is fetched anew once: a 401 means the request was not
	// processed, so sending it again is safe whatever its method.
	if renewer, ok := c.cfg.Auth.(Renewer); err == nil && authorized && ok && resp.StatusCode == http.StatusUnauthorized {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		renewer.Renew(strings.TrimPrefix(hreq.Header.Get("Authorization"), "Bearer "))
		if hreq, err = build(); err != nil {
			return c.failBuild(ex, err)
		}
		ex.Renewed = true
		hreq = hreq.WithContext(httptrace.WithClientTrace(hreq.Context(), attempts.trace()))
		resp, err = c.http.Do(hreq)
	}
	ex.Retried = attempts.retries()
	if err != nil {
		ex.Latency = time.Since(start)
		return c.settle(ex, classify(err, rctx, ctx), unwrapURLError(err))
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.Headers = keptHeaders(resp.Header)
	ex.location = map[string]string{"location": resp.Header.Get("Location"), "content-location": resp.Header.Get("Content-Location")}
	if resp.Request != nil && resp.Request.URL.String() != u.String() {
		ex.Headers["x-final-url"] = secret.Redact(resp.Request.URL)
	}
	counter := &countingReader{r: resp.Body}
	reader := read
	if resp.StatusCode != http.StatusOK && o.errorBody != nil {
		reader = o.errorBody
	}
	err = reader(counter)
	ex.Latency = time.Since(start)
	ex.BodyBytes = counter.n
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return c.settle(ex, ErrTooLarge, fmt.Errorf("response body larger than %d bytes; stopped reading", c.cfg.MaxBody))
		}
		return c.settle(ex, classify(err, rctx, ctx), fmt.Errorf("reading the response body: %w", unwrapURLError(err)))
	}
	return c.settle(ex, "", nil)
}

// settle records how a sent request ended and what it says of the server's
// queue: a timeout while an earlier request is still unanswered is marked as
// possibly queued behind it, and any answer clears the mark.
func (c *Client) settle(ex *Exchange, code string, err error) *Exchange {
	c.mu.Lock()
	switch code {
	case ErrTimeout:
		ex.AfterAbandoned = c.abandoned
		c.abandoned = ex.Label
	case "", ErrTooLarge:
		c.abandoned = ""
	}
	c.mu.Unlock()
	if code == "" {
		return ex
	}
	return c.fail(ex, code, err)
}

// attemptTrace counts the times the transport sent a request again after a
// connection broke before the first byte of an answer. A redirect is a new
// request that follows an answer, so it is not counted.
type attemptTrace struct {
	mu      sync.Mutex
	waiting bool
	resent  int
}

func (a *attemptTrace) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.waiting {
				a.resent++
			}
			a.waiting = true
		},
		GotFirstResponseByte: func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.waiting = false
		},
	}
}

func (a *attemptTrace) retries() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.resent
}

// authError marks a failure to obtain credentials while building a request.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }

// failBuild records a request that could not be built or authorised.
func (c *Client) failBuild(ex *Exchange, err error) *Exchange {
	var ae *authError
	if errors.As(err, &ae) {
		return c.fail(ex, ErrAuth, fmt.Errorf("authentication: %w", ae.err))
	}
	return c.fail(ex, ErrRequest, err)
}

// fail records why an exchange got no usable response.
func (c *Client) fail(ex *Exchange, code string, err error) *Exchange {
	ex.ErrCode = code
	ex.Err = c.scrub(err.Error())
	return ex
}

// Secrets are the credentials the client has sent or may send: tokens
// (every one issued so far), the plan's header values and the base URL's
// password. The runner scrubs them from everything it writes.
func (c *Client) Secrets() []string {
	var secrets []string
	if c.cfg.Auth != nil {
		secrets = c.cfg.Auth.Secrets()
	}
	for _, v := range c.cfg.Headers {
		secrets = append(secrets, v)
	}
	if c.base.User != nil {
		if p, ok := c.base.User.Password(); ok {
			secrets = append(secrets, p, c.base.User.Username()+":"+p)
		}
	}
	return secrets
}

// Credential returns the Authorization header auth would send, fetching a
// token through this client's connection when it needs one: for requests
// made on purpose with other credentials than the client's own.
func (c *Client) Credential(ctx context.Context, auth Auth) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String(), nil)
	if err != nil {
		return "", err
	}
	if err := auth.Authorize(ctx, c.http, req); err != nil {
		return "", err
	}
	return req.Header.Get("Authorization"), nil
}

// scrub removes every secret the client knows from s.
func (c *Client) scrub(s string) string {
	var set secret.Set
	set.Add(c.Secrets()...)
	return set.Scrub(s)
}

var errBodyTooLarge = errors.New("body too large")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > limit {
		return data[:limit], errBodyTooLarge
	}
	return data, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// describeBody fills the excerpt and, for a JSON object, the decoded
// resource. The body is parsed once, by the same reader files go through, and
// its records (the resource, or a Bundle and its entries, located by line in
// the body) go to emit when the caller wants them.
func (c *Client) describeBody(ex *Exchange, body []byte, emit func(*model.Record)) {
	// Scrub before cutting: a token across the cut would keep its start.
	head := body
	if limit := 2*excerptBytes + 8<<10; len(head) > limit {
		head = head[:limit]
	}
	ex.Excerpt = excerpt([]byte(c.scrub(string(head))))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	if trimmed[0] != '{' {
		if ex.IsJSON() {
			ex.BodyProblem = "declares JSON but the body is not a JSON object"
		}
		return
	}
	if ex.ErrCode == ErrTooLarge {
		ex.BodyProblem = "body cut at the size limit; not decoded"
		return
	}
	first := true
	fhir.ReadStream(ex.URL, bytes.NewReader(trimmed), func(r *model.Record) error {
		r.Load()
		if r.Problem != nil {
			if first {
				ex.BodyProblem = "body is not valid JSON: " + r.Problem.Message
			}
			first = false
			return nil
		}
		if first {
			ex.Resource = r.Resource()
			first = false
		}
		if emit != nil {
			emit(r)
		}
		return nil
	})
}

// excerpt returns the start of a body as one line of valid UTF-8.
func excerpt(body []byte) string {
	b := bytes.TrimSpace(body)
	cut := len(b) > excerptBytes
	if cut {
		b = b[:excerptBytes]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if cut {
		s += " …"
	}
	return s
}

var keepHeaders = []string{"Content-Type", "Location", "Content-Location", "Etag", "Last-Modified", "Retry-After", "X-Progress", "Expires"}

func keptHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range keepHeaders {
		if v := h.Get(k); v != "" {
			if k == "Location" || k == "Content-Location" {
				v = secret.RedactURL(v)
			}
			out[strings.ToLower(k)] = v
		}
	}
	return out
}

// classify names the kind of transport failure.
func classify(err error, rctx, ctx context.Context) string {
	var tooMany errTooManyRedirects
	var tlsErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case ctx.Err() != nil:
		return ErrCancelled
	case errors.As(err, &tooMany):
		return ErrRedirects
	case errors.Is(err, context.DeadlineExceeded), rctx.Err() != nil, isTimeout(err):
		return ErrTimeout
	case errors.As(err, &tlsErr), errors.As(err, &recordErr):
		return ErrTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	}
	return ErrConnection
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unwrapURLError drops the "Get \"URL\": " prefix net/http adds, since the URL
// may carry secrets and the exchange already records it redacted.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		if errors.Is(inner, io.EOF) || errors.Is(inner, io.ErrUnexpectedEOF) {
			return errors.New("the server closed the connection without a complete response")
		}
		if errors.Is(inner, context.DeadlineExceeded) {
			return errors.New("no response within the time limit")
		}
		return inner
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no complete response within the time limit")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the server closed the connection in the middle of the body")
	}
	return err
}
