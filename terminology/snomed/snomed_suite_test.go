package snomed_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSNOMED(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "terminology/snomed")
}
