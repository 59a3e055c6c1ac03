package definitions_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
)

var _ = Describe("the vital sign an Observation's codings imply", func() {
	It("knows each sign by the LOINC code its core profile fixes on Observation.code", func() {
		for _, id := range definitions.VitalSignProfiles() {
			sd, err := core.StructureDefinition(definitions.CoreBase + id)
			Expect(err).NotTo(HaveOccurred(), id)
			var fixed []string
			for _, el := range sd.Snapshot.Element {
				if strings.HasPrefix(el.ID, "Observation.code.coding:") && strings.HasSuffix(el.ID, ".code") && el.Fixed != nil {
					fixed = append(fixed, el.Fixed.(string))
				}
			}
			Expect(fixed).NotTo(BeEmpty(), id)
			for _, code := range fixed {
				v := definitions.ImpliedVital{}.Then("http://loinc.org", code, nil)
				Expect(v.Profile).To(Equal(id), code)
			}
		}
	})

	pick := func(among func(string) bool, codings ...[2]string) definitions.ImpliedVital {
		var v definitions.ImpliedVital
		for _, c := range codings {
			v = v.Then(c[0], c[1], among)
		}
		return v
	}
	const loinc, sct = "http://loinc.org", "http://snomed.info/sct"
	DescribeTable("picks one sign: LOINC before SNOMED CT, then the reference's order, the earlier on a tie",
		func(among func(string) bool, codings [][2]string, profile, system, code string) {
			v := pick(among, codings...)
			Expect(v.Profile).To(Equal(profile))
			Expect([2]string{v.System, v.Code}).To(Equal([2]string{system, code}))
		},
		Entry("no sign", nil, [][2]string{{loinc, "2093-3"}}, "", "", ""),
		Entry("a sign's own code", nil, [][2]string{{loinc, "2093-3"}, {loinc, "29463-7"}}, "bodyweight", loinc, "29463-7"),
		Entry("a SNOMED CT code alone", nil, [][2]string{{sct, "27113001"}, {sct, "60621009"}}, "bmi", sct, "60621009"),
		Entry("a LOINC sign beats an earlier SNOMED CT one", nil, [][2]string{{sct, "86290005"}, {loinc, "39156-5"}}, "bmi", loinc, "39156-5"),
		Entry("an earlier sign in the order wins", nil, [][2]string{{loinc, "29463-7"}, {loinc, "8867-4"}}, "heartrate", loinc, "8867-4"),
		Entry("a tie goes to the earlier coding", nil, [][2]string{{loinc, "8867-4"}, {loinc, "8889-8"}}, "heartrate", loinc, "8867-4"),
		Entry("271306003 is respiratory rate", nil, [][2]string{{sct, "271306003"}}, "resprate", sct, "271306003"),
		Entry("a code in another system is none", nil, [][2]string{{"http://example.org", "8867-4"}}, "", "", ""),
		Entry("among leaves out the signs it refuses", func(id string) bool { return id != "vitalspanel" },
			[][2]string{{loinc, "85353-1"}, {loinc, "29463-7"}}, "bodyweight", loinc, "29463-7"),
	)
})
