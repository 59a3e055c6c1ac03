package agreement_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestAgreement(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "agreement")
}
