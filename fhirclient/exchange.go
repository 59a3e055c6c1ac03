package fhirclient

import (
	"fmt"
	"strings"
	"time"
)

// Interactions name what an exchange was for; the REST API and Bulk Data
// suites pick the exchanges they judge by it.
const (
	Capabilities = "capabilities"
	Read         = "read"
	VRead        = "vread"
	Search       = "search"
	// Page is a search page reached through a Bundle.link "next".
	Page       = "page"
	History    = "history"
	NotFound   = "not-found"
	BadRequest = "bad-request"
	Format     = "format"
	// UnknownParam is a search with a parameter no server defines, under
	// Prefer: handling=strict (must be refused) or handling=lenient (must
	// be ignored); the Label ends with the handling asked for.
	UnknownParam = "unknown-param"
	Create       = "create"
	Update       = "update"

	// Write interactions as Touchstone's scripts exercise them, each on a
	// resource carecert created itself; Exchange.Step says which request of
	// the interaction's sequence an exchange is.
	// Delete is DELETE of carecert's resource, the read after it (Step
	// "gone") and the clean-up of every other resource it made.
	Delete = "delete"
	// VersionUpdate is an update with If-Match: the current version (Step
	// "current") and a stale one (Step "stale", which must give 412).
	VersionUpdate = "version-update"
	// Conditional is a create with If-None-Exist matching carecert's
	// resource (Step "create-match"), an update by search (Step
	// "update-match"), and a delete by search of another copy of
	// carecert's (Step "delete-match") and the read after it (Step
	// "delete-gone").
	Conditional = "conditional"
	// Patch is a PATCH of carecert's resource in a patch format the
	// statement declares (Step "json-patch" or "fhirpath-patch"), and a
	// JSON Patch whose test fails (Step "test-fails", which must be
	// refused and change nothing).
	Patch = "patch"
	// Batch and Transaction are Bundles POSTed to the base URL.
	Batch       = "batch"
	Transaction = "transaction"
	// HistorySince is a type-level history with _since (Exchange.Since).
	HistorySince = "history-since"
	// ContentErrors are a create with an unsupported content type (Step
	// "media-type", 415) and with an invalid resource (Step "invalid").
	ContentErrors = "content-errors"

	// Sample is a search made only to find ids to read, when the plan does
	// not ask for searches to be judged.
	Sample = "sample"

	// Recall is a search built from a resource read earlier, which must
	// find it (Exchange.Expect): by _id, by POST, by reference and by code.
	Recall = "recall"

	// SearchFeatures are searches using what the CapabilityStatement
	// declares beyond simple parameters: multiple-or values, date
	// comparators, _include and _revinclude. Exchange.Step says what the
	// results must show of Exchange.Expect: "recall" (returned), "exclude"
	// (not returned) or "include" (returned as an included resource).
	SearchFeatures = "search-features"
	// SearchResult is a search with a result parameter the statement
	// declares (_summary, _elements or _sort; Exchange.Result), built from
	// resources read earlier (Exchange.Expect, Exchange.JSON).
	SearchResult = "search-result"
	// Operation is a declared operation carecert exercises ($everything,
	// whose answer must hold Exchange.Expect) or records as not exercised.
	Operation = "operation"

	// Load is a request of the load profile: reads and searches sent by
	// several clients at once for a while, judged by their latency and
	// errors only.
	Load = "load"

	// XML asks for FHIR XML (_format=xml or Accept: application/fhir+xml).
	XML = "xml"
	// XMLWrite is a create and an update of carecert's copy sent as FHIR
	// XML, and reads of it in JSON and XML (Step "create", "read",
	// "update", "read-xml"), where the statement declares XML; Exchange.JSON
	// is the resource sent.
	XMLWrite = "xml-write"

	// SMARTConfig is GET .well-known/smart-configuration.
	SMARTConfig = "smart-config"
	// AuthRefused is a request made with missing or bad credentials on
	// purpose (no token, an invalid token, an invalid or expired client
	// assertion): the server must refuse it.
	AuthRefused = "auth"

	BulkKickoff = "bulk-kickoff"
	// BulkBadKickoff is a kick-off with parameters the IG does not allow,
	// which must be refused with 400 and an OperationOutcome.
	BulkBadKickoff = "bulk-bad-kickoff"
	BulkStatus     = "bulk-status"
	BulkManifest   = "bulk-manifest"
	BulkDownload   = "bulk-download"
	// BulkFileAuth is an output file asked for without the access token
	// the manifest says it needs: the server must refuse it.
	BulkFileAuth = "bulk-file-auth"
	// BulkDelete is the DELETE of an export's status URL (cancel or clean
	// up); BulkDeleted the status poll after it, which must give 404.
	BulkDelete  = "bulk-delete"
	BulkDeleted = "bulk-deleted"
	// BulkNoToken is the kick-off sent again without the access token, to
	// a server the target authenticates with: it must be refused.
	BulkNoToken = "bulk-no-token"
	// BulkDeclared is the CapabilityStatement a Bulk server that started
	// an export gives, which should declare the export operation (Step
	// names it: export, patient-export or group-export).
	BulkDeclared = "bulk-declared"
	// BulkGroup is the read of the Group a Group-level export names, whose
	// members the exported patients must be.
	BulkGroup = "bulk-group"
)

