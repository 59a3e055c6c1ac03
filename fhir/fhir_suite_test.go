package fhir_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFHIR(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fhir")
}
