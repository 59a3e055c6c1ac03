package yamlfile_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/yamlfile"
)

// laughs is a "billion laughs" document: levels of ten aliases each.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < levels; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", ")
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, refs)
	}
	return b.String()
}

var _ = Describe("alias expansion", func() {
	It("refuses an alias bomb before decoding it, naming the alias where the count passed the limit", func() {
		var v map[string]any
		_, err := yamlfile.Decode("plan.yaml", []byte(laughs(9)), &v)
		Expect(err).To(MatchError(ContainSubstring("plan.yaml:6:")))
		Expect(err).To(MatchError(ContainSubstring("alias bomb")))
		Expect(v).To(BeNil())
	})

	It("accepts aliases that expand to a reasonable size", func() {
		var v map[string]any
		_, err := yamlfile.Decode("plan.yaml", []byte(laughs(4)), &v)
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(HaveKey("l3"))
		Expect(yamlfile.CheckAliases("policy.yaml", []byte(laughs(4)))).To(Succeed())
		Expect(yamlfile.CheckAliases("policy.yaml", []byte(laughs(7)))).To(MatchError(ContainSubstring("policy.yaml:")))
	})
})
