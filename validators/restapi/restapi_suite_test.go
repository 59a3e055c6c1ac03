package restapi_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestRESTAPI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "restapi")
}
