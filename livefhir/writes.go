package livefhir

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
)

// changing are the interactions that change the server's data: a plan asks
// for them only with allow_writes: true.
var changing = []string{
	fhirclient.Create, fhirclient.Update, fhirclient.Delete, fhirclient.VersionUpdate,
	fhirclient.Conditional, fhirclient.Patch, fhirclient.Transaction, fhirclient.ContentErrors,
	fhirclient.XMLWrite,
}

// optional are the interactions a plan may ask for besides the read-only
// default: the changing ones, and those that only read but are not asked of
// every server (a batch of reads, type history since an instant, SMART).
func optional() []string {
	return append(append([]string{}, changing...), fhirclient.Batch, fhirclient.HistorySince, fhirclient.SMARTConfig, fhirclient.AuthRefused)
}

// known lists every interaction a plan may name.
func known() []string { return append(append([]string{}, readOnly...), optional()...) }

// probeTag marks every resource carecert creates, so that a supplier can
// find one a failed clean-up left behind.
var probeTag = map[string]any{"system": "urn:carecert:probe", "code": "carecert-probe"}

// own is a resource carecert created on the server, to change and delete.
type own struct {
	typ, id, version, lastUpdated string
}

func (o *own) path() string { return o.typ + "/" + o.id }

// writeRun is one pass of the write interactions over one type.
type writeRun struct {
	p    *probe
	caps *capabilities
	typ  string
	// sample is the resource read earlier that carecert copies.
	sample map[string]any
	// made are carecert's own resources still on the server, to delete at
	// the end.
	made []string
}

func (w *writeRun) asked(i string) bool { return w.p.t.interactions[i] }

// copyOf is a new resource of the sample's content, without its id and
// version, tagged as carecert's.
func (w *writeRun) copyOf() map[string]any {
	body := map[string]any{}
	for k, v := range w.sample {
		if k != "id" && k != "meta" {
			body[k] = v
		}
	}
	body["meta"] = map[string]any{"tag": []any{probeTag}}
	return body
}

func marshal(v any) []byte {
	data, _ := json.Marshal(v)
	return data
}

// nonce is a short random suffix for ids and markers carecert chooses.
func nonce() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writes runs the write interactions the plan asks for, Touchstone's basic
// and advanced sequences, on a copy of a resource read earlier: create,
// update, version-aware update, conditional create and update, type history
// since the change, a create and update in FHIR XML (where XML is
// declared), batch and transaction Bundles, refused bodies and delete; then
// it deletes every resource it created. Each is sent only when
// the CapabilityStatement declares it; otherwise its requirement is skipped
// with the reason.
func (p *probe) writes(ctx context.Context, types []string, sample map[string]map[string]any, caps *capabilities) {
	var wanted []string
	for _, i := range optional() {
		if p.t.interactions[i] && i != fhirclient.SMARTConfig && i != fhirclient.AuthRefused {
			wanted = append(wanted, i)
		}
	}
	if len(wanted) == 0 {
		return
	}
	w := &writeRun{p: p, caps: caps}
	for _, t := range types {
		if sample[t] != nil && caps.declares(t, "create") {
			w.typ, w.sample = t, sample[t]
			break
		}
	}
	if w.sample == nil {
		// Nothing to copy: a batch and the history still go on a resource
		// read earlier; every change is skipped.
		for _, t := range types {
			if sample[t] != nil {
				w.typ, w.sample = t, sample[t]
				break
			}
		}
		reason := "the server declares create for none of the types tested, so carecert has no resource of its own to change"
		if w.sample == nil {
			reason = "no resource was found to copy (the searches returned none)"
		}
		for _, i := range wanted {
			switch {
			case w.sample != nil && (i == fhirclient.Batch || i == fhirclient.HistorySince):
			case w.sample != nil && i == fhirclient.Delete && !caps.declares(w.typ, "delete"):
				// cleanUp asks for it, after anything the others made.
			case w.sample != nil && (i == fhirclient.Create || i == fhirclient.Update || i == fhirclient.Patch) && !caps.declares(w.typ, code(i)):
				w.undeclared(ctx, i, nil)
			default:
				p.notSent(i, i, w.typ, reason)
			}
		}
		if w.sample != nil {
			w.reads(ctx, w.sampled())
			w.cleanUp(ctx)
		}
		return
	}
	mine := w.create(ctx)
	if mine == nil {
		for _, i := range wanted {
			switch i {
			case fhirclient.Create, fhirclient.ContentErrors, fhirclient.Transaction, fhirclient.Batch, fhirclient.HistorySince, fhirclient.XMLWrite:
			default:
				p.notSent(i, i, w.typ, "carecert's create of a "+w.typ+" gave no id to go on with")
			}
		}
		w.reads(ctx, w.sampled())
	} else {
		w.update(ctx, mine)
		w.versionUpdate(ctx, mine)
		w.conditional(ctx, mine)
		w.patch(ctx, mine)
		w.reads(ctx, mine)
	}
	w.xmlWrites(ctx)
	w.transaction(ctx)
	w.contentErrors(ctx)
	if mine != nil {
		w.remove(ctx, mine)
	}
	w.cleanUp(ctx)
}