// Error codes of exchanges that got no usable response.
const (
	ErrTimeout    = "timeout"
	ErrConnection = "connection"
	ErrRefused    = "refused"
	ErrRedirects  = "redirects"
	ErrTooLarge   = "too-large"
	ErrTLS        = "tls"
	ErrAuth       = "auth"
	ErrBudget     = "budget"
	ErrRequest    = "request"
	ErrCancelled  = "cancelled"
	// ErrNotFetched is a URL the server handed out that carecert's policy
	// does not let it fetch (another origin, a private address).
	ErrNotFetched = "not-fetched"
	// ErrExportTimeout is a Bulk export that did not finish in the time allowed.
	ErrExportTimeout = "export-timeout"
	// ErrNotSent is a request carecert chose not to make, Err saying why:
	// the server does not declare the interaction, or nothing was found to
	// make it on. Its requirement is skipped with that reason, not judged.
	ErrNotSent = "not-sent"
)

// StepUndeclared is the Step of a request of an interaction the server's
// CapabilityStatement does not declare for the type, made to see it refused
// (405 and an OperationOutcome, as R4's RESTful API page has it).
const StepUndeclared = "undeclared"

// Exchange is one request to a live FHIR server and what came back: the Value
// of a model.KindExchange record. It never holds a credential: URLs are
// redacted, the Authorization header is never kept, and excerpts and error
// messages are scrubbed of every secret the client knows.
type Exchange struct {
	// Interaction says what the request was for (read, search, ...).
	Interaction string `json:"interaction"`
	// Label names the request briefly: "Patient/123", "Observation?code=...".
	Label string `json:"label"`
	// Seq numbers the exchanges of a target in the order they were made.
	Seq    int    `json:"seq"`
	Method string `json:"method"`
	// URL is the request URL with secrets removed.
	URL string `json:"url"`
	// Accept is the Accept header sent.
	Accept string `json:"accept,omitempty"`
	// Renewed says the server refused the first token (401) and the request
	// was sent again with a new one.
	Renewed bool `json:"renewed,omitempty"`
	// Retried counts the times the HTTP client sent the request again
	// because the connection broke before an answer (a reset).
	Retried int `json:"retried,omitempty"`
	// AfterAbandoned names the earlier request carecert gave up waiting for
	// when this one timed out too: the server may have been busy with it.
	AfterAbandoned string `json:"after_abandoned,omitempty"`

	// Type, ID and VersionID are what a read, vread or history asked for;
	// Type and Query what a search asked for (control parameters left out).
	Type      string              `json:"type,omitempty"`
	ID        string              `json:"id,omitempty"`
	VersionID string              `json:"version_id,omitempty"`
	Query     map[string][]string `json:"query,omitempty"`
	// Declared says the server's CapabilityStatement declares the
	// interaction, so that answering it with 404, 405 or 501 contradicts it.
	Declared bool `json:"declared,omitempty"`
	// Expect is the "Type/id" a recall search must return.
	Expect string `json:"expect,omitempty"`
	// Count is the _count a search asked for (0: none).
	Count int `json:"count,omitempty"`
	// Step names the request within a write interaction's sequence (see
	// Delete, VersionUpdate, Conditional, Transaction, ContentErrors), or
	// is StepUndeclared.
	Step string `json:"step,omitempty"`
	// Result holds the result parameter a search-result search asked for
	// and its value: "_summary": "count", "_elements": "gender", "_sort":
	// "-birthdate".
	Result map[string]string `json:"result,omitempty"`
	// Want are the response statuses a batch's entries must give, in order;
	// each is a status code or codes joined by "|".
	Want []string `json:"want,omitempty"`

	Status int `json:"status,omitempty"`
	// Headers keeps a few response headers (lower-case names): content-type,
	// location, content-location, etag, last-modified, retry-after, x-progress.
	Headers map[string]string `json:"headers,omitempty"`
	Latency time.Duration     `json:"latency"`
	// BodyBytes is how much of the body was read.
	BodyBytes int64 `json:"body_bytes"`
	// Excerpt is the start of the body, scrubbed of secrets.
	Excerpt string `json:"excerpt,omitempty"`
	// Resource is the body decoded as a JSON object, when it is one.
	Resource map[string]any `json:"-"`
	// BodyProblem says why a body that should be JSON could not be decoded.
	BodyProblem string `json:"body_problem,omitempty"`
	// Raw is the body as read, kept only when the request asked (XML, which
	// a check parses itself); never serialised.
	Raw []byte `json:"-"`
	// Declared formats: for an XML request, whether the CapabilityStatement
	// declares XML; JSON is the JSON answer to compare an XML one, or a
	// subsetted one (_summary, _elements), with.
	XMLDeclared bool           `json:"xml_declared,omitempty"`
	JSON        map[string]any `json:"-"`

	// Err says why no usable response came back; ErrCode classifies it.
	Err     string `json:"error,omitempty"`
	ErrCode string `json:"error_code,omitempty"`

	// Paging describes a page of a followed search.
	Paging *Paging `json:"paging,omitempty"`
	// Bulk describes a Bulk Data download.
	Bulk *Bulk `json:"bulk,omitempty"`
	// Since is the _since instant a Bulk export asked for, on the export's
	// kick-off and manifest exchanges, so the manifest can be judged against
	// it (a Bulk resource record's Container is the kick-off).
	Since string `json:"since,omitempty"`

	// P50Limit and P95Limit are the target's response-time thresholds (0:
	// the suite's own).
	P50Limit time.Duration `json:"p50_limit,omitempty"`
	P95Limit time.Duration `json:"p95_limit,omitempty"`

	// location holds the Location and Content-Location headers unredacted,
	// for the driver that must follow them; never serialised.
	location map[string]string
}

