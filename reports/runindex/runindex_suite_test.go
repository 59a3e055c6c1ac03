package runindex_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestRunindex(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "runindex")
}