// sampled is the resource read earlier, for the interactions that only read.
func (w *writeRun) sampled() *own {
	return &own{typ: w.typ, id: fhir.ID(w.sample), version: versionID(w.sample), lastUpdated: lastUpdated(w.sample)}
}

// reads runs the interactions that only read: type history since the
// resource's last change, and a batch.
func (w *writeRun) reads(ctx context.Context, o *own) {
	w.historySince(ctx, o)
	w.batch(ctx, o)
}

// send makes a request of the write family, judged as interaction i with
// the given step, on carecert's type.
func (w *writeRun) send(ctx context.Context, i, step string, req fhirclient.Request, describe func(*fhirclient.Exchange)) *fhirclient.Exchange {
	req.Interaction = i
	return w.p.do(ctx, req, func(ex *fhirclient.Exchange) {
		ex.Type, ex.Step, ex.Declared = w.typ, step, w.p.caps != nil
		if describe != nil {
			describe(ex)
		}
	})
}

// create POSTs a copy of the sample; the resource it makes is carecert's
// own, to change and at last delete.
func (w *writeRun) create(ctx context.Context) *own {
	ex := w.send(ctx, fhirclient.Create, "", fhirclient.Request{Label: w.typ, Method: http.MethodPost, Path: w.typ, Body: marshal(w.copyOf())}, nil)
	mine := w.created(ex)
	if mine != nil {
		w.made = append(w.made, mine.path())
	}
	return mine
}

// accepted says whether the server answered ex with a 2xx.
func accepted(ex *fhirclient.Exchange) bool {
	return ex != nil && !ex.Failed() && ex.Status >= 200 && ex.Status <= 299
}

// created reads the resource a create made from its answer: the body, or
// the Location header when the server sent none.
func (w *writeRun) created(ex *fhirclient.Exchange) *own {
	if !accepted(ex) {
		return nil
	}
	o := &own{typ: w.typ}
	if fhir.ResourceType(ex.Resource) == w.typ {
		o.id, o.version, o.lastUpdated = fhir.ID(ex.Resource), versionID(ex.Resource), lastUpdated(ex.Resource)
	}
	if o.id == "" {
		o.id = idFromLocation(ex.RawHeader("location"), w.typ)
	}
	if o.version == "" {
		o.version = fhirclient.ETagVersion(ex.Header("etag"))
	}
	if o.id == "" {
		return nil
	}
	return o
}

