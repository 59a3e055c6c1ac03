package fhirxml_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFHIRXML(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fhirxml")
}
