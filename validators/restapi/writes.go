package restapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// The write interactions are judged as the FHIR R4 RESTful API page says
// and as Touchstone's basic and advanced scripts test them. Every request is
// one carecert chose to make on a resource of its own (see livefhir); the
// exchange's Step says which request of a sequence it is.

func write(ex *fhirclient.Exchange) []model.Finding {
	if ex.Interaction == fhirclient.Create {
		what := "create " + ex.Type
		if f := status(ex, "api.create-status", what, http.StatusCreated); f != nil {
			return f
		}
		if f := locationOf(ex, what); f != nil {
			return f
		}
		if f := etagAgrees(ex, what); f != nil {
			return f
		}
		if ex.Header("etag") == "" {
			return []model.Finding{finding(ex, model.Warning, "api.write-etag", "%s has no ETag header (a server SHOULD send the new version as a weak ETag)", what)}
		}
		return nil
	}
	what := "update " + ex.Type + "/" + ex.ID
	if f := status(ex, "api.update-status", what, http.StatusOK, http.StatusCreated); f != nil {
		return f
	}
	if ex.Resource != nil && (ex.ResourceType() != ex.Type || fhir.ID(ex.Resource) != ex.ID) {
		return fail(ex, "api.update-mismatch", "%s returned %s with id %q", what, describe(ex), fhir.ID(ex.Resource))
	}
	return versionMoved(ex, what)
}

// versionMoved checks that an accepted update gave a new version, by the
// body's meta.versionId or the ETag, and warns when neither says.
func versionMoved(ex *fhirclient.Exchange, what string) []model.Finding {
	if f := etagAgrees(ex, what); f != nil {
		return f
	}
	v := ex.Version()
	switch {
	case v == "":
		return []model.Finding{finding(ex, model.Warning, "api.write-etag", "%s answered with neither meta.versionId nor an ETag, so the new version is unknown", what)}
	case ex.VersionID != "" && v == ex.VersionID:
		return fail(ex, "api.update-version", "%s kept version %q: an update must make a new version", what, v)
	case ex.Header("etag") == "":
		return []model.Finding{finding(ex, model.Warning, "api.write-etag", "%s has no ETag header (a server SHOULD send the new version as a weak ETag)", what)}
	}
	return nil
}

func meta(res map[string]any) map[string]any {
	m, _ := res["meta"].(map[string]any)
	return m
}

// deleteCheck judges carecert's delete, the read after it and the clean-up
// of what it created.
func deleteCheck(ex *fhirclient.Exchange) []model.Finding {
	path := ex.Type + "/" + ex.ID
	switch ex.Step {
	case "gone":
		return gone(ex, "read of "+path+" after its delete", "api.delete-ignored", "delete")
	case "cleanup":
		return status(ex, "api.cleanup-status", "delete of carecert's "+path+" (clean-up)", http.StatusOK, http.StatusAccepted, http.StatusNoContent, http.StatusNotFound, http.StatusGone)
	}
	return status(ex, "api.delete-status", "delete of "+path, http.StatusOK, http.StatusAccepted, http.StatusNoContent)
}

// orUndeclared judges the undeclared requests of an interaction as such and
// every other request with j: one rule for every interaction carecert tries
// undeclared (vread, history, search, create, update, patch, delete).
func orUndeclared(j judge) judge {
	return func(ex *fhirclient.Exchange) []model.Finding {
		if ex.Step == fhirclient.StepUndeclared {
			return undeclared(ex, ex.Method+" "+ex.Label+", which the CapabilityStatement does not declare for "+ex.Type)
		}
		return j(ex)
	}
}

