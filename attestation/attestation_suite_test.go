package attestation_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/reports/reporttest"
)

// feeds generates the specs' reports, compiling the FHIR schema once.
var feeds = reporttest.New()

func TestAttestation(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "attestation")
}
