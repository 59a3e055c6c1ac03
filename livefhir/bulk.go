package livefhir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/internal/secret"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// Bulk is the fhir-bulk target: one Bulk Data $export, from kick-off to the
// download of every output file. The files are streamed line by line into the
// run as FHIR records, so a large export never sits in memory.
//
// It is a target type of its own rather than an option of fhir-server because
// an export is a feed (millions of records, minutes of waiting) while the REST
// probe is a bounded set of calls; a plan that wants both names two targets
// with the same url.
type Bulk struct {
	// client is the last run's, for Secrets.
	client  *fhirclient.Client
	cfg     fhirclient.Config
	latency Latency
	// level is system, patient or group; group names the Group id.
	level, group string
	types        []string
	// since is the _since instant, as the plan wrote it (checked to be one).
	since        string
	pollInterval time.Duration
	maxWait      time.Duration
	download     time.Duration
	// fileHosts are hosts off the kick-off's origin that output files may
	// be fetched from ("*": any host at a public address).
	fileHosts []string
}

// bulkOptions are a fhir-bulk target's plan options.
type bulkOptions struct {
	Connection
	Level           string        `param:"level" doc:"system, patient or group"`
	Group           string        `param:"group" doc:"the Group id, for level group"`
	Types           []string      `param:"types" doc:"resource types exported (_type; default: all)"`
	Since           string        `param:"since" doc:"export only what changed since this instant (_since)"`
	PollInterval    time.Duration `param:"poll_interval" doc:"time between status polls, unless the server says Retry-After"`
	MaxWait         time.Duration `param:"max_wait" doc:"time the export may take"`
	DownloadTimeout time.Duration `param:"download_timeout" doc:"time limit of each output file's download"`
	FileHosts       []string      `param:"file_hosts" doc:"hosts off the kick-off's origin output files may be fetched from (*: any public host)"`
}

var bulkDefaults = bulkOptions{Connection: connectionDefaults, Level: "system", PollInterval: 2 * time.Second, MaxWait: 10 * time.Minute, DownloadTimeout: 30 * time.Minute}

// OpenBulk builds a fhir-bulk target from its spec. It never contacts the
// server; every error is a mistake in the target's description.
var OpenBulk = target.Typed(bulkDefaults, openBulkTarget)

func openBulkTarget(spec target.Spec, o bulkOptions) (target.Target, error) {
	b, err := openBulk(spec, o)
	if err != nil {
		return nil, configError(err)
	}
	return b, nil
}

func openBulk(spec target.Spec, o bulkOptions) (*Bulk, error) {
	cfg, err := connection(spec, o.Connection)
	if err != nil {
		return nil, err
	}
	b := &Bulk{cfg: cfg, latency: o.Latency, level: o.Level, group: o.Group, types: o.Types, fileHosts: o.FileHosts,
		since: o.Since, pollInterval: o.PollInterval, maxWait: o.MaxWait, download: o.DownloadTimeout}
	switch {
	case b.level != "system" && b.level != "patient" && b.level != "group":
		return nil, fmt.Errorf("level %q: want system, patient or group", b.level)
	case b.level == "group" && b.group == "":
		return nil, fmt.Errorf("level group needs group (the Group id)")
	case b.level != "group" && b.group != "":
		return nil, fmt.Errorf("group is only for level: group")
	}
	if b.since != "" {
		if _, err := fhirclient.ParseInstant(b.since); err != nil {
			return nil, spec.ErrorAt("since", "%v", err)
		}
	}
	for _, d := range []struct {
		option string
		value  time.Duration
	}{{"poll_interval", b.pollInterval}, {"max_wait", b.maxWait}, {"download_timeout", b.download}} {
		if d.value <= 0 {
			return nil, spec.ErrorAt(d.option, "must be positive, got %s", d.value)
		}
	}
	return b, nil
}

func (b *Bulk) Kinds() []model.Kind { return []model.Kind{model.KindExchange, model.KindFHIR} }

