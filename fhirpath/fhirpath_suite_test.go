package fhirpath_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFHIRPath(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fhirpath")
}
