package ukid_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestUKID(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ukid")
}
