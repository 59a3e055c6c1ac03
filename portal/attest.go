package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/carecert/carecert/attestation"
	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/policy"
)

// maxEvidence bounds an attestation's evidence file (a screenshot, a scanned
// declaration, a short recording's still).
const maxEvidence = 32 << 20

// AttestReply is what an attestation through the API answers.
type AttestReply struct {
	RunID       int64          `json:"run_id"`
	Requirement string         `json:"requirement"`
	Outcome     model.Outcome  `json:"outcome"`
	Decision    model.Decision `json:"decision"`
	Reasons     []string       `json:"reasons"`
}

// attest records an assessor's outcome for a manual requirement of a run,
// with its evidence file (multipart form: requirement, outcome, note,
// evidence). Recording and re-grading are package attestation's job; this
// decides who may, and under which policy the run is re-graded.
func (p *Server) attest(w http.ResponseWriter, r *http.Request) {
	u := callerOf(r).user
	if u.Role != Assessor {
		p.fail(w, r, http.StatusForbidden, fmt.Sprintf("only an assessor attests; %s is a %s", u.Name, u.Role))
		return
	}
	run, err := p.readableRun(r)
	if err != nil {
		p.fail(w, r, http.StatusNotFound, err.Error())
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		p.fail(w, r, http.StatusBadRequest, "an attestation is a multipart form with an evidence file: "+err.Error())
		return
	}
	file, header, err := r.FormFile("evidence")
	if err != nil {
		p.fail(w, r, http.StatusUnprocessableEntity, "an attestation rests on an evidence file: none was sent")
		return
	}
	defer file.Close()
	evidence, err := io.ReadAll(file)
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "the evidence file could not be read: "+err.Error())
		return
	}
	pol, err := p.policyOf(run)
	if err != nil {
		p.fail(w, r, http.StatusUnprocessableEntity, err.Error())
		return
	}
	req := attestation.Request{RunID: run.ID, Requirement: r.FormValue("requirement"), Outcome: model.Outcome(r.FormValue("outcome")),
		By: u.Name, Note: r.FormValue("note"), At: p.opt.Now(), EvidenceName: header.Filename, Evidence: evidence}
	rep, err := attestation.Attest(r.Context(), p.store, pol, req)
	switch {
	case errors.Is(err, attestation.ErrInvalid):
		p.fail(w, r, http.StatusUnprocessableEntity, err.Error())
		return
	case err != nil:
		p.opt.Log.Printf("portal: attestation by %s on run %d: %v", u.Name, run.ID, err)
		p.fail(w, r, http.StatusInternalServerError, "the attestation could not be recorded: "+err.Error())
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusCreated, AttestReply{RunID: run.ID, Requirement: req.Requirement, Outcome: req.Outcome,
			Decision: rep.Verdict.Decision, Reasons: rep.Verdict.Reasons})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/runs/%d#attested", run.ID), http.StatusSeeOther)
}

// policyOf is the policy a run was graded under, by its name: the default,
// or one the portal was given (carecert serve --policy).
func (p *Server) policyOf(run history.Run) (policy.Policy, error) {
	known := append([]policy.Policy{policy.AllShall{}}, p.opt.Policies...)
	var names []string
	for _, pol := range known {
		if pol.Name() == run.Policy {
			return pol, nil
		}
		names = append(names, fmt.Sprintf("%q", pol.Name()))
	}
	return nil, fmt.Errorf("run %d was graded under the policy %q, which this portal was not given (it knows %s): start carecert serve with --policy naming the plan or policy file",
		run.ID, run.Policy, strings.Join(names, ", "))
}

// limitBody bounds a request's body before anything reads it.
func limitBody(limit int64, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next(w, r)
	}
}