// idFromLocation takes the id from a Location ([base]/Type/id/_history/v).
func idFromLocation(loc, typ string) string {
	parts := strings.Split(strings.Trim(loc, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == typ {
			return parts[i+1]
		}
	}
	return ""
}

func lastUpdated(res map[string]any) string {
	meta, _ := res["meta"].(map[string]any)
	s, _ := meta["lastUpdated"].(string)
	return s
}

// advance records the version an update gave carecert's resource.
func (o *own) advance(ex *fhirclient.Exchange) {
	if !accepted(ex) {
		return
	}
	if v := ex.Version(); v != "" {
		o.version = v
	}
	if t := lastUpdated(ex.Resource); t != "" {
		o.lastUpdated = t
	}
}

func (w *writeRun) body(o *own) []byte {
	b := w.copyOf()
	b["id"] = o.id
	return marshal(b)
}

// ready says whether the plan asked for interaction i and the type
// declares it; asked for but not declared, it is sent to carecert's
// resource to see it refused.
func (w *writeRun) ready(ctx context.Context, i string, o *own) bool {
	if !w.asked(i) {
		return false
	}
	if !w.caps.declares(w.typ, code(i)) {
		w.undeclared(ctx, i, o)
		return false
	}
	return true
}

// update PUTs carecert's resource; the version must move on.
func (w *writeRun) update(ctx context.Context, o *own) {
	if !w.ready(ctx, fhirclient.Update, o) {
		return
	}
	prior := o.version
	ex := w.send(ctx, fhirclient.Update, "", fhirclient.Request{Label: o.path(), Method: http.MethodPut, Path: o.path(), Body: w.body(o)},
		func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID = o.id, prior })
	o.advance(ex)
}

// versionUpdate updates with If-Match the current version, which must be
// accepted, then with that same (now stale) version, which must give 412.
func (w *writeRun) versionUpdate(ctx context.Context, o *own) {
	if !w.asked(fhirclient.VersionUpdate) {
		return
	}
	switch {
	case !w.caps.declares(w.typ, "update"):
		w.p.notSent(fhirclient.VersionUpdate, o.path(), w.typ, "the server does not declare update for "+w.typ)
		return
	case !w.caps.versionedUpdate(w.typ):
		w.p.notSent(fhirclient.VersionUpdate, o.path(), w.typ, "the server does not declare versioning versioned-update for "+w.typ+", under which If-Match must be honoured")
		return
	case o.version == "":
		w.p.notSent(fhirclient.VersionUpdate, o.path(), w.typ, "the server gave carecert's "+o.path()+" no version (meta.versionId or ETag) to send in If-Match")
		return
	}
	current := o.version
	ex := w.send(ctx, fhirclient.VersionUpdate, "current", fhirclient.Request{Label: o.path() + " (If-Match: W/\"" + current + "\", the current version)",
		Method: http.MethodPut, Path: o.path(), Body: w.body(o), Header: http.Header{"If-Match": {`W/"` + current + `"`}}},
		func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID = o.id, current })
	o.advance(ex)
	if o.version == current {
		return // the current version was refused: there is no stale one
	}
	ex = w.send(ctx, fhirclient.VersionUpdate, "stale", fhirclient.Request{Label: o.path() + " (If-Match: W/\"" + current + "\", a stale version)",
		Method: http.MethodPut, Path: o.path(), Body: w.body(o), Header: http.Header{"If-Match": {`W/"` + current + `"`}}},
		func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID = o.id, current })
	o.advance(ex)
}

