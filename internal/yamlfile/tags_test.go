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

var _ = Describe("a field's position", func() {
	DescribeTable("is its nearest readable parent's when the path holds a key the YAML path syntax cannot read, never a panic",
		func(doc, path, parent string) {
			var v map[string]any
			f, err := yamlfile.Decode("plan.yaml", []byte(doc), &v)
			Expect(err).NotTo(HaveOccurred())
			l, c := f.Position(path)
			pl, pc := f.Position(parent)
			Expect(pl).To(BeNumerically(">", 0))
			Expect([]int{l, c}).To(Equal([]int{pl, pc}))
		},
		Entry("an index without its ] (the fuzzer's input)", "policy:\n 0000e[0:\n", "$.policy.0000e[0", "$.policy"),
		Entry("an index without its ] under a readable key", "name: A\npolicy:\n  rules: []\n  x[1: 2\n", "$.policy.x[1", "$.policy"),
	)
})
