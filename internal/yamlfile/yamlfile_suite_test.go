package yamlfile_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestYAMLFile(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "yamlfile")
}
