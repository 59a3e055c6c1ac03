// Package restapi judges live FHIR servers from the exchanges the fhir-server
// and fhir-bulk targets recorded: one check per requirement of the
// fhir-rest-api and fhir-bulk-data suites (capabilities, read, search and
// paging, error handling, format negotiation, response times, Bulk export).
// Every finding names the request (method and URL, without secrets) and
// carries a short excerpt of the response as evidence.
package restapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/model"
)

// Terminologies gives the search checks the terminology that decides :in,
// :not-in, :above and :below: for a requirement's own settings over the
// run's (check.Terminology.Over). carecert and this package's specs give
// runengine.Search, the run's engines, so searches are judged as bindings
// are. It is given here, not imported, so that this package links no
// SNOMED CT store.
type Terminologies func(env *check.Env, own check.Terminology) (fhirsearch.Terminology, error)

// Register adds the REST API and Bulk Data checks to a registry; terms
// gives the searches their terminology.
func Register(reg *check.Registry, terms Terminologies) {
	check.Define(reg, "fhir-api-transport", "every request got a complete HTTP response in time, with FHIR JSON where JSON is due", transportParams{Exchanges: "api"}, newTransport)
	check.Define(reg, "fhir-api-capabilities", "GET /metadata returns a CapabilityStatement for FHIR 4.0.x declaring JSON", judgedParams{MinCases: 1}, perExchange(capabilities, fhirclient.Capabilities))
	check.Define(reg, "fhir-api-read", "read returns 200 and the resource asked for", judgedParams{MinCases: 1}, perExchange(read, fhirclient.Read))
	check.Define(reg, "fhir-api-vread", "vread returns 200 and the version asked for; an undeclared vread is refused with 405", judgedParams{MinCases: 1}, perExchange(orUndeclared(vread), fhirclient.VRead))
	check.Define(reg, "fhir-api-search", "searches return 200 and well-formed searchset Bundles that respect _count; a search of a type that declares none is refused with 405", judgedParams{MinCases: 1}, perExchange(orUndeclared(search), fhirclient.Search, fhirclient.Page))
	check.Define(reg, "fhir-api-search-match", "every resource a search returns matches the search's parameters", searchMatchParams{MinCases: 1}, terms.newSearchMatch)
	check.Define(reg, "fhir-api-paging", "paging through Bundle.link next ends, without loops, repeats or lost resources", check.NoParams{}, newPaging)
	check.Define(reg, "fhir-api-history", "history returns a history Bundle with request and response in each entry; an undeclared instance history is refused with 405", judgedParams{MinCases: 1}, perExchange(orUndeclared(history), fhirclient.History))
	check.Define(reg, "fhir-api-not-found", "an unknown id gives 404 with an OperationOutcome", judgedParams{MinCases: 1}, perExchange(notFound, fhirclient.NotFound))
	check.Define(reg, "fhir-api-bad-request", "a malformed search parameter gives 400 with an OperationOutcome", judgedParams{MinCases: 1}, perExchange(badRequest, fhirclient.BadRequest))
	check.Define(reg, "fhir-api-unknown-param", "an unknown search parameter is refused under Prefer: handling=strict and ignored, and left out of the self link, under handling=lenient", judgedParams{MinCases: 1}, perExchange(unknownParam, fhirclient.UnknownParam))
	check.Define(reg, "fhir-api-format", "_format and Accept asking for JSON give FHIR JSON", judgedParams{MinCases: 1}, perExchange(format, fhirclient.Format))
	check.Define(reg, "fhir-api-write", "create gives 201 with a Location (and SHOULD an ETag); update gives 200 or 201 and a new version; an undeclared create or update is refused with 405", judgedParams{MinCases: 1}, perExchange(orUndeclared(write), fhirclient.Create, fhirclient.Update))
	check.Define(reg, "fhir-api-delete", "delete gives 200, 202 or 204 and the resource then reads as 410 or 404; carecert deletes what it created; a delete the statement does not declare is refused with 405", judgedParams{MinCases: 1}, perExchange(orUndeclared(deleteCheck), fhirclient.Delete))
	check.Define(reg, "fhir-api-version-update", "an update with If-Match of the current version succeeds; one with a stale version gives 412", judgedParams{MinCases: 1}, perExchange(versionUpdate, fhirclient.VersionUpdate))
	check.Define(reg, "fhir-api-conditional", "a create with If-None-Exist matching a resource makes none (200); an update by search updates the one match; a delete by search deletes it", judgedParams{MinCases: 1}, perExchange(conditional, fhirclient.Conditional))
	check.Define(reg, "fhir-api-patch", "PATCH in each declared patch format is applied and makes a new version; a JSON Patch whose test fails is refused whole; an undeclared patch is refused with 405", judgedParams{MinCases: 1}, perExchange(orUndeclared(patch), fhirclient.Patch))
	check.Define(reg, "fhir-api-bundles", "batch and transaction Bundles give response Bundles with one entry per request; a transaction with an invalid entry fails whole", judgedParams{MinCases: 1}, perExchange(bundleInteraction, fhirclient.Batch, fhirclient.Transaction))
	check.Define(reg, "fhir-api-history-since", "type history with _since holds the change asked about and nothing older", judgedParams{MinCases: 1}, perExchange(historySince, fhirclient.HistorySince))
	check.Define(reg, "fhir-api-content-errors", "a create in an unsupported media type gives 415; an invalid resource 400 or 422 with an OperationOutcome", judgedParams{MinCases: 1}, perExchange(contentErrors, fhirclient.ContentErrors))
	check.Define(reg, "fhir-api-search-recall", "searches built from resources read earlier find them: _id by GET and POST, references bare and Type/id, system|code tokens", judgedParams{MinCases: 1}, perExchange(searchRecall, fhirclient.Recall))
	check.Define(reg, "fhir-api-xml", "a server that declares XML serves it, the same resource as its JSON; one that does not refuses it with 406", judgedParams{MinCases: 1}, perExchange(xmlFormat, fhirclient.XML))
	check.Define(reg, "fhir-api-xml-write", "where the server declares XML, a create and an update in FHIR XML succeed, are answered in XML, and the resource read back is the one sent", judgedParams{MinCases: 1}, perExchange(xmlWrite, fhirclient.XMLWrite))
	check.Define(reg, "fhir-api-smart-config", ".well-known/smart-configuration declares SMART Backend Services: token endpoint, private_key_jwt, RS384/ES384, client_credentials", judgedParams{MinCases: 1}, perExchange(smartConfig, fhirclient.SMARTConfig))
	check.Define(reg, "fhir-api-auth-refused", "requests without a token or with a bad one, and token requests with a bad or expired assertion, are refused", judgedParams{MinCases: 1}, perExchange(authRefused, fhirclient.AuthRefused))
	check.Define(reg, "fhir-api-search-features", "declared search features work: multiple-or values, date comparators, _include and _revinclude", judgedParams{MinCases: 1}, terms.newSearchFeatures)
	check.Define(reg, "fhir-api-search-result", "declared result parameters work: _summary=count counts, _summary=true and _elements subset as the specification says, _sort orders", judgedParams{MinCases: 1}, perExchange(searchResult, fhirclient.SearchResult))
	check.Define(reg, "fhir-api-operations", "declared operations carecert knows answer as defined (Patient $everything holds the patient's record); others are listed as not exercised", judgedParams{MinCases: 1}, perExchange(everything, fhirclient.Operation))
	check.Define(reg, "fhir-api-load", "under the target's load profile (concurrent clients for a while), p50 and p95 response times within thresholds and no errors; p99 measured", defaultLatency, newLoad)
	check.Define(reg, "fhir-api-latency", "median and 95th-percentile response times within thresholds (p50, p95)", defaultLatency, newLatency)
	check.Define(reg, "fhir-bulk-kickoff", "a Bulk $export kick-off gives 202 Accepted with a Content-Location", judgedParams{MinCases: 1}, perExchange(bulkKickoff, fhirclient.BulkKickoff))
	check.Define(reg, "fhir-bulk-bad-kickoff", "a Bulk $export kick-off with a _since that is no instant or an unknown _outputFormat gives 400 with an OperationOutcome", judgedParams{MinCases: 1}, perExchange(bulkBadKickoff, fhirclient.BulkBadKickoff))
	check.Define(reg, "fhir-bulk-status", "Bulk export status polls give 202 until the manifest, and the export finishes in time", judgedParams{MinCases: 1}, perExchange(bulkStatus, fhirclient.BulkStatus))
	check.Define(reg, "fhir-bulk-manifest", "the Bulk export manifest is complete and well formed", judgedParams{MinCases: 1}, perExchange(bulkManifest, fhirclient.BulkManifest))
	check.Define(reg, "fhir-bulk-download", "every Bulk output file downloads whole and holds the count the manifest gives", judgedParams{MinCases: 1}, perExchange(bulkDownload, fhirclient.BulkDownload))
	check.Define(reg, "fhir-bulk-files", "Bulk output files are application/fhir+ndjson, hold only the types _type asked for, and each line is of its file's type", check.NoParams{}, newBulkFiles)
	check.Define(reg, "fhir-bulk-delete", "DELETE of a Bulk export's status URL gives 202, and the status URL then 404 with an OperationOutcome", judgedParams{MinCases: 1}, perExchange(bulkDelete, fhirclient.BulkDelete, fhirclient.BulkDeleted))
	check.Define(reg, "fhir-bulk-file-auth", "Bulk output files that require an access token are refused without one (401 or 403)", judgedParams{MinCases: 1}, perExchange(bulkFileAuth, fhirclient.BulkFileAuth))
	check.Define(reg, "fhir-bulk-no-token", "a Bulk kick-off without the access token is refused (401 or 403) with an OperationOutcome", judgedParams{MinCases: 1}, perExchange(authRefused, fhirclient.BulkNoToken))
	check.Define(reg, "fhir-bulk-declared", "a server that answers a Bulk export declares the export operation in its CapabilityStatement (or instantiates the Bulk Data IG's)", judgedParams{MinCases: 1}, perExchange(bulkDeclared, fhirclient.BulkDeclared))
	check.Define(reg, "fhir-bulk-group", "a Group-level export holds the Group's members' data only and, asked for Patients without _since, every member", check.NoParams{}, newGroup)
	check.Define(reg, "fhir-bulk-since", "an export asked for _since holds only resources updated at or after it, in a manifest whose transactionTime is not before it", check.NoParams{}, newSince)
}

