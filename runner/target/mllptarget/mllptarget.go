// Package mllptarget is the mllp target family: HL7 v2 over MLLP (package
// mllp), either way round. An mllp target sends the messages of a feed to a
// vendor's endpoint and records each acknowledgement (a record of kind
// exchange); an mllp-listen target receives a vendor's feed for a time or a
// message count and acknowledges each message as its Judge decides.
package mllptarget

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
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

// mllpOptions are the plan options of an mllp target.
type mllpOptions struct {
	Feed           string             `param:"feed" doc:"the HL7 v2 file or folder whose messages are sent (required here or as --feed)"`
	Timeout        time.Duration      `param:"timeout" doc:"time to wait for each acknowledgement"`
	ConnectTimeout time.Duration      `param:"connect-timeout" doc:"time to wait for the connection"`
	MaxMessages    int                `param:"max-messages" doc:"messages sent at most: a certification run is bounded"`
	Rate           float64            `param:"rate" doc:"messages sent per second"`
	MaxFrame       int                `param:"max-frame" doc:"largest acknowledgement read, in bytes (0: the client's limit)"`
	Latency        *latencyThresholds `param:"latency" doc:"response-time thresholds the hl7v2-ack-latency check grades against instead of its suite's"`
	TLS            *clientTLSOptions  `param:"tls" doc:"MLLP over TLS: true (the system's certificate authorities) or its settings; an mllps:// URL means true"`
}

var mllpDefaults = mllpOptions{Timeout: 10 * time.Second, ConnectTimeout: 5 * time.Second, MaxMessages: 10000, Rate: 50}

// latencyThresholds are an mllp target's acknowledgement-time thresholds;
// a percentile left out is the suite's.
type latencyThresholds struct {
	P50 *time.Duration `param:"p50" doc:"median"`
	P90 *time.Duration `param:"p90" doc:"90th percentile"`
	P95 *time.Duration `param:"p95" doc:"95th percentile"`
	P99 *time.Duration `param:"p99" doc:"99th percentile"`
	Max *time.Duration `param:"max" doc:"slowest acknowledgement"`
}

// byName lists the thresholds given, by the names the check grades.
func (l *latencyThresholds) byName() map[string]time.Duration {
	if l == nil {
		return nil
	}
	out := map[string]time.Duration{}
	for name, d := range map[string]*time.Duration{"p50": l.P50, "p90": l.P90, "p95": l.P95, "p99": l.P99, "max": l.Max} {
		if d != nil {
			out[name] = *d
		}
	}
	return out
}

// clientTLSOptions are an mllp target's TLS settings; "tls: true" is the
// system's certificate authorities, "tls: false" plain TCP.
type clientTLSOptions struct {
	tlsfiles.Verify
	CertFile string `param:"cert_file" doc:"PEM client certificate, for a server that asks for one"`
	KeyFile  string `param:"key_file" doc:"PEM private key of cert_file"`
	// off is "tls: false".
	off bool
}

func (c *clientTLSOptions) DecodeShorthand(v any) error {
	b, ok := v.(bool)
	if !ok {
		return fmt.Errorf("want true, false or a mapping of ca_file, cert_file, key_file, server_name, insecure_skip_verify, got %T", v)
	}
	c.off = !b
	return nil
}

func (c *clientTLSOptions) ShorthandType() string { return "true/false" }

// Open opens an mllp://host:port target (mllps:// is MLLP over TLS),
// which sends the messages of its feed. TLS files are read and checked
// here: a problem with them is a *ConfigError.
var Open = target.Typed(mllpDefaults, openMLLP)

