package fixturefeed_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFixtureFeed(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "runner/target/fixturefeed")
}