// undeclared judges an interaction the CapabilityStatement does not declare:
// doing it contradicts the statement; R4's RESTful API page has a server
// refuse it with 405 Method Not Allowed and, as every error, an
// OperationOutcome. Another refusal is only a warning.
func undeclared(ex *fhirclient.Exchange, what string) []model.Finding {
	if f := answered(ex, what); f != nil {
		return f
	}
	switch {
	case ex.Status >= 200 && ex.Status < 300:
		return fail(ex, "api.undeclared-done", "%s returned HTTP %d: the server does what its CapabilityStatement says it does not", what, ex.Status)
	case ex.Status == http.StatusMethodNotAllowed:
		return outcomeWith(ex, "api.undeclared", what, http.StatusMethodNotAllowed)
	case ex.Status >= 400 && ex.Status < 500 || ex.Status == http.StatusNotImplemented:
		return []model.Finding{finding(ex, model.Warning, "api.undeclared-status", "%s was refused with HTTP %d; a server SHOULD answer 405 Method Not Allowed", what, ex.Status)}
	}
	return status(ex, "api.undeclared-status", what, http.StatusMethodNotAllowed)
}

// gone judges the read after a delete (named by kind) that was answered
// as done: 410 or 404 with an OperationOutcome; the resource itself is the
// finding ignored names.
func gone(ex *fhirclient.Exchange, what, ignored, kind string) []model.Finding {
	if f := answered(ex, what); f != nil {
		return f
	}
	if ex.Status == http.StatusOK {
		return fail(ex, ignored, "%s returned HTTP 200 and the resource: the %s was answered but not done", what, kind)
	}
	return outcomeWith(ex, "api.deleted", what, http.StatusGone, http.StatusNotFound)
}

// versionUpdate judges updates with If-Match: the current version is
// accepted, a stale one refused with 412.
func versionUpdate(ex *fhirclient.Exchange) []model.Finding {
	what := fmt.Sprintf("update %s/%s with If-Match version %s", ex.Type, ex.ID, ex.VersionID)
	if ex.Step == "stale" {
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status != http.StatusPreconditionFailed {
			return fail(ex, "api.if-match-ignored", "%s, no longer the current one, returned HTTP %d, want 412 Precondition Failed (a lost update)", what, ex.Status)
		}
		return nil
	}
	if f := status(ex, "api.if-match-status", what+", the current one", http.StatusOK); f != nil {
		return f
	}
	return versionMoved(ex, what)
}

// conditional judges a create with If-None-Exist matching one resource
// (the server must make none and answer 200) and an update by a search
// matching one (that resource is updated).
func conditional(ex *fhirclient.Exchange) []model.Finding {
	path := ex.Type + "/" + ex.ID
	switch ex.Step {
	case "delete-match":
		return status(ex, "api.conditional-status", "delete "+ex.Label+", which matches "+path, http.StatusOK, http.StatusAccepted, http.StatusNoContent)
	case "delete-gone":
		return gone(ex, "read of "+path+" after its conditional delete", "api.conditional-delete-ignored", "conditional delete")
	}
	if ex.Step == "create-match" {
		what := "create " + ex.Label
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status == http.StatusCreated {
			return fail(ex, "api.conditional-duplicate", "%s, which matches %s, returned 201 Created: a duplicate was made, want 200 and no new resource", what, path)
		}
		if f := status(ex, "api.conditional-status", what, http.StatusOK); f != nil {
			return f
		}
		if id := fhir.ID(ex.Resource); ex.ResourceType() == ex.Type && id != ex.ID {
			return fail(ex, "api.conditional-duplicate", "%s, which matches %s, returned %s/%s", what, path, ex.Type, id)
		}
		return nil
	}
	what := "update " + ex.Label
	if f := status(ex, "api.conditional-status", what, http.StatusOK); f != nil {
		return f
	}
	if ex.Resource != nil && ex.ResourceType() == ex.Type && fhir.ID(ex.Resource) != ex.ID {
		return fail(ex, "api.conditional-mismatch", "%s, which matches only %s, updated %s/%s", what, path, ex.Type, fhir.ID(ex.Resource))
	}
	return nil
}

