package testreport_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestTestreport(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "reports/testreport")
}
