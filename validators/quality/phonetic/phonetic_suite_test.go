package phonetic_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestPhonetic(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "validators/quality/phonetic")
}
