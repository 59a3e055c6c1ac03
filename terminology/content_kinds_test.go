package terminology_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology"
)

// A value set that includes a whole code system held in part can prove a
// member only from a fragment that lists it: an example code system's
// concepts are illustrations (the reference validator judges no code by
// them), and a not-present one lists none. What cannot be decided is
// unknown, never in or out. Before this change an example code system's
// concept was a member.
var _ = Describe("membership of a value set over a code system held in part", func() {
	DescribeTable("is decided only where the content allows",
		func(content, code string, in, known bool) {
			e := terminology.New()
			concepts := `,"concept":[{"code":"a"}]`
			if content == "not-present" {
				concepts = ""
			}
			Expect(e.AddJSON([]byte(fmt.Sprintf(`{"resourceType":"CodeSystem","url":"http://acme.example/cs/k","status":"active","content":%q%s}`, content, concepts)), "cs.json")).To(Succeed())
			Expect(e.AddJSON([]byte(`{"resourceType":"ValueSet","url":"http://acme.example/vs/k","status":"active","compose":{"include":[{"system":"http://acme.example/cs/k"}]}}`), "vs.json")).To(Succeed())
			gotIn, gotKnown := e.Contains("http://acme.example/vs/k", "http://acme.example/cs/k", code)
			Expect([]bool{gotIn, gotKnown}).To(Equal([]bool{in, known}))
		},
		Entry("complete, present", "complete", "a", true, true),
		Entry("complete, absent", "complete", "zz", false, true),
		Entry("fragment, present", "fragment", "a", true, true),
		Entry("fragment, absent: unknown", "fragment", "zz", false, false),
		Entry("example, present: unknown", "example", "a", false, false),
		Entry("example, absent: unknown", "example", "zz", false, false),
		Entry("not-present: unknown", "not-present", "a", false, false),
	)
})
