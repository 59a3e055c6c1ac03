package yamlfile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/yamlfile"
)

// plan is the shape the tags are decoded into: a list where the decoder
// once panicked on a tagged scalar.
type plan struct {
	Name    string           `yaml:"name"`
	Targets []map[string]any `yaml:"targets"`
}

var _ = Describe("tagged values", func() {
	DescribeTable("a tag the decoder cannot read is an error at the tag, never a panic",
		func(doc, where string) {
			var p plan
			_, err := yamlfile.Decode("plan.yaml", []byte(doc), &p)
			Expect(err).To(MatchError(ContainSubstring(where)))
			Expect(err).To(MatchError(ContainSubstring("write the value without its tag")))
		},
		Entry("a local tag on a scalar where a list belongs", "name: A\ntargets: !00 00\n", "plan.yaml:2:10"),
		Entry("a core tag on a scalar where a list belongs", "name: A\ntargets: !!str 00\n", "plan.yaml:2:10"),
		Entry("a null tag where a list belongs", "name: A\ntargets: !!null\n", "plan.yaml:2:10"),
		Entry("the fuzzer's input", "A:\nvendor: \ntargets: !00 00\n000008:0000:00:", "plan.yaml:3:10"),
	)

	It("still reads tags the decoder understands", func() {
		var p plan
		_, err := yamlfile.Decode("plan.yaml", []byte("name: !!str A\ntargets: !!seq [{path: a.ndjson}]\n"), &p)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Name).To(Equal("A"))
		Expect(p.Targets).To(HaveLen(1))
	})
})