// RawHeader returns a Location or Content-Location header as sent, for
// following it. Never put it in a finding: use Header.
func (e *Exchange) RawHeader(name string) string { return e.location[strings.ToLower(name)] }

// Paging places a search page in its chain of pages.
type Paging struct {
	// Chain is the label of the search that started the chain.
	Chain string `json:"chain"`
	// Number counts pages from 1.
	Number int `json:"number"`
	// Next is the (redacted) next link the page gave, if any.
	Next string `json:"next,omitempty"`
	// Loop is set when Next repeats a page already fetched in the chain.
	Loop bool `json:"loop,omitempty"`
	// Capped is set when the chain was cut at the page limit.
	Capped bool `json:"capped,omitempty"`
	// Last is set on the final page fetched (no next link, loop, cap or error).
	Last bool `json:"last,omitempty"`
}

// Bulk describes one Bulk Data output file download.
type Bulk struct {
	// FileType is the resource type the manifest gave the file.
	FileType string `json:"file_type"`
	// Declared is the manifest's count for the file (-1: not given).
	Declared int64 `json:"declared"`
	// Records is how many lines were read.
	Records int64 `json:"records"`
	// Error marks a file from the manifest's error list (OperationOutcomes).
	Error bool `json:"error,omitempty"`
	// Asked are the types the kick-off's _type asked for (none: all).
	Asked []string `json:"asked,omitempty"`
	// Members are the patients ("Patient/id") of the Group a Group-level
	// export named, as its read gave them; nil when not known.
	Members []string `json:"members,omitempty"`
	// Since is the _since the kick-off asked for ("": none).
	Since string `json:"since,omitempty"`
}

