package history_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/reports/reporttest"
)

// feeds generates the specs' reports, compiling the FHIR schema once.
var feeds = reporttest.New()

func TestHistory(t *testing.T) {
	// The crash spec runs this test binary as a writer process and kills it.
	if path := os.Getenv(writerEnv); path != "" {
		writeUntilKilled(path)
		return
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "history")
}
