package livefhir_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestLiveFHIR(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "livefhir")
}
