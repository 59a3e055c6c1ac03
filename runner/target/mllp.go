package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
)

// mllpClient sends a feed's messages to an MLLP endpoint; each message and
// what came back is a record of kind exchange (Value *hl7v2.Exchange).
type mllpClient struct {
	addr, feed    string
	timeout, dial time.Duration
	maxMessages   int
	rate          float64
	maxFrame      int
	thresholds    map[string]time.Duration
	tls           *mllp.ClientTLS
}

// MLLPOptions are the plan options of an mllp target.
var mllpOptions = []string{"name", "type", "feed", "timeout", "connect-timeout", "max-messages", "rate", "max-frame", "latency", "tls"}

// OpenMLLP opens an mllp://host:port target. Options: feed (the HL7 v2 file
// or folder whose messages are sent; required), timeout per acknowledgement
// (default 10s), connect-timeout (5s), max-messages (default 10000: a
// certification run is bounded), rate (messages per second, default 50),
// max-frame (bytes), latency (thresholds such as {p95: 500ms, max: 2s} that
// the hl7v2-ack-latency check grades against instead of its suite's), tls
// (true, or {ca_file, cert_file, key_file, server_name,
// insecure_skip_verify}; an mllps:// URL means tls: true). TLS files are
// read and checked here: a problem with them is a *ConfigError.
func OpenMLLP(spec Spec) (Target, error) {
	o := spec.Options
	if err := o.Reject(mllpOptions...); err != nil {
		return nil, err
	}
	addr, secure, err := mllpAddr(spec.URL + spec.Path)
	if err != nil {
		return nil, err
	}
	t := &mllpClient{addr: addr}
	if t.tls, err = clientTLS(o, secure, spec.BaseDir); err != nil {
		return nil, &ConfigError{Err: err}
	}
	feed, err := o.String("feed", "")
	if err != nil {
		return nil, err
	}
	if feed == "" {
		return nil, errors.New("an mllp target needs a feed: the HL7 v2 messages to send (plan option feed, or --feed)")
	}
	if !filepath.IsAbs(feed) && spec.BaseDir != "" {
		feed = filepath.Join(spec.BaseDir, feed)
	}
	if _, err := listFiles(feed, IsHL7v2File); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	t.feed = feed
	if t.timeout, err = o.Duration("timeout", 10*time.Second); err != nil {
		return nil, err
	}
	if t.dial, err = o.Duration("connect-timeout", 5*time.Second); err != nil {
		return nil, err
	}
	if t.maxMessages, err = o.Int("max-messages", 10000); err != nil {
		return nil, err
	}
	if t.rate, err = o.Float("rate", 50); err != nil {
		return nil, err
	}
	if t.maxFrame, err = o.Int("max-frame", 0); err != nil {
		return nil, err
	}
	lat, err := o.Map("latency")
	if err != nil {
		return nil, err
	}
	if lat != nil {
		if err := lat.Reject("p50", "p90", "p95", "p99", "max"); err != nil {
			return nil, fmt.Errorf("latency: %w", err)
		}
		t.thresholds = map[string]time.Duration{}
		for k := range lat {
			d, err := lat.Duration(k, 0)
			if err != nil {
				return nil, fmt.Errorf("latency: %w", err)
			}
			t.thresholds[k] = d
		}
	}
	if t.maxMessages < 1 || t.rate <= 0 || t.timeout <= 0 {
		return nil, errors.New("max-messages, rate and timeout must be positive")
	}
	return t, nil
}

// mllpAddr reads mllp://host:port or mllps://host:port (MLLP over TLS).
func mllpAddr(raw string) (addr string, secure bool, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "mllp" && u.Scheme != "mllps") || u.Host == "" {
		return "", false, fmt.Errorf("%q is not an mllp://host:port (or mllps://) address", raw)
	}
	if u.Port() == "" {
		return "", false, fmt.Errorf("%q: give the port (%s://host:port)", raw, u.Scheme)
	}
	return u.Host, u.Scheme == "mllps", nil
}

