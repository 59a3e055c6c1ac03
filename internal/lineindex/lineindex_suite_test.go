package lineindex_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestLineIndex(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "internal/lineindex")
}
