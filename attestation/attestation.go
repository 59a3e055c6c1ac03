// Package attestation records an assessor's decision on a manual requirement
// of a recorded run (a witnessed demonstration, a screenshot, a signed
// declaration): the outcome, who decided, when, and the evidence file. The
// run is then re-graded under its own policy, so the verdict treats the
// requirement as it treats any requirement a check decided. The portal
// (carecert serve) and carecert attest both call Attest; Report gives a run's
// report as it now stands.
package attestation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/policy"
)

// Request is one attestation as an assessor gives it.
type Request struct {
	RunID int64
	// Requirement is "suite/REQ", or "REQ" when one suite of the run has it.
	Requirement string
	// Outcome is pass or fail.
	Outcome model.Outcome
	By      string
	Note    string
	// At is when the assessor decided; zero means now.
	At time.Time
	// EvidenceName is the evidence file's name (its base name is kept).
	EvidenceName string
	Evidence     []byte
}

// ErrInvalid marks a request that is wrong (as opposed to a history that
// failed): the portal answers it with 4xx, carecert attest with exit 2.
var ErrInvalid = errors.New("invalid attestation")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Attest records req in store and re-grades the run under pol, which must be
// the policy the run was graded under (nil: the default policy, all-shall).
// It returns the run's report as re-graded.
func Attest(ctx context.Context, store *history.Store, pol policy.Policy, req Request) (*model.Report, error) {
	switch {
	case req.Outcome != model.Pass && req.Outcome != model.Fail:
		return nil, invalid("outcome %q: an attestation is pass or fail", req.Outcome)
	case strings.TrimSpace(req.By) == "":
		return nil, invalid("who attests is required (the assessor's name)")
	case strings.TrimSpace(req.EvidenceName) == "" || len(req.Evidence) == 0:
		return nil, invalid("an attestation rests on an evidence file, and %q is empty or missing", req.EvidenceName)
	}
	if pol == nil {
		pol = policy.AllShall{}
	}
	rep, err := storedReport(ctx, store, req.RunID)
	if err != nil {
		return nil, err
	}
	if rep.Verdict.Policy != pol.Name() {
		return nil, invalid("run %d was graded under the policy %q, not %q: give the policy the run was graded under (carecert attest --policy FILE)", req.RunID, rep.Verdict.Policy, pol.Name())
	}
	suite, id, err := manualRequirement(rep, req.RunID, req.Requirement)
	if err != nil {
		return nil, err
	}
	at := req.At
	if at.IsZero() {
		at = time.Now()
	}
	sum := sha256.Sum256(req.Evidence)
	a := history.Attestation{RunID: req.RunID, Suite: suite, Requirement: id, Outcome: req.Outcome, By: strings.TrimSpace(req.By),
		At: at.UTC().Truncate(time.Microsecond), Note: strings.TrimSpace(req.Note), EvidenceName: filepath.Base(req.EvidenceName),
		EvidenceSHA256: hex.EncodeToString(sum[:]), Evidence: req.Evidence}
	earlier, err := store.Attestations(ctx, req.RunID)
	if err != nil {
		return nil, err
	}
	all := []history.Attestation{a}
	for _, e := range earlier {
		if e.Suite != suite || e.Requirement != id {
			all = append(all, e)
		}
	}
	Apply(rep, all)
	policy.Regrade(rep, pol)
	if err := store.Attest(ctx, a, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// Report returns a recorded run's report as it now stands: its report.json
// with the attestations recorded since applied, and the verdict they led to.
func Report(ctx context.Context, store *history.Store, runID int64) (*model.Report, error) {
	atts, err := store.Attestations(ctx, runID)
	if err != nil {
		return nil, err
	}
	return ReportWith(ctx, store, runID, atts)
}

// ReportWith is Report for a caller that has just read the run's
// attestations (store.Attestations) for its own use, so they are not read
// twice.
func ReportWith(ctx context.Context, store *history.Store, runID int64, atts []history.Attestation) (*model.Report, error) {
	rep, err := storedReport(ctx, store, runID)
	if err != nil {
		return nil, err
	}
	Apply(rep, atts)
	v, err := store.Verdict(ctx, runID)
	if err != nil {
		return nil, err
	}
	if v != nil {
		rep.Verdict = *v
	}
	return rep, nil
}

// Apply sets the result of each attested manual requirement, on every
// target, to the attestation's outcome, and recounts the summary. Results a
// check decided are never changed.
func Apply(rep *model.Report, atts []history.Attestation) {
	for _, a := range atts {
		for ti := range rep.Targets {
			for ri := range rep.Targets[ti].Results {
				res := &rep.Targets[ti].Results[ri]
				if res.Check != check.Manual || res.Suite != a.Suite || res.Requirement != a.Requirement {
					continue
				}
				res.Outcome = a.Outcome
				res.Message = fmt.Sprintf("attested %s by %s on %s", a.Outcome, a.By, a.At.UTC().Format("2006-01-02 15:04 UTC"))
				if a.Note != "" {
					res.Message += ": " + a.Note
				}
				res.Attestation = &model.Attestation{By: a.By, At: a.At, Note: a.Note, Evidence: a.EvidenceName, EvidenceSHA256: a.EvidenceSHA256}
			}
		}
	}
	rep.Summarize()
}

// manualRequirement finds the manual requirement ref names in rep.
func manualRequirement(rep *model.Report, runID int64, ref string) (suite, id string, err error) {
	wantSuite, wantID, qualified := strings.Cut(ref, "/")
	if !qualified {
		wantSuite, wantID = "", ref
	}
	manual := map[string]bool{}
	matches := map[string]*model.Result{}
	for ti := range rep.Targets {
		for ri := range rep.Targets[ti].Results {
			res := &rep.Targets[ti].Results[ri]
			key := res.Suite + "/" + res.Requirement
			if res.Check == check.Manual {
				manual[key] = true
			}
			if res.Requirement == wantID && (wantSuite == "" || res.Suite == wantSuite) {
				matches[key] = res
			}
		}
	}
	names := func(m map[string]bool) string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		if len(out) == 0 {
			return "none"
		}
		return strings.Join(out, ", ")
	}
	switch len(matches) {
	case 0:
		return "", "", invalid("run %d has no requirement %s (its manual requirements: %s)", runID, ref, names(manual))
	case 1:
	default:
		found := map[string]bool{}
		for k := range matches {
			found[k] = true
		}
		return "", "", invalid("%s is in several suites of run %d (%s): name one as suite/%s", ref, runID, names(found), ref)
	}
	for key, res := range matches {
		if res.Check != check.Manual {
			return "", "", invalid("%s is decided by the check %s, not by an assessor: only manual requirements are attested (run %d's: %s)", key, res.Check, runID, names(manual))
		}
		suite, id = res.Suite, res.Requirement
	}
	return suite, id, nil
}

// storedReport reads the report.json a run was recorded from: stored with a
// submitted run, or the file a local run recorded, which must still have the
// SHA-256 it was recorded with.
func storedReport(ctx context.Context, store *history.Store, runID int64) (*model.Report, error) {
	run, err := store.RunByID(ctx, runID)
	if errors.Is(err, history.ErrNotFound) {
		return nil, invalid("%v", err)
	}
	if err != nil {
		return nil, err
	}
	submitted, err := store.HasFiles(ctx, runID)
	if err != nil {
		return nil, err
	}
	if submitted {
		f, err := store.File(ctx, runID, run.ReportPath)
		if err != nil {
			return nil, err
		}
		return reports.DecodeJSON(fmt.Sprintf("run %d %s", runID, run.ReportPath), f.Data)
	}
	if run.ReportPath == "" {
		return nil, invalid("run %d was recorded without its report file, which an attestation re-grades", runID)
	}
	data, err := os.ReadFile(run.ReportPath)
	if err != nil {
		return nil, invalid("run %d's report cannot be read: %v", runID, err)
	}
	if sum := sha256.Sum256(data); run.ReportSHA256 != "" && hex.EncodeToString(sum[:]) != run.ReportSHA256 {
		return nil, invalid("run %d's report %s changed since the run was recorded (its SHA-256 differs)", runID, run.ReportPath)
	}
	return reports.DecodeJSON(run.ReportPath, data)
}
