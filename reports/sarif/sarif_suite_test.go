package sarif_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSarif(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "reports/sarif")
}
