package mllp_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestMLLP(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "mllp")
}
