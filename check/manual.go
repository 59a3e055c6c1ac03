package check

import "github.com/carecert/carecert/model"

// Manual is the check type of a manual requirement: a witnessed
// demonstration, a screenshot or a signed declaration that an assessor
// decides (carecert attest) and no check can. Every registry knows it; it
// reads no record, so until attested its requirement is a skip awaiting
// attestation, never a pass.
const Manual = "manual"

// AwaitingAttestation is the message of a manual requirement not yet attested.
const AwaitingAttestation = "awaiting attestation"

type manual struct{}

func (manual) Applies(*model.Record) bool { return false }
func (manual) NewState() State            { return &manualState{} }

func (manual) Grade(*model.Tally) (model.Outcome, string) {
	return model.Skip, AwaitingAttestation
}

// manualState is empty; a pointer, so that a sharded run's part decodes it.
type manualState struct{}

func (*manualState) Observe(*model.Record) []model.Finding { return nil }
func (*manualState) Merge(State) error                     { return nil }
func (*manualState) Finish(*model.Tally)                   {}