// conditional creates with If-None-Exist matching carecert's resource,
// which must not make another, and updates by a search matching it.
func (w *writeRun) conditional(ctx context.Context, o *own) {
	if !w.asked(fhirclient.Conditional) {
		return
	}
	cond := "_id=" + o.id
	sent := false
	if w.caps.flag(w.typ, "conditionalCreate") {
		sent = true
		ex := w.send(ctx, fhirclient.Conditional, "create-match", fhirclient.Request{Label: w.typ + " (If-None-Exist: " + cond + ")", Method: http.MethodPost, Path: w.typ,
			Body: marshal(w.copyOf()), Header: http.Header{"If-None-Exist": {cond}}}, func(ex *fhirclient.Exchange) { ex.ID = o.id })
		if dup := w.created(ex); dup != nil && dup.id != o.id {
			w.made = append(w.made, dup.path())
		}
	}
	if w.caps.flag(w.typ, "conditionalUpdate") && w.caps.declares(w.typ, "update") {
		sent = true
		ex := w.send(ctx, fhirclient.Conditional, "update-match", fhirclient.Request{Label: w.typ + "?" + cond + " (conditional update)", Method: http.MethodPut, Path: w.typ,
			Query: url.Values{"_id": {o.id}}, Body: w.body(o)}, func(ex *fhirclient.Exchange) { ex.ID = o.id })
		if made := w.created(ex); made != nil && made.id != o.id {
			w.made = append(w.made, made.path())
		}
		o.advance(ex)
	}
	if w.caps.deletesByCondition(w.typ) && w.caps.declares(w.typ, "delete") {
		sent = true
		w.conditionalDelete(ctx)
	}
	if !sent {
		w.p.notSent(fhirclient.Conditional, w.typ, w.typ, "the server declares none of conditionalCreate, conditionalUpdate and conditionalDelete for "+w.typ)
	}
}

// conditionalDelete makes another copy of carecert's and deletes it by a
// search matching it alone, DELETE Type?_id=; a read after it must find it
// gone. A copy left behind is deleted with the rest.
func (w *writeRun) conditionalDelete(ctx context.Context) {
	victim := w.create(ctx)
	if victim == nil {
		return // the create's own requirement says why
	}
	ex := w.send(ctx, fhirclient.Conditional, "delete-match", fhirclient.Request{Label: w.typ + "?_id=" + victim.id + " (conditional delete)", Method: http.MethodDelete, Path: w.typ,
		Query: url.Values{"_id": {victim.id}}}, func(ex *fhirclient.Exchange) { ex.ID = victim.id })
	if !accepted(ex) {
		return
	}
	after := w.send(ctx, fhirclient.Conditional, "delete-gone", fhirclient.Request{Label: victim.path() + " (after its conditional delete)", Path: victim.path()},
		func(ex *fhirclient.Exchange) { ex.ID = victim.id })
	if after != nil && (after.Status == http.StatusNotFound || after.Status == http.StatusGone) {
		w.forget(victim.path())
	}
}

// patch changes carecert's resource's language with each patch format the
// statement declares: JSON Patch, then FHIRPath Patch; a statement that
// declares patch but no format gets JSON Patch, and a 415 then is not held
// against it. After an applied JSON Patch, one whose test operation fails
// must be refused whole.
func (w *writeRun) patch(ctx context.Context, o *own) {
	if !w.ready(ctx, fhirclient.Patch, o) {
		return
	}
	jsonFormat := w.caps.declaresPatchFormat("application/json-patch+json")
	pathFormat := w.caps.declaresPatchFormat("application/fhir+json")
	_, hasLanguage := w.sample["language"]
	send := func(step, label, mediaType string, body []byte, expect string) *fhirclient.Exchange {
		prior := o.version
		ex := w.send(ctx, fhirclient.Patch, step, fhirclient.Request{Label: o.path() + " (" + label + ")", Method: http.MethodPatch, Path: o.path(),
			Body: body, Header: http.Header{"Content-Type": {mediaType}}}, func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID, ex.Expect = o.id, prior, expect })
		o.advance(ex)
		return ex
	}
	if jsonFormat || !pathFormat {
		step, label := "json-patch", "JSON Patch: add language en-GB"
		if !jsonFormat {
			step, label = "json-patch-guess", label+"; the statement declares no patchFormat"
		}
		body, _ := json.Marshal([]any{map[string]any{"op": "add", "path": "/language", "value": "en-GB"}})
		if ex := send(step, label, "application/json-patch+json", body, "en-GB"); accepted(ex) {
			hasLanguage = true
			body, _ = json.Marshal([]any{
				map[string]any{"op": "test", "path": "/language", "value": "carecert-not-this"},
				map[string]any{"op": "remove", "path": "/language"},
			})
			send("test-fails", "JSON Patch whose test of language fails", "application/json-patch+json", body, "en-GB")
			w.nestedPatch(ctx, o)
		}
	}
	if pathFormat {
		op := []any{map[string]any{"name": "type", "valueCode": "add"}, map[string]any{"name": "path", "valueString": w.typ},
			map[string]any{"name": "name", "valueString": "language"}, map[string]any{"name": "value", "valueCode": "en-US"}}
		if hasLanguage {
			op = []any{map[string]any{"name": "type", "valueCode": "replace"}, map[string]any{"name": "path", "valueString": w.typ + ".language"},
				map[string]any{"name": "value", "valueCode": "en-US"}}
		}
		body := marshal(map[string]any{"resourceType": "Parameters", "parameter": []any{map[string]any{"name": "operation", "part": op}}})
		if ex := send("fhirpath-patch", "FHIRPath Patch: "+op[0].(map[string]any)["valueCode"].(string)+" language en-US", "application/fhir+json", body, "en-US"); accepted(ex) {
			w.fhirPathNested(ctx, o)
		}
	}
}

