package fhirsearch_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFHIRSearch(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fhirsearch")
}