// clientTLS reads the tls option: absent or false (plain TCP, unless the URL
// is mllps://), true (the system's CAs), or a map of settings.
func clientTLS(o check.Params, secure bool, dir string) (*mllp.ClientTLS, error) {
	c := &mllp.ClientTLS{}
	switch v := o["tls"].(type) {
	case nil:
	case bool:
		if !v && secure {
			return nil, errors.New("tls: false contradicts the mllps:// URL")
		}
		secure = secure || v
	default:
		m, err := o.Map("tls")
		if err != nil {
			return nil, fmt.Errorf("%w (want true, false or a map of ca_file, cert_file, key_file, server_name, insecure_skip_verify)", err)
		}
		if err := m.Reject("ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		for _, f := range []struct {
			key string
			to  *tlsfiles.File
		}{{"ca_file", &c.CA}, {"cert_file", &c.Cert}, {"key_file", &c.Key}} {
			p, err := m.String(f.key, "")
			if err != nil {
				return nil, fmt.Errorf("tls: %w", err)
			}
			*f.to = tlsfiles.File{Option: "tls." + f.key, Path: resolveIn(dir, p)}
		}
		if c.ServerName, err = m.String("server_name", ""); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		if c.InsecureSkipVerify, err = m.Bool("insecure_skip_verify", false); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		secure = true
	}
	if !secure {
		return nil, nil
	}
	if err := c.Load(); err != nil {
		return nil, err
	}
	return c, nil
}

