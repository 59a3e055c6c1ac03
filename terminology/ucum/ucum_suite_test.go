package ucum_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestUCUM(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ucum")
}