// exchangeOf returns the exchange of an exchange record, or nil.
func exchangeOf(rec *model.Record) *fhirclient.Exchange {
	if rec.Kind != model.KindExchange {
		return nil
	}
	ex, _ := rec.Value.(*fhirclient.Exchange)
	return ex
}

// onInteractions returns an Applies for exchanges of the given interactions.
func onInteractions(interactions ...string) func(*model.Record) bool {
	return func(rec *model.Record) bool {
		ex := exchangeOf(rec)
		if ex == nil {
			return false
		}
		for _, i := range interactions {
			if ex.Interaction == i {
				return true
			}
		}
		return false
	}
}

// judge looks at one exchange and reports what is wrong with it.
type judge func(ex *fhirclient.Exchange) []model.Finding

// finding builds a finding about an exchange: located at its URL and request,
// with the response as evidence.
func finding(ex *fhirclient.Exchange, sev model.Severity, code, format string, args ...any) model.Finding {
	return model.Finding{
		Severity:  sev,
		Code:      code,
		Message:   fmt.Sprintf(format, args...),
		Location:  model.Location{File: ex.URL, Record: ex.Method + " " + ex.Label},
		Evidence:  ex.Evidence(),
		Sensitive: ex.SensitiveBody(),
	}
}

func fail(ex *fhirclient.Exchange, code, format string, args ...any) []model.Finding {
	return []model.Finding{finding(ex, model.Error, code, format, args...)}
}