// patch judges PATCH of carecert's resource: a patch in a declared
// format is applied (200 or 204; the answer's language is the one it set,
// and the version moves on, as an update's); one whose test operation
// fails is refused whole, with an OperationOutcome. A JSON Patch sent to a
// server that declares no patchFormat and refused with 415 is not judged.
func patch(ex *fhirclient.Exchange) []model.Finding {
	what := "patch " + ex.Label
	switch ex.Step {
	case "test-fails", "nested-bad":
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status >= 200 && ex.Status <= 299 {
			if ex.Step == "nested-bad" {
				return fail(ex, "api.patch-bad-applied", "%s returned HTTP %d: a patch with an operation that cannot be applied must be refused whole", what, ex.Status)
			}
			return fail(ex, "api.patch-test-ignored", "%s returned HTTP %d: a patch whose test operation fails must not be applied", what, ex.Status)
		}
		return outcomeWith(ex, "api.patch-refused", what, http.StatusBadRequest, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity)
	case "read-after":
		return patchResult(ex)
	case "nested-add", "nested-change":
		if f := status(ex, "api.patch-status", what, http.StatusOK, http.StatusNoContent); f != nil {
			return f
		}
		if ex.Resource != nil && (ex.ResourceType() != ex.Type || fhir.ID(ex.Resource) != ex.ID) {
			return fail(ex, "api.patch-mismatch", "%s returned %s with id %q", what, describe(ex), fhir.ID(ex.Resource))
		}
		if ex.Resource == nil && ex.Header("etag") == "" {
			return nil // 204 without an ETag: the read after it judges the change
		}
		return versionMoved(ex, what)
	}
	if ex.Step == "json-patch-guess" && ex.Status == http.StatusUnsupportedMediaType {
		return notJudged(ex, what+" was refused with 415, and the statement declares no patchFormat to say which it takes")
	}
	if f := status(ex, "api.patch-status", what, http.StatusOK, http.StatusNoContent); f != nil {
		return f
	}
	if ex.Resource == nil {
		return nil // 204: nothing to compare
	}
	if ex.ResourceType() != ex.Type || fhir.ID(ex.Resource) != ex.ID {
		return fail(ex, "api.patch-mismatch", "%s returned %s with id %q", what, describe(ex), fhir.ID(ex.Resource))
	}
	if got := str(ex.Resource, "language"); got != ex.Expect {
		return fail(ex, "api.patch-ignored", "%s returned language %q, want %q: the patch was not applied", what, got, ex.Expect)
	}
	return versionMoved(ex, what)
}

// patchResult judges the read of carecert's resource after a patch: it
// must be as the patch leaves it (ex.JSON), meta and narrative aside, so
// that a patch applied in part, applied elsewhere or refused but kept in
// part is told from one applied exactly.
func patchResult(ex *fhirclient.Exchange) []model.Finding {
	what := "read of " + ex.Type + "/" + ex.ID + " after the " + ex.Expect
	if f := status(ex, "api.patch-status", what, http.StatusOK); f != nil {
		return f
	}
	if ex.JSON == nil {
		return notJudged(ex, what+": carecert kept no copy to compare with")
	}
	if path := firstDifference(comparable(ex.Resource), comparable(ex.JSON), ""); path != "" {
		return []model.Finding{at(finding(ex, model.Error, "api.patch-result", "%s: %s is not as the patch leaves it (the resource before it, with exactly the patch's change)", what, path), path)}
	}
	return nil
}

