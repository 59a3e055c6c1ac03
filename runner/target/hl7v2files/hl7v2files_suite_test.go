package hl7v2files_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestHL7v2Files(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "runner/target/hl7v2files")
}
