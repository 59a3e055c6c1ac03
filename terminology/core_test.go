package terminology_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/terminology"
)

// The engine parses core code systems from core.zip, which keeps only what
// it reads; it must read exactly what the published code system gives.
var _ = Describe("the slim core code systems", func() {
	It("are what go generate makes from fhir/r4core, and each parses as the published code system does", func() {
		made, err := terminology.SlimCore()
		Expect(err).NotTo(HaveOccurred())
		Expect(r4core.SameEntries(made, terminology.CoreArchive())).To(BeTrue(),
			"core.zip is stale: run go generate ./terminology after changing what the engine reads of a CodeSystem")
		n, fullBytes, slimBytes := 0, 0, 0
		bundles := []string{r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables}
		Expect(r4core.NewDerived(made).Each(bundles, func(res r4core.Resource, full, slim []byte) {
			if res.ResourceType != "CodeSystem" {
				return
			}
			Expect(slim).NotTo(BeNil(), res.Source())
			want, err := terminology.ParseCodeSystem(full, res.Source())
			Expect(err).NotTo(HaveOccurred())
			Expect(terminology.ParseCodeSystem(slim, res.Source())).To(Equal(want), res.Source())
			n++
			fullBytes += len(full)
			slimBytes += len(slim)
		})).To(Succeed())
		Expect(n).To(BeNumerically(">", 900))
		Expect(slimBytes * 3).To(BeNumerically("<", fullBytes))
	})

	It("keep a concept's code, display, designations, properties and children as written", func() {
		raw := []byte(`{"resourceType":"CodeSystem","url":"http://x/cs","text":{"div":"<div>long</div>"},"content":"complete",` +
			`"concept":[{"code":"a","display":"A & b","definition":"a long text","designation":[{"value":"<a>"}],` +
			`"property":[{"code":"status","valueCode":"retired"}],"concept":[{"code":"b","definition":"more","concept":[{"code":"c"}]}]}]}`)
		slim, err := terminology.Slim(raw)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(slim)).To(Equal(`{"concept":[{"code":"a","concept":[{"code":"b","concept":[{"code":"c"}]}],"designation":[{"value":"<a>"}],` +
			`"display":"A & b","property":[{"code":"status","valueCode":"retired"}]}],"content":"complete","resourceType":"CodeSystem","url":"http://x/cs"}`))
		want, err := terminology.ParseCodeSystem(raw, "x")
		Expect(err).NotTo(HaveOccurred())
		Expect(terminology.ParseCodeSystem(slim, "x")).To(Equal(want))
	})
})
