package narrative_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestNarrative(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "narrative")
}