// Failed reports whether the exchange got no usable HTTP response.
func (e *Exchange) Failed() bool { return e.Err != "" }

// Sent reports whether the request went to the server: not one the budget,
// a cancellation or carecert's own choice kept back.
func (e *Exchange) Sent() bool {
	switch e.ErrCode {
	case ErrBudget, ErrCancelled, ErrNotSent:
		return false
	}
	return true
}

// NotSent is the record of a request carecert chose not to make.
func NotSent(interaction, label, url, reason string) *Exchange {
	return &Exchange{Interaction: interaction, Label: label, Method: "GET", URL: url, ErrCode: ErrNotSent, Err: reason}
}

// Request is the request line for evidence: "GET http://host/fhir/Patient/1".
func (e *Exchange) Request() string { return e.Method + " " + e.URL }

// Header returns a kept response header (name in any case).
func (e *Exchange) Header(name string) string { return e.Headers[strings.ToLower(name)] }

// ContentType is the media type of the response without parameters.
func (e *Exchange) ContentType() string {
	ct, _, _ := strings.Cut(e.Header("content-type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}

// IsJSON reports whether the response declares a JSON media type.
func (e *Exchange) IsJSON() bool {
	switch e.ContentType() {
	case "application/fhir+json", "application/json", "application/json+fhir":
		return true
	}
	return false
}

// ETagVersion is the version an ETag carries: W/"3" and "3" give 3.
func ETagVersion(etag string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(etag), "W/"), `"`)
}

// Version is the version of the resource an answer gives: the body's
// meta.versionId, else the ETag's; "" when neither says.
func (e *Exchange) Version() string {
	meta, _ := e.Resource["meta"].(map[string]any)
	if v, _ := meta["versionId"].(string); v != "" {
		return v
	}
	return ETagVersion(e.Header("etag"))
}

// ResourceType is the resourceType of the decoded body, or "".
func (e *Exchange) ResourceType() string {
	s, _ := e.Resource["resourceType"].(string)
	return s
}

// Evidence is a short description of the response for a finding: status,
// content type and an excerpt of the body. It leaves out the latency, which
// differs from run to run, so that reports stay comparable.
func (e *Exchange) Evidence() string {
	var b strings.Builder
	switch {
	case e.Err != "":
		fmt.Fprintf(&b, "no response: %s", e.Err)
	default:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if ct := e.Header("content-type"); ct != "" {
			fmt.Fprintf(&b, "; content-type %s", ct)
		}
		if e.Excerpt != "" {
			fmt.Fprintf(&b, "; body: %s", e.Excerpt)
		}
	}
	return b.String()
}

// SensitiveBody reports whether the excerpt may show patient data: any
// resource other than the server's own statements and outcomes.
func (e *Exchange) SensitiveBody() bool {
	switch e.ResourceType() {
	case "OperationOutcome", "CapabilityStatement":
		return false
	case "Bundle":
		_, entries := e.Resource["entry"]
		return entries
	case "":
		return (e.IsJSON() || strings.Contains(e.ContentType(), "xml")) && e.Excerpt != ""
	}
	return e.Excerpt != ""
}
