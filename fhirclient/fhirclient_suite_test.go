package fhirclient_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFHIRClient(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fhirclient")
}