// answered returns a finding when the exchange has no response to judge. The
// transport check reports why; interaction checks still fail, since the
// interaction did not work (cases the server could not be blamed for never
// get here: see judgedState).
func answered(ex *fhirclient.Exchange, what string) []model.Finding {
	if ex.Failed() {
		return fail(ex, "api.no-response", "%s got no usable response (%s)", what, ex.ErrCode)
	}
	return nil
}

// status returns a finding unless the status is one of want.
func status(ex *fhirclient.Exchange, code, what string, want ...int) []model.Finding {
	if f := answered(ex, what); f != nil {
		return f
	}
	for _, w := range want {
		if ex.Status == w {
			return nil
		}
	}
	ws := make([]string, len(want))
	for i, w := range want {
		ws[i] = fmt.Sprint(w)
	}
	switch ex.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		if ex.Declared {
			return fail(ex, "api.declared-unsupported", "%s returned HTTP %d, but the server's CapabilityStatement declares the interaction%s", what, ex.Status, diagnostics(ex))
		}
	}
	return fail(ex, code, "%s returned HTTP %d, want %s%s", what, ex.Status, strings.Join(ws, " or "), diagnostics(ex))
}

// diagnostics quotes an OperationOutcome's first issue, for messages.
func diagnostics(ex *fhirclient.Exchange) string {
	if ex.ResourceType() != "OperationOutcome" {
		return ""
	}
	issues, _ := ex.Resource["issue"].([]any)
	if len(issues) == 0 {
		return ""
	}
	m, _ := issues[0].(map[string]any)
	d, _ := m["diagnostics"].(string)
	if d == "" {
		d, _ = m["code"].(string)
	}
	if len(d) > 160 {
		d = d[:160] + "…"
	}
	if d == "" {
		return ""
	}
	return fmt.Sprintf(" (OperationOutcome: %s)", d)
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// entries returns a Bundle's entries as objects.
func entries(bundle map[string]any) []map[string]any {
	list, _ := bundle["entry"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}
