package r4core_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestR4core(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "r4core")
}
