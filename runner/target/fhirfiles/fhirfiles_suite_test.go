package fhirfiles_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFHIRFiles(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "runner/target/fhirfiles")
}