// historySince asks for the type's history and, where the statement
// declares history-system, the system's, since the resource's last change:
// each must hold that change and nothing older.
func (w *writeRun) historySince(ctx context.Context, o *own) {
	if !w.asked(fhirclient.HistorySince) {
		return
	}
	typeLevel, system := w.caps.declares(w.typ, "history-type"), w.caps.declaresSystem("history-system")
	switch {
	case !typeLevel && !system:
		w.p.notSent(fhirclient.HistorySince, w.typ+"/_history", w.typ, "the server does not declare history-type for "+w.typ+", nor history-system")
		return
	case o.lastUpdated == "":
		w.p.notSent(fhirclient.HistorySince, w.typ+"/_history", w.typ, o.path()+" has no meta.lastUpdated to ask for the history since")
		return
	}
	for _, path := range []string{w.typ + "/_history", "_history"} {
		if path == "_history" && !system || path != "_history" && !typeLevel {
			continue
		}
		w.send(ctx, fhirclient.HistorySince, "", fhirclient.Request{Label: path + "?_since=" + o.lastUpdated, Path: path,
			Query: url.Values{"_since": {o.lastUpdated}}}, func(ex *fhirclient.Exchange) { ex.Since, ex.Expect = o.lastUpdated, o.path() })
	}
}

// batch reads the resource and an unknown id in one batch: each entry is
// answered on its own.
func (w *writeRun) batch(ctx context.Context, o *own) {
	if !w.asked(fhirclient.Batch) {
		return
	}
	if !w.caps.declaresSystem("batch") {
		w.p.notSent(fhirclient.Batch, "batch", "", "the server does not declare the batch interaction")
		return
	}
	bundle := map[string]any{"resourceType": "Bundle", "type": "batch", "entry": []any{
		map[string]any{"request": map[string]any{"method": "GET", "url": o.path()}},
		map[string]any{"request": map[string]any{"method": "GET", "url": w.typ + "/carecert-unknown-0000"}},
	}}
	w.send(ctx, fhirclient.Batch, "", fhirclient.Request{Label: "batch: GET " + o.path() + ", GET " + w.typ + "/carecert-unknown-0000", Method: http.MethodPost, Path: "",
		Body: marshal(bundle)}, func(ex *fhirclient.Exchange) { ex.Want = []string{"200", "404|410"} })
}