// Records runs the export and streams its exchanges and resources.
func (b *Bulk) Records(ctx context.Context, emit target.Emit) error {
	c, err := fhirclient.New(b.cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	b.client = c
	if err := warnInsecure(b.cfg, c, emit); err != nil {
		return err
	}
	var index int64
	var emitErr error
	send := func(r *model.Record) {
		if emitErr == nil {
			emitErr = emit(r)
		}
	}
	sendEx := func(ex *fhirclient.Exchange) *model.Record {
		ex.P50Limit, ex.P95Limit = b.latency.P50, b.latency.P95
		rec := exchangeRecord(ex, index)
		send(rec)
		index++
		return rec
	}

	path := "$export"
	switch b.level {
	case "patient":
		path = "Patient/$export"
	case "group":
		path = "Group/" + url.PathEscape(b.group) + "/$export"
	}
	q := url.Values{}
	if len(b.types) > 0 {
		q.Set("_type", strings.Join(b.types, ","))
	}
	if b.since != "" {
		q.Set("_since", b.since)
	}
	var members []string
	if b.level == "group" {
		if members, err = b.groupMembers(ctx, c, sendEx); err != nil {
			return err
		}
	}
	kick := c.Do(ctx, fhirclient.Request{
		Interaction: fhirclient.BulkKickoff, Label: path, Path: path, Query: q,
		Header: http.Header{"Prefer": {"respond-async"}, "Accept": {"application/fhir+json"}},
	})
	if kick.ErrCode == fhirclient.ErrCancelled {
		return ctx.Err()
	}
	kick.Since = b.since
	// Every exported resource has the kick-off as its Container: the export
	// it came from, which checks judge it against (_since). The record is not
	// changed after it is sent, so workers may read it at any time.
	export := sendEx(kick)
	// The exchange shows the status URL redacted; the requests need it whole.
	statusURL := kick.RawHeader("content-location")
	if kick.Status != http.StatusAccepted || statusURL == "" || emitErr != nil {
		// A refused kick-off is judged beside what the statement declares
		// (BULK-12), unless the server could not be reached at all.
		if emitErr == nil && kick.Status != 0 {
			b.declared(ctx, c, sendEx)
		}
		return emitErr
	}
	// Every export carecert starts, it deletes: when done, when it gave up
	// waiting, and when the run was cancelled (then without recording it).
	deleted := false
	defer func() {
		if !deleted {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			c.Do(cctx, fhirclient.Request{Interaction: fhirclient.BulkDelete, Label: "delete the export", Method: http.MethodDelete, URL: statusURL})
		}
	}()
	finish := func() error {
		if emitErr != nil || ctx.Err() != nil {
			return emitErr
		}
		deleted = true
		b.delete(ctx, c, statusURL, sendEx)
		b.outputFormats(ctx, c, path, q, sendEx)
		b.badKickoffs(ctx, c, path, q, sendEx)
		b.withoutToken(ctx, c, path, q, sendEx)
		b.declared(ctx, c, sendEx)
		return emitErr
	}

	deadline := time.Now().Add(b.maxWait)
	var manifest *fhirclient.Exchange
	for polls := 1; ; polls++ {
		ex := c.Do(ctx, fhirclient.Request{Interaction: fhirclient.BulkStatus, Label: fmt.Sprintf("status poll %d", polls), URL: statusURL,
			Header: http.Header{"Accept": {"application/json"}}})
		if ex.ErrCode == fhirclient.ErrCancelled {
			return ctx.Err()
		}
		if ex.Status == http.StatusOK {
			ex.Interaction = fhirclient.BulkManifest
			ex.Label = "manifest"
			ex.Since = b.since
			manifest = ex
			sendEx(ex)
			break
		}
		sendEx(ex)
		// 429 asks a client that polls too often to slow down: wait and poll on.
		if (ex.Status != http.StatusAccepted && ex.Status != http.StatusTooManyRequests) || emitErr != nil {
			return finish()
		}
		wait := retryAfter(ex.Header("retry-after"), b.pollInterval)
		if time.Now().Add(wait).After(deadline) {
			sendEx(&fhirclient.Exchange{
				Interaction: fhirclient.BulkStatus, Label: "waiting for the export", Method: http.MethodGet, URL: ex.URL,
				ErrCode: fhirclient.ErrExportTimeout,
				Err:     fmt.Sprintf("the export had not finished after %s (max_wait)", b.maxWait),
			})
			return finish()
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if emitErr != nil || manifest.Resource == nil {
		return finish()
	}
	requiresToken, _ := manifest.Resource["requiresAccessToken"].(bool)
	var firstFile string
	for _, list := range []string{"output", "error"} {
		files, _ := manifest.Resource[list].([]any)
		for i, f := range files {
			m, _ := f.(map[string]any)
			u, _ := m["url"].(string)
			typ, _ := m["type"].(string)
			if u == "" {
				continue // the manifest check reports it
			}
			declared := int64(-1)
			if n, ok := model.Number(m["count"]); ok {
				declared = int64(n)
			}
			info := &fhirclient.Bulk{FileType: typ, Declared: declared, Error: list == "error", Asked: b.types}
			label := fmt.Sprintf("%s[%d] %s", list, i, typ)
			refusePrivate, why := b.fileHost(u)
			if why != "" {
				sendEx(&fhirclient.Exchange{
					Interaction: fhirclient.BulkDownload, Label: label, Method: http.MethodGet, URL: secret.RedactURL(u),
					ErrCode: fhirclient.ErrNotFetched, Err: why, Bulk: info,
				})
				continue
			}
			if firstFile == "" && list == "output" {
				firstFile = u
			}
			// The file's resources have as Container the export they came
			// from, as the file it is: a copy of the kick-off (its _since)
			// that names the file's type, so that each line can be judged
			// against it by whichever worker parses it.
			fileEx := *kick
			fileEx.Bulk = &fhirclient.Bulk{FileType: typ, Declared: -1, Asked: b.types, Members: members, Since: b.since}
			file := &model.Record{Kind: model.KindExchange, Source: export.Source, Index: export.Index, Type: export.Type, ID: export.ID, Value: &fileEx}
			ex := c.Stream(ctx, fhirclient.Request{
				Interaction: fhirclient.BulkDownload, Label: label, URL: u, NoAuth: !requiresToken, RefusePrivate: refusePrivate,
				Header: http.Header{"Accept": {"application/fhir+ndjson"}}, Timeout: b.download,
			}, func(r io.Reader) error {
				return fhir.ReadStream(secret.RedactURL(u), r, func(rec *model.Record) error {
					if err := ctx.Err(); err != nil {
						return err
					}
					// The reader turns a broken stream into a last record; here
					// it is the download that failed, and BULK-04 says so.
					if rec.Problem != nil && rec.Problem.Code == "input.read" {
						return errors.New(rec.Problem.Message)
					}
					info.Records++
					if list == "output" {
						fromExport(rec, file)
					}
					send(rec)
					return emitErr
				})
			})
			if ex.ErrCode == fhirclient.ErrCancelled {
				return ctx.Err()
			}
			ex.Bulk = info
			sendEx(ex)
			if emitErr != nil {
				return emitErr
			}
		}
	}
	b.fileAuth(ctx, c, requiresToken, firstFile, sendEx)
	return finish()
}

// outputFormatAliases are the _outputFormat values the Bulk Data IG says a
// server SHALL accept for FHIR NDJSON.
var outputFormatAliases = []string{"application/fhir+ndjson", "application/ndjson", "ndjson"}

// outputFormats kicks the export off once more with each _outputFormat alias,
// after the export itself is done so that a server running one export at a
// time is not refused for it. Each kick-off is a BULK-01 kick-off; an
// accepted one is cancelled at once, without recording it (BULK-08 judges
// the delete of the export itself).
func (b *Bulk) outputFormats(ctx context.Context, c *fhirclient.Client, path string, q url.Values, sendEx func(*fhirclient.Exchange) *model.Record) {
	for _, format := range outputFormatAliases {
		fq := url.Values{}
		for k, v := range q {
			fq[k] = v
		}
		fq.Set("_outputFormat", format)
		if !b.kickoffOnce(ctx, c, fhirclient.Request{Interaction: fhirclient.BulkKickoff, Label: path + " with _outputFormat=" + format, Path: path, Query: fq}, sendEx) {
			return
		}
	}
}

// badKickoffs kicks off with parameters the IG does not allow, a _since
// that is no instant and an _outputFormat no server defines: each must be
// refused with 400 and an OperationOutcome (an export started anyway is
// cancelled at once).
func (b *Bulk) badKickoffs(ctx context.Context, c *fhirclient.Client, path string, q url.Values, sendEx func(*fhirclient.Exchange) *model.Record) {
	for _, bad := range [][2]string{{"_since", "not-an-instant"}, {"_outputFormat", "application/x-carecert-unknown"}} {
		bq := url.Values{}
		for k, v := range q {
			bq[k] = v
		}
		bq.Set(bad[0], bad[1])
		if !b.kickoffOnce(ctx, c, fhirclient.Request{Interaction: fhirclient.BulkBadKickoff, Label: path + " with " + bad[0] + "=" + bad[1], Path: path, Query: bq}, sendEx) {
			return
		}
	}
}

// withoutToken kicks the export off again without the access token, where
// the target authenticates: a server that needs a token for its data must
// refuse it (401, or 403) with an OperationOutcome, as it must every other
// request without one. Without auth carecert cannot tell whether the
// server requires it, and says so.
func (b *Bulk) withoutToken(ctx context.Context, c *fhirclient.Client, path string, q url.Values, sendEx func(*fhirclient.Exchange) *model.Record) {
	if b.cfg.Auth == nil {
		sendEx(fhirclient.NotSent(fhirclient.BulkNoToken, path+" without a token", c.Base()+"/"+path,
			"the target gives no auth, so carecert cannot tell whether the server requires a token"))
		return
	}
	b.kickoffOnce(ctx, c, fhirclient.Request{Interaction: fhirclient.BulkNoToken, Label: path + " without a token", Path: path, Query: q, NoAuth: true}, sendEx)
}

// declared reads the CapabilityStatement of a server asked for an
// export: it should declare the export operation the level uses (or
// instantiate the Bulk Data IG's statement), as Inferno's Bulk Data kit
// checks.
func (b *Bulk) declared(ctx context.Context, c *fhirclient.Client, sendEx func(*fhirclient.Exchange) *model.Record) {
	op := map[string]string{"system": "export", "patient": "patient-export", "group": "group-export"}[b.level]
	ex := c.Do(ctx, fhirclient.Request{Interaction: fhirclient.BulkDeclared, Label: "metadata (declares " + op + ")", Path: "metadata"})
	if ex.ErrCode != fhirclient.ErrCancelled {
		ex.Step = op
		sendEx(ex)
	}
}

// groupMembers reads the Group a Group-level export names and returns its
// members' references ("Patient/id"); nil when the read gave no Group, so
// that the exported patients cannot be judged against it.
func (b *Bulk) groupMembers(ctx context.Context, c *fhirclient.Client, sendEx func(*fhirclient.Exchange) *model.Record) ([]string, error) {
	path := "Group/" + url.PathEscape(b.group)
	ex := c.Do(ctx, fhirclient.Request{Interaction: fhirclient.BulkGroup, Label: path, Path: path})
	if ex.ErrCode == fhirclient.ErrCancelled {
		return nil, ctx.Err()
	}
	sendEx(ex)
	if ex.Status != http.StatusOK || ex.ResourceType() != "Group" {
		return nil, nil
	}
	members := []string{}
	list, _ := ex.Resource["member"].([]any)
	for _, m := range list {
		mm, _ := m.(map[string]any)
		entity, _ := mm["entity"].(map[string]any)
		if ref, _ := entity["reference"].(string); ref != "" {
			members = append(members, ref)
		}
	}
	return members, nil
}

// kickoffOnce sends one extra kick-off (req with the kick-off's headers),
// records it and cancels the export it started, without recording the
// cancel (BULK-08 judges the delete of the export itself). It returns false
// when the run was cancelled.
func (b *Bulk) kickoffOnce(ctx context.Context, c *fhirclient.Client, req fhirclient.Request, sendEx func(*fhirclient.Exchange) *model.Record) bool {
	req.Header = http.Header{"Prefer": {"respond-async"}, "Accept": {"application/fhir+json"}}
	ex := c.Do(ctx, req)
	if ex.ErrCode == fhirclient.ErrCancelled {
		return false
	}
	ex.Since = b.since
	statusURL := ex.RawHeader("content-location")
	sendEx(ex)
	if ex.Status == http.StatusAccepted && statusURL != "" {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		c.Do(cctx, fhirclient.Request{Interaction: fhirclient.BulkDelete, Label: "cancel the export", Method: http.MethodDelete, URL: statusURL})
		cancel()
	}
	return true
}

// fileAuth asks for an output file without the access token when the
// manifest says files need one: a server that hands it over anyway does not
// protect what it exported.
func (b *Bulk) fileAuth(ctx context.Context, c *fhirclient.Client, requiresToken bool, file string, sendEx func(*fhirclient.Exchange) *model.Record) {
	switch {
	case file == "":
		return
	case !requiresToken:
		sendEx(fhirclient.NotSent(fhirclient.BulkFileAuth, "output file without a token", secret.RedactURL(file),
			"the manifest says its files need no access token (requiresAccessToken false)"))
		return
	}
	ex := c.Stream(ctx, fhirclient.Request{Interaction: fhirclient.BulkFileAuth, Label: "output file without a token", URL: file, NoAuth: true,
		Header: http.Header{"Accept": {"application/fhir+ndjson"}}}, func(io.Reader) error { return nil })
	if ex.ErrCode != fhirclient.ErrCancelled {
		sendEx(ex)
	}
}

// delete deletes the export (DELETE of its status URL, as the IG's cancel
// request) and polls the status once more, which must now give 404.
func (b *Bulk) delete(ctx context.Context, c *fhirclient.Client, statusURL string, sendEx func(*fhirclient.Exchange) *model.Record) {
	ex := c.Do(ctx, fhirclient.Request{Interaction: fhirclient.BulkDelete, Label: "delete the export", Method: http.MethodDelete, URL: statusURL})
	if ex.ErrCode == fhirclient.ErrCancelled {
		return
	}
	sendEx(ex)
	if ex.Failed() || ex.Status != http.StatusAccepted {
		return
	}
	ex = c.Do(ctx, fhirclient.Request{Interaction: fhirclient.BulkDeleted, Label: "status poll after the delete", URL: statusURL,
		Header: http.Header{"Accept": {"application/json"}}})
	if ex.ErrCode != fhirclient.ErrCancelled {
		sendEx(ex)
	}
}

// fileHost decides whether an output file URL from the manifest may be
// fetched. A manifest is the server's say, and a hostile one could point
// carecert at an internal service or a cloud metadata address, so files on
// the kick-off's origin are fetched; a host listed in file_hosts (the user's
// explicit opt-in) is fetched wherever it resolves; with file_hosts: ["*"]
// any other host is fetched unless it resolves to a private, loopback or
// link-local address, which is checked when connecting. why says why a file
// is not fetched.
func (b *Bulk) fileHost(raw string) (refusePrivate bool, why string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false, "" // the client reports a URL it cannot fetch
	}
	base, err := url.Parse(strings.TrimRight(b.cfg.BaseURL, "/"))
	if err == nil && fhirclient.OriginOf(u) == fhirclient.OriginOf(base) {
		return false, ""
	}
	for _, h := range b.fileHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return false, ""
		}
	}
	if slices.Contains(b.fileHosts, "*") {
		return true, ""
	}
	return false, fmt.Sprintf("it is on %s, not the kick-off's origin; list the host in the target's file_hosts to allow it", fhirclient.OriginOf(u))
}

// fromExport makes the kick-off record the Container of a resource from an
// output file (error files hold OperationOutcomes, not exported data). A
// line is parsed later, by the worker that takes it, and parsing rebuilds
// the record: the Container is set once that is done. A Bundle's entries keep
// their Bundle.
func fromExport(rec, export *model.Record) {
	decode := rec.Decode
	if decode == nil {
		if rec.Container == nil {
			rec.Container = export
		}
		return
	}
	rec.Decode = func(r *model.Record) {
		decode(r)
		if r.Container == nil {
			r.Container = export
		}
	}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), falling
// back to def; it never waits less than a second for a header that asks for
// a wait, nor more than five minutes at once.
func retryAfter(h string, def time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return def
	}
	var d time.Duration
	if n, err := strconv.Atoi(h); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return def
	}
	return min(max(d, 0), 5*time.Minute)
}

// Secrets are the credentials the target's client sent, for the runner's
// scrubber.
func (b *Bulk) Secrets() []string {
	if b.client == nil {
		return nil
	}
	return b.client.Secrets()
}