func openMLLP(spec target.Spec, o mllpOptions) (target.Target, error) {
	addr, secure, err := mllpAddr(spec.URL + spec.Path)
	if err != nil {
		return nil, err
	}
	t := &mllpClient{addr: addr, timeout: o.Timeout, dial: o.ConnectTimeout, maxMessages: o.MaxMessages, rate: o.Rate,
		maxFrame: o.MaxFrame, thresholds: o.Latency.byName()}
	if t.tls, err = clientTLS(o.TLS, secure, spec); err != nil {
		return nil, spec.OptionMistake(err)
	}
	if o.Feed == "" {
		return nil, errors.New("an mllp target needs a feed: the HL7 v2 messages to send (plan option feed, or --feed)")
	}
	feed := spec.Resolve(o.Feed)
	if _, err := hl7v2files.List(feed); err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	t.feed = feed
	switch {
	case t.maxMessages < 1:
		return nil, spec.ErrorAt("max-messages", "must be positive, got %d", t.maxMessages)
	case t.rate <= 0:
		return nil, spec.ErrorAt("rate", "must be positive, got %g", t.rate)
	case t.timeout <= 0:
		return nil, spec.ErrorAt("timeout", "must be positive, got %s", t.timeout)
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
// is mllps://), true (the system's CAs), or settings.
func clientTLS(o *clientTLSOptions, secure bool, spec target.Spec) (*mllp.ClientTLS, error) {
	if o == nil {
		o = &clientTLSOptions{off: !secure}
	}
	if o.off {
		if secure {
			return nil, tlsfiles.Mistake("tls", "tls: false contradicts the mllps:// URL")
		}
		return nil, nil
	}
	c := &mllp.ClientTLS{ServerName: o.ServerName, InsecureSkipVerify: o.InsecureSkipVerify,
		CA:   tlsfiles.File{Option: "tls.ca_file", Path: spec.Resolve(o.CAFile)},
		Cert: tlsfiles.File{Option: "tls.cert_file", Path: spec.Resolve(o.CertFile)},
		Key:  tlsfiles.File{Option: "tls.key_file", Path: spec.Resolve(o.KeyFile)}}
	if err := c.Load(); err != nil {
		return nil, err
	}
	return c, nil
}

// serverTLSOptions are an mllp-listen target's TLS settings.
type serverTLSOptions struct {
	CertFile     string `param:"cert_file" doc:"PEM certificate the listener presents"`
	KeyFile      string `param:"key_file" doc:"PEM private key of cert_file"`
	ClientCAFile string `param:"client_ca_file" doc:"PEM certificate authorities a client's certificate must be signed by (then one is required)"`
}

// serverTLS reads an mllp-listen target's tls option; nil when absent.
func serverTLS(o *serverTLSOptions, secure bool, spec target.Spec) (*tls.Config, error) {
	if o == nil {
		if secure {
			return nil, tlsfiles.Mistake("tls", "an mllps:// listener needs tls: {cert_file, key_file}")
		}
		return nil, nil
	}
	s := mllp.ServerTLS{
		Cert:     tlsfiles.File{Option: "tls.cert_file", Path: spec.Resolve(o.CertFile)},
		Key:      tlsfiles.File{Option: "tls.key_file", Path: spec.Resolve(o.KeyFile)},
		ClientCA: tlsfiles.File{Option: "tls.client_ca_file", Path: spec.Resolve(o.ClientCAFile)}}
	return s.Config()
}

func (t *mllpClient) Kinds() []model.Kind { return []model.Kind{model.KindExchange} }

func (t *mllpClient) Records(ctx context.Context, emit target.Emit) error {
	files, err := hl7v2files.List(t.feed)
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
		err := hl7v2files.ReadFile(ctx, f, func(rec *model.Record) error {
			m, ok := rec.Value.(*hl7v2.Message)
			if !ok || m.Envelope || sent >= t.maxMessages {
				return nil
			}
			content := Encode(m)
			if i := blockByte(content); i >= 0 {
				return emit(unframable(rec, m, content[i], i))
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
			ex := c.Send(ctx, m, content)
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

// blockByte is the offset of the first of MLLP's block characters (0x0B
// starts a frame, 0x1C ends it) in a message's bytes, -1 when none: MLLP
// carries no message that holds one, since a receiver takes it for framing.
func blockByte(content []byte) int {
	i := bytes.IndexByte(content, mllp.EndBlock)
	if j := bytes.IndexByte(content, mllp.StartBlock); j >= 0 && (i < 0 || j < i) {
		return j
	}
	return i
}

// unframable is the record of a feed message that is not sent because
// MLLP cannot carry it: in its encoding it holds c, a block character (0x0B
// or 0x1C), at byte i, which a receiver takes for the start or end of a
// frame. In UTF-16 and UTF-32 the byte is inside ordinary characters (Ĝ, М,
// “, 东 hold 0x1C; ċ and U+200B 0x0B); in single bytes and UTF-8 it is the
// control character the sender wrote. What a receiver answers a broken
// frame says nothing of the endpoint, so the exchange is not judged: it is
// a warning on the feed, "not checked".
func unframable(rec *model.Record, m *hl7v2.Message, c byte, i int) *model.Record {
	out := &model.Record{Kind: model.KindExchange, Source: rec.Source, Line: rec.Line, Index: rec.Index, Type: rec.Type, ID: rec.ID}
	role := "end block, which would end its frame"
	if c == mllp.StartBlock {
		role = "start block, which would break its frame"
	}
	where := "inside a character"
	if !m.Encoding.Decoded() {
		where = fmt.Sprintf("as the control character U+%04X", c)
	}
	f := out.Finding(model.Warning, "mllp.unframable", "", fmt.Sprintf("not sent, so its acknowledgement is not checked: in %s the message holds byte 0x%02X "+
		"(at byte %d) %s, MLLP's %s there", m.Encoding, c, i, where, role))
	out.Problem = &f
	return out
}

// Encode writes a message back in ER7 with CR segment ends, as MLLP wants it
// whatever the feed file used, in the encoding the feed holds it in: a
// UTF-16 feed is sent in UTF-16 (with its byte-order mark, when the file has
// one), since certifying an endpoint on what the feed holds means sending
// that, not carecert's UTF-8 reading of it.
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
	return m.Encoding.Encode([]byte(b.String()))
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

// listenOptions are the plan options of an mllp-listen target.
type listenOptions struct {
	Addr           string            `param:"addr" doc:"host:port to listen on (default: the url's)"`
	Duration       time.Duration     `param:"duration" doc:"how long to listen"`
	Count          int               `param:"count" doc:"stop after this many messages (0: only the duration bounds it)"`
	Ack            string            `param:"ack" doc:"validate (AE for a message with error findings) or aa (acknowledge every message with AA)"`
	MaxFrame       int               `param:"max-frame" doc:"largest message read, in bytes (0: the listener's limit)"`
	MaxConnections int               `param:"max-connections" doc:"connections served at once"`
	ReadTimeout    time.Duration     `param:"read-timeout" doc:"time for each frame to arrive"`
	TLS            *serverTLSOptions `param:"tls" doc:"MLLP over TLS (an mllps:// URL needs it)"`
}

var listenDefaults = listenOptions{Duration: time.Minute, Ack: "validate", MaxConnections: mllp.DefaultMaxConns, ReadTimeout: mllp.DefaultReadTimeout}

// OpenListen returns an opener for mllp-listen targets, which receive a
// vendor's feed for a time or a number of messages.
func OpenListen(lo ListenOptions) target.Opener {
	return target.Typed(listenDefaults, listenOpener(lo))
}

func listenOpener(lo ListenOptions) func(target.Spec, listenOptions) (target.Target, error) {
	return func(spec target.Spec, o listenOptions) (target.Target, error) { return openMLLPListen(spec, o, lo) }
}

// RegisterListen registers the mllp-listen target type alone, judging with
// lo.Judge (carecert listen mllp).
func RegisterListen(r *target.Registry, lo ListenOptions) {
	target.Define(r, "mllp-listen", "listen for a vendor's MLLP feed for a time or a message count (carecert listen mllp)", listenDefaults, listenOpener(lo))
}

// Register registers the mllp target type, an endpoint sent a feed, and
// mllp-listen, a listener judging with lo.Judge.
func Register(r *target.Registry, lo ListenOptions) {
	target.Define(r, "mllp", "an MLLP endpoint (mllp://host:port, or mllps:// over TLS) sent the messages of a feed; each acknowledgement is checked", mllpDefaults, openMLLP)
	RegisterListen(r, lo)
}

func openMLLPListen(spec target.Spec, o listenOptions, lo ListenOptions) (target.Target, error) {
	t := &mllpListen{judge: lo.Judge, ready: lo.Ready, addr: o.Addr, duration: o.Duration, count: o.Count, ack: o.Ack,
		maxFrame: o.MaxFrame, maxConns: o.MaxConnections, readTO: o.ReadTimeout}
	loc := spec.URL + spec.Path
	secure := strings.HasPrefix(loc, "mllps://")
	if t.addr == "" {
		t.addr = strings.TrimPrefix(strings.TrimPrefix(loc, "mllp://"), "mllps://")
	}
	var err error
	if t.tls, err = serverTLS(o.TLS, secure, spec); err != nil {
		return nil, spec.OptionMistake(err)
	}
	if _, _, err := net.SplitHostPort(t.addr); err != nil {
		if o.Addr != "" {
			return nil, spec.ErrorAt("addr", "%q: want host:port (%v)", t.addr, err)
		}
		return nil, target.Configf("the url's address %q: want host:port (%v)", t.addr, err)
	}
	if t.ack != "aa" && t.ack != "validate" {
		return nil, spec.ErrorAt("ack", "%q: want aa or validate", t.ack)
	}
	switch {
	case t.duration <= 0:
		return nil, spec.ErrorAt("duration", "must be positive, got %s", t.duration)
	case t.count < 0:
		return nil, spec.ErrorAt("count", "must not be negative, got %d", t.count)
	case t.maxConns <= 0:
		return nil, spec.ErrorAt("max-connections", "must be positive, got %d", t.maxConns)
	case t.readTO <= 0:
		return nil, spec.ErrorAt("read-timeout", "must be positive, got %s", t.readTO)
	}
	return t, nil
}

func (t *mllpListen) Kinds() []model.Kind { return []model.Kind{model.KindHL7v2} }

func (t *mllpListen) Records(ctx context.Context, emit target.Emit) error {
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
				out = inEncoding(ms[0], acks(ms[0], "CR", "AR", text, index))
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
			frameIssues(m, r.Frame)
			if m.Envelope {
				// A batch (FHS/BHS ... BTS/FTS) is one unit of HL7 content:
				// each of its messages is a record, as in a batch file, and
				// the batch is answered with a batch of acknowledgements.
				var batch []*model.Record
				batch, out = t.receiveBatch(ms, source, index)
				index += len(batch)
				recs = append(recs, batch...)
				break
			}
			for _, extra := range ms[1:] {
				m.Issues = append(m.Issues, hl7v2.Issue{Severity: model.Error, Code: "mllp.several-messages", Line: extra.Line,
					Message: "one MLLP frame holds more than one message: only the first is acknowledged"})
				m.Segments = append(m.Segments, extra.Segments...)
			}
			rec := m.Record(source)
			index++
			recs = append(recs, rec)
			code, text := t.verdict(rec)
			if m.Header() != nil {
				out = inEncoding(m, acks(m, "CA", code, text, index))
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

// frameIssues records on a frame's first message what the frame itself did
// wrong.
func frameIssues(m *hl7v2.Message, f mllp.Frame) {
	if m.Encoding.Decoded() {
		// MLLP release 2 frames with single bytes: content in UTF-16 or
		// UTF-32 may hold 0x1C or 0x0B bytes inside a character, which end
		// or break the frame. This one arrived whole and was read.
		m.Issues = append(m.Issues, hl7v2.Issue{Severity: model.Warning, Code: "mllp.encoding", Line: m.Line,
			Message: fmt.Sprintf("the frame holds %s: MLLP carries single-byte encodings and UTF-8 only, since a byte of a UTF-16 or UTF-32 character may be a framing byte", m.Encoding)})
	}
	if f.BadEnd {
		m.Issues = append(m.Issues, hl7v2.Issue{Severity: model.Error, Code: "mllp.frame-end", Line: m.Line,
			Message: "the frame's 0x1C end block is not followed by 0x0D"})
	}
}

// verdict is the application acknowledgement code a received record gets,
// and its text: AE with the first error the judge finds when validating.
func (t *mllpListen) verdict(rec *model.Record) (code, text string) {
	if t.ack == "validate" && t.judge != nil && rec.Problem == nil {
		for _, f := range t.judge(rec) {
			if f.Severity == model.Error {
				return "AE", f.Path + ": " + f.Message
			}
		}
	}
	return "AA", ""
}

// receiveBatch makes a record of each message and envelope segment of a
// batch received in one frame, numbered from index as a batch file's are,
// and the batch of acknowledgements that answers it: each message's, in
// its mode, between a BHS that references the batch and a BTS.
func (t *mllpListen) receiveBatch(ms []*hl7v2.Message, source string, index int) ([]*model.Record, [][]byte) {
	var recs []*model.Record
	var replies [][]byte
	var bhs *hl7v2.Segment
	delims := ms[0].Delims
	for i, m := range ms {
		m.Index = index + i
		rec := m.Record(source)
		recs = append(recs, rec)
		if h := m.Header(); m.Envelope && h != nil && h.Name == "BHS" && bhs == nil {
			bhs, delims = h, m.Delims
		}
		if m.Envelope || m.Header() == nil {
			continue
		}
		code, text := t.verdict(rec)
		replies = append(replies, acks(m, "CA", code, text, index+i+1)...)
	}
	return recs, inEncoding(ms[0], [][]byte{hl7v2.BuildBatchACK(bhs, delims, replies, time.Now())})
}

// inEncoding writes replies to m in the encoding m came in: a sender that
// wrote UTF-16 reads its acknowledgements as UTF-16 (with a byte-order mark
// when it sent one), as it reads its own messages; answered in single bytes,
// it would read every acknowledgement as garbage and send again.
func inEncoding(m *hl7v2.Message, replies [][]byte) [][]byte {
	for i, r := range replies {
		replies[i] = m.Encoding.Encode(r)
	}
	return replies
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
