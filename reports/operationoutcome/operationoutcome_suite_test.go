package operationoutcome_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestOperationOutcome(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "reports/operationoutcome")
}