// transaction sends a transaction that must succeed, then one whose second
// entry is invalid, which must fail whole: its first entry, an update that
// would create a resource with an id carecert chose, must not exist after.
func (w *writeRun) transaction(ctx context.Context) {
	if !w.asked(fhirclient.Transaction) {
		return
	}
	if !w.caps.declaresSystem("transaction") {
		w.p.notSent(fhirclient.Transaction, "transaction", "", "the server does not declare the transaction interaction")
		return
	}
	ok := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{map[string]any{
		"fullUrl": "urn:uuid:" + uuid(), "resource": w.copyOf(), "request": map[string]any{"method": "POST", "url": w.typ},
	}}}
	ex := w.send(ctx, fhirclient.Transaction, "ok", fhirclient.Request{Label: "transaction: POST " + w.typ, Method: http.MethodPost, Body: marshal(ok)},
		func(ex *fhirclient.Exchange) { ex.Want = []string{"201|200"} })
	w.keepTransaction(ex)

	// The first entry creates with an id of carecert's choosing where the
	// server lets clients choose ids, so that its absence can be checked.
	id := "carecert-txn-" + nonce()
	first := w.copyOf()
	firstReq := map[string]any{"method": "POST", "url": w.typ}
	checkable := w.caps.flag(w.typ, "updateCreate") && w.caps.declares(w.typ, "update")
	if checkable {
		first["id"] = id
		firstReq = map[string]any{"method": "PUT", "url": w.typ + "/" + id}
	}
	// An update whose body's id differs from its URL's: the specification
	// says the server must refuse it.
	bad := w.copyOf()
	bad["id"] = "carecert-a"
	bundle := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		map[string]any{"fullUrl": "urn:uuid:" + uuid(), "resource": first, "request": firstReq},
		map[string]any{"resource": bad, "request": map[string]any{"method": "PUT", "url": w.typ + "/carecert-b"}},
	}}
	ex = w.send(ctx, fhirclient.Transaction, "bad", fhirclient.Request{Label: "transaction: " + firstReq["method"].(string) + " " + firstReq["url"].(string) + ", PUT " + w.typ + "/carecert-b with id carecert-a",
		Method: http.MethodPost, Body: marshal(bundle)}, nil)
	w.keepTransaction(ex)
	if ex == nil || !checkable {
		return
	}
	path := w.typ + "/" + id
	after := w.send(ctx, fhirclient.Transaction, "rolled-back", fhirclient.Request{Label: path + " (after the refused transaction)", Path: path},
		func(ex *fhirclient.Exchange) { ex.ID = id })
	if after != nil && after.Status == http.StatusOK {
		w.made = append(w.made, path)
	}
}

// keepTransaction remembers the resources a transaction answer says it
// created, to delete them.
func (w *writeRun) keepTransaction(ex *fhirclient.Exchange) {
	if ex == nil || ex.Failed() || ex.Status != http.StatusOK {
		return
	}
	for _, e := range bundleEntries(ex.Resource) {
		resp, _ := e["response"].(map[string]any)
		loc, _ := resp["location"].(string)
		if id := idFromLocation(loc, w.typ); id != "" {
			w.made = append(w.made, w.typ+"/"+id)
		}
	}
}