func resolveIn(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// serverTLS reads an mllp-listen target's tls option: {cert_file, key_file,
// client_ca_file}; nil when absent.
func serverTLS(o check.Params, secure bool, dir string) (*tls.Config, error) {
	m, err := o.Map("tls")
	if err != nil {
		return nil, fmt.Errorf("%w (want a map of cert_file, key_file, client_ca_file)", err)
	}
	if m == nil {
		if secure {
			return nil, errors.New("an mllps:// listener needs tls: {cert_file, key_file}")
		}
		return nil, nil
	}
	if err := m.Reject("cert_file", "key_file", "client_ca_file"); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	var s mllp.ServerTLS
	for _, f := range []struct {
		key string
		to  *tlsfiles.File
	}{{"cert_file", &s.Cert}, {"key_file", &s.Key}, {"client_ca_file", &s.ClientCA}} {
		p, err := m.String(f.key, "")
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		*f.to = tlsfiles.File{Option: "tls." + f.key, Path: resolveIn(dir, p)}
	}
	return s.Config()
}

func (t *mllpClient) Kinds() []model.Kind { return []model.Kind{model.KindExchange} }

func (t *mllpClient) Records(ctx context.Context, emit Emit) error {
	files, err := listFiles(t.feed, IsHL7v2File)
	if err != nil {
		return err
	}
	c := &mllp.Client{Addr: t.addr, Timeout: t.timeout, ConnectTimeout: t.dial, MaxFrame: t.maxFrame, TLS: t.tls}
	defer c.Close()
	if t.tls != nil && t.tls.InsecureSkipVerify {
		rec := &model.Record{Kind: model.KindExchange, Source: "mllps://" + t.addr}
		f := rec.Finding(model.Warning, "mllp.tls-insecure", "", "TLS certificate verification is OFF (tls.insecure_skip_verify): "+
			"the endpoint's certificate and name were not checked, so this run does not show that the endpoint is who it claims to be; "+
			"certify with tls.ca_file instead")
		rec.Problem = &f
		if err := emit(rec); err != nil {
			return err
		}
	}
	interval := time.Duration(float64(time.Second) / t.rate)
	var last time.Time
	sent := 0
	for _, f := range files {
		err := ReadHL7v2File(ctx, f, func(rec *model.Record) error {
			m, ok := rec.Value.(*hl7v2.Message)
			if !ok || m.Envelope || sent >= t.maxMessages {
				return nil
			}
			if wait := time.Until(last.Add(interval)); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			last = time.Now()
			sent++
			ex := c.Send(ctx, m, Encode(m))
			ex.Thresholds = t.thresholds
			return emit(&model.Record{Kind: model.KindExchange, Source: rec.Source, Line: rec.Line, Index: rec.Index,
				Type: rec.Type, ID: rec.ID, Value: ex})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Encode writes a message back in ER7 with CR segment ends, as MLLP wants it
// whatever the feed file used.
func Encode(m *hl7v2.Message) []byte {
	var b strings.Builder
	for _, s := range m.Segments {
		header := s.Name == "MSH" || s.Name == "FHS" || s.Name == "BHS"
		for i, f := range s.Fields {
			// A header's field 1 is the separator itself and field 2 follows it
			// directly; every other field is preceded by the separator.
			if i > 0 && !(header && i <= 2) {
				b.WriteByte(m.Delims.Field)
			}
			b.WriteString(f)
		}
		b.WriteByte('\r')
	}
	return []byte(b.String())
}

// Judge decides how a listener acknowledges a message: nil findings (or none
// of error severity) means AA.
type Judge func(rec *model.Record) []model.Finding

// mllpListen receives a vendor's feed on an address for a time or a number
// of messages; each message received is an hl7v2 record.
type mllpListen struct {
	addr     string
	duration time.Duration
	count    int
	ack      string
	maxFrame int
	maxConns int
	readTO   time.Duration
	tls      *tls.Config
	judge    Judge
	// Ready, when set, is told the address once listening (tests use port 0).
	ready func(addr string)
}

// ListenOptions configure OpenMLLPListen beyond the plan's options.
type ListenOptions struct {
	Judge Judge
	Ready func(addr string)
}

// OpenMLLPListen returns an opener for mllp-listen targets. Options: addr
// (host:port to listen on), duration (default 60s), count (stop after this
// many messages; 0: only the duration bounds it), ack "aa" (acknowledge all
// with AA) or "validate" (default: AE for a message with error findings from
// the judge), max-frame (bytes), max-connections (served at once; default
// mllp.DefaultMaxConns), read-timeout (for each frame to arrive; default
// mllp.DefaultReadTimeout), tls ({cert_file, key_file, client_ca_file}:
// MLLP over TLS, requiring client certificates signed by a CA in
// client_ca_file when given; an mllps:// URL needs it).
func OpenMLLPListen(lo ListenOptions) Opener {
	return func(spec Spec) (Target, error) {
		o := spec.Options
		if err := o.Reject("name", "type", "addr", "duration", "count", "ack", "max-frame", "max-connections", "read-timeout", "tls"); err != nil {
			return nil, err
		}
		t := &mllpListen{judge: lo.Judge, ready: lo.Ready}
		var err error
		if t.addr, err = o.String("addr", ""); err != nil {
			return nil, err
		}
		loc := spec.URL + spec.Path
		secure := strings.HasPrefix(loc, "mllps://")
		if t.addr == "" {
			t.addr = strings.TrimPrefix(strings.TrimPrefix(loc, "mllp://"), "mllps://")
		}
		if t.tls, err = serverTLS(o, secure, spec.BaseDir); err != nil {
			return nil, &ConfigError{Err: err}
		}
		if _, _, err := net.SplitHostPort(t.addr); err != nil {
			return nil, fmt.Errorf("addr %q: want host:port: %w", t.addr, err)
		}
		if t.duration, err = o.Duration("duration", time.Minute); err != nil {
			return nil, err
		}
		if t.count, err = o.Int("count", 0); err != nil {
			return nil, err
		}
		if t.ack, err = o.String("ack", "validate"); err != nil {
			return nil, err
		}
		if t.ack != "aa" && t.ack != "validate" {
			return nil, fmt.Errorf("ack %q: want aa or validate", t.ack)
		}
		if t.maxFrame, err = o.Int("max-frame", 0); err != nil {
			return nil, err
		}
		if t.maxConns, err = o.Int("max-connections", mllp.DefaultMaxConns); err != nil {
			return nil, err
		}
		if t.readTO, err = o.Duration("read-timeout", mllp.DefaultReadTimeout); err != nil {
			return nil, err
		}
		if t.duration <= 0 || t.count < 0 {
			return nil, errors.New("duration must be positive and count not negative")
		}
		if t.maxConns <= 0 || t.readTO <= 0 {
			return nil, errors.New("max-connections and read-timeout must be positive")
		}
		return t, nil
	}
}

func (t *mllpListen) Kinds() []model.Kind { return []model.Kind{model.KindHL7v2} }

func (t *mllpListen) Records(ctx context.Context, emit Emit) error {
	ln, err := net.Listen("tcp", t.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", t.addr, err)
	}
	source := "mllp://" + ln.Addr().String()
	if t.tls != nil {
		source = "mllps://" + ln.Addr().String()
		ln = tls.NewListener(ln, t.tls)
	}
	if t.ready != nil {
		t.ready(ln.Addr().String())
	}
	ctx, cancel := context.WithTimeout(ctx, t.duration)
	defer cancel()
	var mu sync.Mutex
	index := 0
	var emitErr error
	refused := 0
	l := &mllp.Listener{MaxFrame: t.maxFrame, MaxConns: t.maxConns, ReadTimeout: t.readTO, Handle: func(r mllp.Received) ([][]byte, bool) {
		mu.Lock()
		defer mu.Unlock()
		if r.Refused {
			// Counted, and reported once at the end: a flood must not
			// become a flood of records.
			refused++
			return nil, false
		}
		if emitErr != nil || ctx.Err() != nil {
			return nil, true
		}
		var out [][]byte
		var recs []*model.Record
		problem := func(code, msg string) {
			rec := &model.Record{Kind: model.KindHL7v2, Source: source, Index: int64(index)}
			f := rec.Finding(model.Error, code, "", fmt.Sprintf("from %s: %s", r.Remote, msg))
			rec.Problem = &f
			recs = append(recs, rec)
			index++
		}
		if r.Skipped > 0 && !(r.Data == nil && !r.Oversize && !r.Incomplete && allSpace(r.SkippedSample)) {
			problem("mllp.outside-frame", fmt.Sprintf("%d byte(s) outside MLLP frames (%q)", r.Skipped, truncateBytes(r.SkippedSample, 32)))
		}
		switch {
		case r.TLSError != "":
			problem("mllp.tls-handshake", r.TLSError)
		case r.Oversize:
			// Rejected, not dropped: a sender left without an answer waits for
			// its timeout and sends again.
			what := "rejected"
			text := fmt.Sprintf("the frame is %d bytes, over this receiver's limit", r.Size)
			if ms, _ := hl7v2.ParseAll(r.Head); len(ms) > 0 && ms[0].Header() != nil {
				out = acks(ms[0], "CR", "AR", text, index)
			}
			if out == nil {
				what = "dropped (no readable MSH to reject it with)"
			}
			problem("mllp.oversize", fmt.Sprintf("a frame of %d bytes, over the limit: %s", r.Size, what))
		case r.TimedOut && r.Incomplete:
			problem("mllp.read-timeout", fmt.Sprintf("no complete frame within %s: the connection was closed inside a frame", t.readTO))
		case r.Incomplete:
			problem("mllp.incomplete", "the connection ended inside a frame")
		case r.Data != nil:
			ms, _ := hl7v2.ParseAll(r.Data)
			if len(ms) == 0 {
				problem("mllp.empty", "an empty frame")
				break
			}
			m := ms[0]
			m.Index = index
			for _, extra := range ms[1:] {
				m.Issues = append(m.Issues, hl7v2.Issue{Severity: model.Error, Code: "mllp.several-messages", Line: extra.Line,
					Message: "one MLLP frame holds more than one message: only the first is acknowledged"})
				m.Segments = append(m.Segments, extra.Segments...)
			}
			if r.BadEnd {
				m.Issues = append(m.Issues, hl7v2.Issue{Severity: model.Error, Code: "mllp.frame-end", Line: m.Line,
					Message: "the frame's 0x1C end block is not followed by 0x0D"})
			}
			rec := HL7v2Record(source, m)
			rec.Source = source
			index++
			recs = append(recs, rec)
			accept, code, text := "CA", "AA", ""
			if t.ack == "validate" && t.judge != nil && rec.Problem == nil {
				for _, f := range t.judge(rec) {
					if f.Severity == model.Error {
						code, text = "AE", f.Path+": "+f.Message
						break
					}
				}
			}
			if m.Header() != nil {
				out = acks(m, accept, code, text, index)
			}
		}
		if r.PrevBadEnd {
			problem("mllp.frame-end", "a frame's 0x1C end block was not followed by 0x0D (it was acknowledged all the same)")
		}
		for _, rec := range recs {
			if err := emit(rec); err != nil {
				emitErr = err
				return nil, true
			}
		}
		return out, t.count > 0 && index >= t.count
	}}
	err = l.Serve(ctx, ln)
	if refused > 0 && emitErr == nil {
		rec := &model.Record{Kind: model.KindHL7v2, Source: source, Index: int64(index)}
		f := rec.Finding(model.Warning, "mllp.connection-limit", "", fmt.Sprintf("%d connection(s) refused: more than %d were open at once (a sender needs one connection per feed)", refused, t.maxConns))
		rec.Problem = &f
		emitErr = emit(rec)
	}
	if emitErr != nil && !errors.Is(emitErr, context.Canceled) {
		return emitErr
	}
	if err != nil {
		return err
	}
	// Reaching the time or count bound is the normal end, not an interruption.
	return nil
}

// acks builds the acknowledgements a message is owed in its mode (MSH-15 and
// MSH-16): one application acknowledgement in original mode; in enhanced
// mode the accept and application ones its conditions ask for, none for
// NE/NE.
func acks(m *hl7v2.Message, accept, application, text string, index int) [][]byte {
	var out [][]byte
	for i, code := range hl7v2.AckModeOf(m).Replies(accept, application) {
		id := fmt.Sprintf("ACK%d", index)
		if i > 0 {
			id += "-" + strconv.Itoa(i+1)
		}
		out = append(out, hl7v2.BuildACK(m, hl7v2.ACKOptions{Code: code, ControlID: id, Text: text, Time: time.Now()}))
	}
	return out
}

// allSpace: a peer that ends its last frame with CR LF leaves a stray LF;
// whitespace alone after the last frame is not worth a finding.
func allSpace(b []byte) bool {
	for _, c := range b {
		if c != '\n' && c != '\r' && c != ' ' {
			return false
		}
	}
	return true
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
