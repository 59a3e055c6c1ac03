package spelling_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSpelling(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "spelling")
}