// bundleInteraction judges batch and transaction Bundles: the response
// Bundle's type and one entry per request with the status each must give;
// a transaction with an invalid entry fails whole, and nothing of it stays.
func bundleInteraction(ex *fhirclient.Exchange) []model.Finding {
	switch ex.Step {
	case "bad":
		what := ex.Label
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status < 400 {
			return fail(ex, "api.transaction-accepted", "%s returned HTTP %d: a transaction with an invalid entry must fail as a whole (4xx or 5xx)", what, ex.Status)
		}
		if ex.ResourceType() != "OperationOutcome" {
			return fail(ex, "api.transaction-outcome", "%s returned HTTP %d with %s, want an OperationOutcome", what, ex.Status, describe(ex))
		}
		return nil
	case "rolled-back":
		what := "read of " + ex.Type + "/" + ex.ID + ", the first entry of the refused transaction"
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status == http.StatusOK {
			return fail(ex, "api.transaction-partial", "%s returned HTTP 200: the transaction was refused but its first entry was committed (not all-or-nothing)", what)
		}
		if ex.Status != http.StatusNotFound && ex.Status != http.StatusGone {
			return fail(ex, "api.transaction-partial", "%s returned HTTP %d, want 404 (nothing of a refused transaction exists)", what, ex.Status)
		}
		return nil
	}
	kind := ex.Interaction
	what := kind + " " + strings.TrimPrefix(ex.Label, kind+": ")
	if f := okBundle(ex, "api."+kind+"-status", "api."+kind+"-response", what, kind+"-response"); f != nil {
		return f
	}
	es := entries(ex.Resource)
	if len(es) != len(ex.Want) {
		return fail(ex, "api."+kind+"-response", "%s returned %d entries for %d requests: a response Bundle has one entry per request, in order", what, len(es), len(ex.Want))
	}
	var out []model.Finding
	for i, e := range es {
		resp, _ := e["response"].(map[string]any)
		got := str(resp, "status")
		code, _, _ := strings.Cut(strings.TrimSpace(got), " ")
		if !slices.Contains(strings.Split(ex.Want[i], "|"), code) {
			out = append(out, at(finding(ex, model.Error, "api."+kind+"-entry", "%s: entry %d has response.status %q, want %s", what, i, got, strings.ReplaceAll(ex.Want[i], "|", " or ")),
				fmt.Sprintf("Bundle.entry[%d].response.status", i)))
		}
	}
	return out
}

// historySince judges a type history asked for since an instant: the
// change it was taken from is there, and no entry is older.
func historySince(ex *fhirclient.Exchange) []model.Finding {
	what := "history " + ex.Label
	if f := okBundle(ex, "api.history-status", "api.history-bundle", what, "history"); f != nil {
		return f
	}
	since, err := fhirclient.ParseInstant(ex.Since)
	if err != nil {
		return notJudged(ex, what+": the _since carecert took from the server's meta.lastUpdated is not an instant: "+err.Error())
	}
	var out []model.Finding
	found := false
	for i, e := range entries(ex.Resource) {
		res, _ := e["resource"].(map[string]any)
		if res == nil {
			continue // a delete has no resource
		}
		found = found || fhir.ResourceType(res)+"/"+fhir.ID(res) == ex.Expect
		lu := str(meta(res), "lastUpdated")
		t, err := fhirclient.ParseInstant(lu)
		if err == nil && t.Before(since) {
			out = append(out, at(finding(ex, model.Error, "api.history-since", "%s: entry %d, %s/%s, was last updated %s, before _since", what, i, fhir.ResourceType(res), fhir.ID(res), lu),
				fmt.Sprintf("Bundle.entry[%d].resource.meta.lastUpdated", i)))
			if len(out) == 5 {
				break
			}
		}
	}
	if !found && !nextLink(ex.Resource) {
		out = append(out, finding(ex, model.Error, "api.history-since-missing", "%s does not hold %s, changed at %s", what, ex.Expect, ex.Since))
	}
	return out
}

// contentErrors judges creates the server must refuse: a body in a media
// type FHIR does not define (415) and an invalid resource (400 or 422 with
// an OperationOutcome).
func contentErrors(ex *fhirclient.Exchange) []model.Finding {
	what := "create " + ex.Label
	if ex.Step == "media-type" {
		if f := answered(ex, what); f != nil {
			return f
		}
		if ex.Status != http.StatusUnsupportedMediaType {
			return fail(ex, "api.media-type", "%s returned HTTP %d, want 415 Unsupported Media Type", what, ex.Status)
		}
		return nil
	}
	if f := answered(ex, what); f != nil {
		return f
	}
	if ex.Status >= 200 && ex.Status <= 299 {
		return fail(ex, "api.invalid-accepted", "%s returned HTTP %d: an invalid resource was accepted, want 400 or 422 with an OperationOutcome", what, ex.Status)
	}
	return outcomeWith(ex, "api.invalid-resource", what, http.StatusBadRequest, http.StatusUnprocessableEntity)
}
