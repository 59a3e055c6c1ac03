package coded_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestCoded(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "coded")
}
