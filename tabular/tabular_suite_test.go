package tabular_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestTabular(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "tabular")
}
