// Package remote asks a FHIR terminology server what offline content cannot
// answer: $validate-code, $expand and $translate, with a timeout per request,
// a limit on requests in flight, retries with exponential back-off, an
// in-memory and optional on-disk cache, and a circuit breaker that stops
// asking a server that keeps failing, so that a hanging or broken server
// slows a run by a bounded amount and never stops it.
package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/internal/secret"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// Options configure a Client.
type Options struct {
	// BaseURL is the server's FHIR base ("https://tx.example.org/r4").
	BaseURL string
	// Timeout bounds one request (default 10s).
	Timeout time.Duration
	// Concurrency is how many requests may be in flight (default 4).
	Concurrency int
	// Retries is how many times a failed request is tried again (default 2);
	// only network errors, 429 and 5xx are retried.
	Retries int
	// Backoff is the wait before the first retry, doubled each time (default 200ms).
	Backoff time.Duration
	// MaxFailures is how many requests in a row may fail before the client
	// stops asking for the rest of its life (default 3).
	MaxFailures int
	// CacheDir, when set, keeps answers on disk between runs.
	CacheDir string
	// HTTP is the client to use (default: a new one).
	HTTP *http.Client
}

// ErrOffline is returned once the circuit breaker has opened.
var ErrOffline = errors.New("terminology server disabled for this run after repeated failures")

// Client talks to one terminology server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	// shown is base without its credentials (userinfo, api_key), for
	// messages; secrets scrubs them from errors that quote a request URL.
	shown   string
	secrets secret.Set
	opts    Options
	sem     chan struct{}
	cache   sync.Map // key -> []byte
	// flight makes concurrent askers of one question share one request.
	flight   singleflight.Group
	failures atomic.Int32
	requests atomic.Int64
}

// New checks the options and returns a client.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("terminology server %q: want an http or https base URL", secret.RedactURL(opts.BaseURL))
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	} else if opts.Retries == 0 {
		opts.Retries = 2
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 200 * time.Millisecond
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 3
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{CheckRedirect: fhirclient.RedirectPolicy(u, 5, nil)}
	}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("terminology server cache: %w", err)
		}
	}
	c := &Client{base: u, shown: secret.RedactURL(u.String()), opts: opts, sem: make(chan struct{}, opts.Concurrency)}
	c.secrets.AddURL(u.String())
	return c, nil
}

// Requests is how many HTTP requests the client has sent (retries included).
func (c *Client) Requests() int64 { return c.requests.Load() }

// ValidateCode asks $validate-code; valueSet may be empty to ask the code
// system alone. It implements terminology.Remote.
func (c *Client) ValidateCode(ctx context.Context, system, code, display, valueSet string) (terminology.Result, error) {
	q := url.Values{}
	set(q, "url", valueSet)
	set(q, "system", system)
	set(q, "code", code)
	set(q, "display", display)
	op := "CodeSystem/$validate-code"
	if valueSet != "" {
		op = "ValueSet/$validate-code"
	}
	params, err := c.parameters(ctx, op, q)
	if err != nil {
		return terminology.Result{}, err
	}
	res, ok := params.boolean("result")
	if !ok {
		return terminology.Result{}, fmt.Errorf("terminology server %s: $validate-code answer has no result", c.shown)
	}
	r := terminology.Result{Membership: terminology.NotMember, Display: params.str("display")}
	if res {
		r.Membership = terminology.Member
	}
	if msg := params.str("message"); msg != "" {
		sev := model.Information
		if !res {
			sev = model.Error
		}
		r.Issues = append(r.Issues, terminology.Issue{Severity: sev, Code: "terminology.remote", Message: "terminology server: " + msg})
	}
	return r, nil
}

// Expand asks $expand for a value set's codes.
func (c *Client) Expand(ctx context.Context, valueSet string) ([]terminology.Coding, error) {
	q := url.Values{}
	set(q, "url", valueSet)
	body, err := c.get(ctx, "ValueSet/$expand", q)
	if err != nil {
		return nil, err
	}
	var vs struct {
		ResourceType string `json:"resourceType"`
		Expansion    *struct {
			Contains []terminology.Coding `json:"contains"`
		} `json:"expansion"`
	}
	if err := json.Unmarshal(body, &vs); err != nil || vs.ResourceType != "ValueSet" || vs.Expansion == nil {
		return nil, c.garbage("ValueSet/$expand", q, body, err)
	}
	return vs.Expansion.Contains, nil
}