func bundleEntries(b map[string]any) []map[string]any {
	list, _ := b["entry"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}

func uuid() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// contentErrors creates with a body in a media type FHIR does not define
// (415) and with a resource whose element has the wrong JSON type (400 or
// 422 with an OperationOutcome). Either, if accepted, is deleted after.
func (w *writeRun) contentErrors(ctx context.Context) {
	if !w.asked(fhirclient.ContentErrors) {
		return
	}
	ex := w.send(ctx, fhirclient.ContentErrors, "media-type", fhirclient.Request{Label: w.typ + " (Content-Type: text/plain)", Method: http.MethodPost, Path: w.typ,
		Body: marshal(w.copyOf()), Header: http.Header{"Content-Type": {"text/plain"}}}, nil)
	if made := w.created(ex); made != nil {
		w.made = append(w.made, made.path())
	}
	invalid := w.copyOf()
	// implicitRules is a uri, a JSON string, on every resource.
	invalid["implicitRules"] = 42
	ex = w.send(ctx, fhirclient.ContentErrors, "invalid", fhirclient.Request{Label: w.typ + " with implicitRules 42 (a number where a uri is due)", Method: http.MethodPost, Path: w.typ,
		Body: marshal(invalid)}, nil)
	if made := w.created(ex); made != nil {
		w.made = append(w.made, made.path())
	}
}

// remove deletes carecert's resource and reads it again: it must be gone.
func (w *writeRun) remove(ctx context.Context, o *own) {
	if !w.caps.declares(w.typ, "delete") {
		return // cleanUp says what stays
	}
	step := "cleanup"
	if w.asked(fhirclient.Delete) {
		step = ""
	}
	ex := w.send(ctx, fhirclient.Delete, step, fhirclient.Request{Label: o.path(), Method: http.MethodDelete, Path: o.path()}, func(ex *fhirclient.Exchange) { ex.ID = o.id })
	if !accepted(ex) {
		return
	}
	w.forget(o.path())
	if step == "" {
		w.send(ctx, fhirclient.Delete, "gone", fhirclient.Request{Label: o.path() + " (after its delete)", Path: o.path()}, func(ex *fhirclient.Exchange) { ex.ID = o.id })
	}
}

// undeclared sends a write the type does not declare (create, update,
// patch or delete) to carecert's own resource o or, without one, to the
// first resource carecert made or an id that does not exist, so that
// nothing of the supplier's is touched; a create sends a tagged copy. A
// server that does it anyway keeps what it made on carecert's list, to
// delete.
func (w *writeRun) undeclared(ctx context.Context, i string, o *own) {
	path := w.typ + "/carecert-absent-" + nonce()
	switch {
	case o != nil:
		path = o.path()
	case len(w.made) > 0:
		path = w.made[0]
	}
	_, id, _ := strings.Cut(path, "/")
	req := fhirclient.Request{Method: http.MethodDelete, Path: path}
	switch i {
	case fhirclient.Create:
		req = fhirclient.Request{Method: http.MethodPost, Path: w.typ, Body: marshal(w.copyOf())}
		path, id = w.typ, ""
	case fhirclient.Update:
		req = fhirclient.Request{Method: http.MethodPut, Path: path, Body: w.body(&own{typ: w.typ, id: id})}
	case fhirclient.Patch:
		body, _ := json.Marshal([]any{map[string]any{"op": "add", "path": "/language", "value": "en-GB"}})
		req = fhirclient.Request{Method: http.MethodPatch, Path: path, Body: body, Header: http.Header{"Content-Type": {"application/json-patch+json"}}}
	}
	req.Interaction = i
	ex := w.p.undeclared(ctx, req, path, w.typ, id)
	switch {
	case !accepted(ex):
	case i == fhirclient.Create:
		if made := w.created(ex); made != nil {
			w.made = append(w.made, made.path())
		}
	case i == fhirclient.Delete:
		w.forget(path)
	case !slices.Contains(w.made, path):
		w.made = append(w.made, path) // an update or patch that made it
	}
}

func (w *writeRun) forget(path string) {
	kept := w.made[:0]
	for _, m := range w.made {
		if m != path {
			kept = append(kept, m)
		}
	}
	w.made = kept
}

// cleanUp deletes every other resource carecert made; a server that does
// not declare delete keeps them, and the delete requirement says which.
func (w *writeRun) cleanUp(ctx context.Context) {
	if !w.caps.declares(w.typ, "delete") {
		if w.asked(fhirclient.Delete) {
			w.undeclared(ctx, fhirclient.Delete, nil)
		}
		if len(w.made) > 0 {
			w.p.notSent(fhirclient.Delete, w.typ, w.typ, "the server does not declare delete for "+w.typ+"; carecert's "+strings.Join(w.made, ", ")+" stay on it (tagged urn:carecert:probe)")
		}
		return
	}
	for _, path := range append([]string{}, w.made...) {
		_, id, _ := strings.Cut(path, "/")
		w.send(ctx, fhirclient.Delete, "cleanup", fhirclient.Request{Label: path + " (clean-up)", Method: http.MethodDelete, Path: path}, func(ex *fhirclient.Exchange) { ex.ID = id })
	}
	w.made = nil
}
