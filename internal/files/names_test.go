package files_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/files"
)

var _ = Describe("the file names each target family reads", func() {
	DescribeTable("are told apart by extension, in any case, plain or gzip",
		func(name string, fhir, v2, table bool) {
			Expect([]bool{files.IsFHIR(name), files.IsHL7v2(name), files.IsTable(name)}).To(Equal([]bool{fhir, v2, table}))
		},
		Entry("a JSON resource", "patient.json", true, false, false),
		Entry("gzip NDJSON", "Patient.NDJSON.GZ", true, false, false),
		Entry("JSON lines", "feed.jsonl", true, false, false),
		Entry("XML", "bundle.Xml", true, false, false),
		Entry("an XML schema", "fhir.xsd", false, false, false),
		Entry("ER7", "adt.hl7", false, true, false),
		Entry("gzip ER7", "batch.ER7.gz", false, true, false),
		Entry("a CSV table", "patients.csv", false, false, true),
		Entry("a gzip TSV table", "codes.tsv.gz", false, false, true),
		Entry("plain text", "notes.txt", false, false, false),
		Entry("a gzip file of nothing known", "dump.gz", false, false, false),
	)
})