// Translate asks $translate for the mappings of a code.
func (c *Client) Translate(ctx context.Context, system, code, targetSystem string) ([]terminology.Mapping, error) {
	q := url.Values{}
	set(q, "system", system)
	set(q, "code", code)
	set(q, "targetsystem", targetSystem)
	params, err := c.parameters(ctx, "ConceptMap/$translate", q)
	if err != nil {
		return nil, err
	}
	var out []terminology.Mapping
	for _, p := range params.Parameter {
		if p.Name != "match" {
			continue
		}
		m := terminology.Mapping{SourceSystem: system, SourceCode: code, Source: c.shown}
		for _, part := range p.Part {
			switch part.Name {
			case "concept":
				if part.ValueCoding != nil {
					m.TargetSystem, m.TargetCode = part.ValueCoding.System, part.ValueCoding.Code
				}
			case "equivalence":
				m.Equivalence = part.ValueCode
			}
		}
		if m.TargetCode != "" {
			out = append(out, m)
		}
	}
	return out, nil
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// parameters is a FHIR Parameters resource, as far as these operations use it.
type parameters struct {
	ResourceType string      `json:"resourceType"`
	Parameter    []parameter `json:"parameter"`
}

type parameter struct {
	Name         string              `json:"name"`
	ValueBoolean *bool               `json:"valueBoolean"`
	ValueString  string              `json:"valueString"`
	ValueCode    string              `json:"valueCode"`
	ValueCoding  *terminology.Coding `json:"valueCoding"`
	Part         []parameter         `json:"part"`
}

func (p *parameters) boolean(name string) (bool, bool) {
	for _, x := range p.Parameter {
		if x.Name == name && x.ValueBoolean != nil {
			return *x.ValueBoolean, true
		}
	}
	return false, false
}

func (p *parameters) str(name string) string {
	for _, x := range p.Parameter {
		if x.Name == name {
			return x.ValueString
		}
	}
	return ""
}

func (c *Client) parameters(ctx context.Context, op string, q url.Values) (*parameters, error) {
	body, err := c.get(ctx, op, q)
	if err != nil {
		return nil, err
	}
	var p parameters
	if err := json.Unmarshal(body, &p); err != nil || p.ResourceType != "Parameters" {
		return nil, c.garbage(op, q, body, err)
	}
	return &p, nil
}

// garbage forgets a cached answer that is not what was asked for, counts it
// as a failure and describes it.
func (c *Client) garbage(op string, q url.Values, body []byte, err error) error {
	c.forget(op, q)
	c.failures.Add(1)
	excerpt := string(body)
	if len(excerpt) > 80 {
		excerpt = excerpt[:80] + "..."
	}
	if err != nil {
		return fmt.Errorf("terminology server %s: %s: the answer is not FHIR JSON (%v): %q", c.shown, op, err, excerpt)
	}
	return fmt.Errorf("terminology server %s: %s: the answer is not the expected FHIR resource: %q", c.shown, op, excerpt)
}

func cacheKey(op string, q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(op)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + q.Get(k))
	}
	return b.String()
}

func (c *Client) diskPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.opts.CacheDir, hex.EncodeToString(sum[:])+".json")
}

func (c *Client) forget(op string, q url.Values) {
	key := cacheKey(op, q)
	c.cache.Delete(key)
	if c.opts.CacheDir != "" {
		os.Remove(c.diskPath(key))
	}
}

// get returns the body of a successful GET, from the cache when it can.
func (c *Client) get(ctx context.Context, op string, q url.Values) ([]byte, error) {
	key := cacheKey(op, q)
	if v, ok := c.cache.Load(key); ok {
		return v.([]byte), nil
	}
	if c.opts.CacheDir != "" {
		if b, err := os.ReadFile(c.diskPath(key)); err == nil {
			c.cache.Store(key, b)
			return b, nil
		}
	}
	v, err, _ := c.flight.Do(key, func() (any, error) { return c.ask(ctx, key, op, q) })
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// ask sends one question to the server and caches a successful answer.
func (c *Client) ask(ctx context.Context, key, op string, q url.Values) ([]byte, error) {
	if v, ok := c.cache.Load(key); ok {
		return v.([]byte), nil
	}
	if int(c.failures.Load()) >= c.opts.MaxFailures {
		return nil, fmt.Errorf("%s: %w", c.shown, ErrOffline)
	}
	u := *c.base
	u.Path += "/" + op
	u.RawQuery = q.Encode()
	body, err := c.fetch(ctx, u.String())
	if err != nil {
		if ctx.Err() == nil {
			c.failures.Add(1)
		}
		return nil, err
	}
	c.failures.Store(0)
	c.cache.Store(key, body)
	if c.opts.CacheDir != "" {
		tmp := c.diskPath(key) + ".tmp"
		if os.WriteFile(tmp, body, 0o644) == nil {
			os.Rename(tmp, c.diskPath(key))
		}
	}
	return body, nil
}

// fetch GETs a URL with retries and back-off.
func (c *Client) fetch(ctx context.Context, u string) ([]byte, error) {
	wait := c.opts.Backoff
	var last error
	for attempt := 0; attempt <= c.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		body, retry, err := c.once(ctx, u)
		if err == nil {
			return body, nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

func (c *Client) once(ctx context.Context, u string) (body []byte, retry bool, err error) {
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, fmt.Errorf("terminology server: %s", c.secrets.Scrub(err.Error()))
	}
	req.Header.Set("Accept", "application/fhir+json")
	c.requests.Add(1)
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, true, fmt.Errorf("terminology server %s: no answer within %s", c.shown, c.opts.Timeout)
		}
		// The error quotes the request URL, credentials and all.
		return nil, true, fmt.Errorf("terminology server %s: %s", c.shown, c.secrets.Scrub(unwrapURL(err).Error()))
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, true, fmt.Errorf("terminology server %s: reading the answer: %w", c.shown, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, true, fmt.Errorf("terminology server %s: HTTP %d", c.shown, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("terminology server %s: HTTP %d: %s", c.shown, resp.StatusCode, outcomeText(body))
	}
	return body, false, nil
}

// outcomeText summarises an OperationOutcome answer.
func outcomeText(body []byte) string {
	var oo struct {
		Issue []struct {
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) == nil && len(oo.Issue) > 0 {
		if oo.Issue[0].Diagnostics != "" {
			return oo.Issue[0].Diagnostics
		}
		return oo.Issue[0].Details.Text
	}
	if len(body) > 80 {
		body = body[:80]
	}
	return string(body)
}

// unwrapURL drops the *url.Error wrapper, which quotes the whole request URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
