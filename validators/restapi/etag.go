package restapi

import (
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// etagAgrees judges an answer that gives one resource with both an ETag
// and a meta.versionId: R4's RESTful API page has the ETag carry the
// versionId (as a weak ETag), and a client builds its If-Match from it, so
// an ETag naming another version leads to refused or lost updates. Reads,
// vreads, creates, updates and patches are judged by it alike.
func etagAgrees(ex *fhirclient.Exchange, what string) []model.Finding {
	etag := ex.Header("etag")
	v := str(meta(ex.Resource), "versionId")
	if etag == "" || v == "" || fhirclient.ETagVersion(etag) == v {
		return nil
	}
	return fail(ex, "api.etag-version", "%s has ETag %s but meta.versionId %q: the ETag must carry the version the body has", what, etag, v)
}
