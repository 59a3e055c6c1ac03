package fhir_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
)

var _ = DescribeTable("which Bundle entries are records of their own",
	func(path string, record bool) {
		Expect(fhir.EntryIsRecord(path)).To(Equal(record))
	},
	Entry("an entry of the record's Bundle", "Bundle.entry[0].resource", true),
	Entry("a later entry", "Bundle.entry[12].resource", true),
	Entry("something inside an entry", "Bundle.entry[0].resource.contained[0]", false),
	Entry("an entry of a parameter's Bundle", "Parameters.parameter[0].resource.entry[0].resource", false),
	Entry("an entry of a contained Bundle", "Basic.contained[0].entry[0].resource", false),
	Entry("a Bundle's outcome", "Bundle.entry[0].response.outcome", false),
	Entry("the record's Bundle itself", "Bundle", false),
)
