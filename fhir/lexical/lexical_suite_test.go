package lexical_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestLexical(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fhir/lexical")
}
