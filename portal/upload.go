package portal

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/carecert/carecert/submission"
)

// upload takes a signed run folder (a tar or tar.gz) at submission.Route: a
// supplier for its own vendor only, an assessor for any registered vendor.
// Checking and storing it is package submission's job; this only decides
// who may, and how much it may send.
func (p *Server) upload(w http.ResponseWriter, r *http.Request) {
	u := callerOf(r).user
	opt := p.opt.Upload
	switch u.Role {
	case Supplier:
		opt.Vendor = u.Vendor
	case Assessor:
		opt.Vendor = ""
	default:
		p.fail(w, r, http.StatusForbidden, fmt.Sprintf("a %s reads runs; a supplier (for its own vendor) or an assessor submits them", u.Role))
		return
	}
	if p.opt.Keys == nil {
		p.fail(w, r, http.StatusServiceUnavailable, "this portal has no registered vendor keys (carecert serve --keys), so it takes no submissions")
		return
	}
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = submission.DefaultMaxBytes
	}
	// Refused before a byte is read when the client says how much it sends.
	if r.ContentLength > limit {
		submission.Respond(w, nil, &submission.Refusal{Code: submission.TooLarge,
			Reason: fmt.Sprintf("the upload is %d bytes; this portal takes at most %d", r.ContentLength, limit)})
		return
	}
	rec, err := submission.Ingest(r.Context(), p.store, p.opt.Keys, r.Body, opt)
	var refusal *submission.Refusal
	if err != nil && !errors.As(err, &refusal) {
		p.opt.Log.Printf("portal: submission by %s: %v", u.Name, err)
	}
	submission.Respond(w, rec, err)
}
