package hl7v2_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestHL7v2(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "hl7v2")
}
