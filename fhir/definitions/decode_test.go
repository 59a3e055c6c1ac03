package definitions_test

import (
	"bytes"
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/r4core"
)

// The registry reads a definition whose elements hold no fixed[x],
// pattern[x], minValue[x] or maxValue[x] in one pass, without
// ElementDefinition.UnmarshalJSON; it must read exactly what that reads.
var _ = Describe("reading a StructureDefinition", func() {
	usual := func(raw []byte) *definitions.StructureDefinition {
		var sd definitions.StructureDefinition
		Expect(json.Unmarshal(raw, &sd)).To(Succeed())
		return &sd
	}

	It("reads every core definition as ElementDefinition.UnmarshalJSON does", func() {
		n, single := 0, 0
		for _, file := range []string{r4core.ProfilesResources, r4core.ProfilesTypes, r4core.ProfilesOthers, r4core.ExtensionDefs} {
			list, err := r4core.Resources(file)
			Expect(err).NotTo(HaveOccurred())
			for _, res := range list {
				if res.ResourceType != "StructureDefinition" {
					continue
				}
				raw, err := res.Bytes()
				Expect(err).NotTo(HaveOccurred())
				sd, err := definitions.DecodeStructureDefinition(raw)
				Expect(err).NotTo(HaveOccurred())
				Expect(sd).To(Equal(usual(raw)), res.Source())
				n++
				if !bytes.Contains(raw, []byte(`"fixed`)) && !bytes.Contains(raw, []byte(`"pattern`)) && !bytes.Contains(raw, []byte(`"minValue`)) && !bytes.Contains(raw, []byte(`"maxValue`)) {
					single++ // read in the single pass
				}
			}
		}
		Expect(n).To(BeNumerically(">", 600))
		Expect(single).To(BeNumerically(">", 200))
	})

	It("keeps fixed, pattern and bound values, and empty or absent element lists", func() {
		for _, raw := range []string{
			`{"resourceType":"StructureDefinition","url":"http://x/a","snapshot":{"element":[{"path":"Quantity.value","minValueDecimal":1.50,"patternCode":"mg"}]}}`,
			`{"resourceType":"StructureDefinition","url":"http://x/b","snapshot":{"element":[{"path":"Coding.system","fixedUri":"http://loinc.org"}]}}`,
			`{"resourceType":"StructureDefinition","url":"http://x/c","snapshot":{"element":[]},"differential":{}}`,
			`{"resourceType":"StructureDefinition","url":"http://x/d","snapshot":null}`,
		} {
			sd, err := definitions.DecodeStructureDefinition([]byte(raw))
			Expect(err).NotTo(HaveOccurred())
			Expect(sd).To(Equal(usual([]byte(raw))), raw)
		}
		sd, err := definitions.DecodeStructureDefinition([]byte(`{"snapshot":{"element":[{"path":"Quantity.value","minValueDecimal":1.50}]}}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(sd.Snapshot.Element[0].MinValue).To(Equal(json.Number("1.50")))
	})

	It("words an error as the usual reading does", func() {
		raw := []byte(`{"resourceType":"StructureDefinition","snapshot":{"element":[{"path":7}]}}`)
		_, err := definitions.DecodeStructureDefinition(raw)
		Expect(err).To(HaveOccurred())
		var sd definitions.StructureDefinition
		Expect(err).To(MatchError(json.Unmarshal(raw, &sd).Error()))
	})
})
