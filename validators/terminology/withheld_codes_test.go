package terminology_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	coreterm "github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// A code R4 leaves out of the expansions drawn from its code system is not
// in a value set that includes it only by a filter or the whole system: an
// abstract concept (notSelectable: v3's "_" headings, item-type's question)
// and a deprecated one (status deprecated, a deprecationDate). Their
// descendants stay, as does a retired or inactive code (expanded, flagged,
// warned of) and a code the compose lists by name. R4's published
// expansions (hl7.fhir.r4.expansions 4.0.1) leave them out alike; before,
// carecert enumerated them, so data using them passed a required binding.
var _ = Describe("codes R4 withholds from an expansion", func() {
	const (
		v3ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
		v2_0916   = "http://terminology.hl7.org/CodeSystem/v2-0916"
		v2_0131   = "http://terminology.hl7.org/CodeSystem/v2-0131"
		itemType  = "http://hl7.org/fhir/item-type"
	)
	e := coreterm.NewCore(nil)
	DescribeTable("the terminology engine, against the value set",
		func(system, code, valueSet string, member bool) {
			res, err := e.ValidateCode(context.Background(), system, code, "", valueSet)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Membership == coreterm.Member).To(Equal(member), "%v", res.Issues)
		},
		Entry("an abstract v3 heading under an is-a filter of itself", v3ActCode, "_ActAccountCode", "http://hl7.org/fhir/ValueSet/account-type", false),
		Entry("its selectable child", v3ActCode, "CASH", "http://hl7.org/fhir/ValueSet/account-type", true),
		Entry("an abstract heading below the filter's root", v3ActCode, "_ActHealthInsuranceTypeCode", "http://hl7.org/fhir/ValueSet/coverage-type", false),
		Entry("an abstract code in a whole-system include", itemType, "question", "http://hl7.org/fhir/ValueSet/item-type", false),
		Entry("a child of that abstract code", itemType, "string", "http://hl7.org/fhir/ValueSet/item-type", true),
		Entry("an abstract v3 code without the underscore", v3ActCode, "ActTrustPolicyType", "http://terminology.hl7.org/ValueSet/v3-ActCode", false),
		Entry("a deprecated code (status, date) in a whole-system include", v2_0916, "FNA", "http://terminology.hl7.org/ValueSet/v2-0916", false),
		Entry("an active code beside it", v2_0916, "NF", "http://terminology.hl7.org/ValueSet/v2-0916", true),
		Entry("a deprecated code under a filter", v2_0131, "BP", "http://hl7.org/fhir/ValueSet/patient-contactrelationship", false),
		Entry("a retired code (status alone) stays: R4 expands it, flagged inactive", v3ActCode, "BOOSTER", "http://terminology.hl7.org/ValueSet/v3-ActCode", true),
		Entry("an abstract code a compose lists by name stays", v3ActCode, "_ActConsentType", "", true),
	)
})

// The same codes in data, against R4's own bindings, in each suite that
// judges the binding (the profile engine's binding check and the terminology
// suite's), wherever the resource arrives: a JSON or XML file, a Bundle's
// entry in either. The binding's strength makes a code outside the value set
// an error (required) or a warning (extensible).
var _ = Describe("codes R4 withholds from an expansion, in data", func() {
	reg := check.NewRegistry()
	structure.Register(reg)
	profile.Register(reg)
	terminology.Register(reg)
	bundle := func(res string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:6a3b1c52-0c0e-4c4e-9d6e-1f2a3b4c5d6e","resource":` + res + `}]}`
	}
	type placement struct {
		name, file, at string
		write          func(res string) string
	}
	placements := []placement{
		{"a JSON file", "r.json", "", func(r string) string { return r }},
		{"an XML file", "r.xml", "", toXML},
		{"a Bundle's entry", "b.json", "", bundle},
		{"a Bundle's entry, in XML", "b.xml", "", func(r string) string { return toXML(bundle(r)) }},
	}
	questionnaire := func(itemType string) string {
		return `{"resourceType":"Questionnaire","id":"q1","status":"active","item":[{"linkId":"1","text":"t","type":"` + itemType + `"}]}`
	}
	contact := func(system, code string) string {
		return `{"resourceType":"Patient","id":"p1","contact":[{"relationship":[{"coding":[{"system":"` + system + `","code":"` + code + `"}]}],"name":{"family":"Doe"}}]}`
	}
	consent := func(code string) string {
		return `{"resourceType":"Consent","id":"c1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},` +
			`"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"` + code + `"}]}],"policyRule":{"text":"p"}}`
	}
	const v2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"
	DescribeTable("the binding's findings (severity, code, path below the resource)",
		func(res string, want ...string) {
			dir := GinkgoT().TempDir()
			for _, p := range placements {
				path := filepath.Join(dir, p.file)
				Expect(os.WriteFile(path, []byte(p.write(res)), 0o644)).To(Succeed())
				rep := runWith(reg, []string{"fhir-r4-structure", "fhir-r4-profiles", suite}, path)
				got := []string{}
				for _, r := range rep.Targets[0].Results {
					for _, f := range r.Tally.Findings {
						if f.Code != "profile.binding" && f.Code != coreterm.IssueNotInValueSet {
							continue
						}
						_, below, _ := strings.Cut(f.Path, ".")
						got = append(got, f.Severity.String()+" "+f.Code+" "+below)
					}
				}
				sort.Strings(got)
				Expect(got).To(Equal(append([]string{}, want...)), p.name)
			}
		},
		Entry("required, abstract: Questionnaire.item.type question (item-type's heading)", questionnaire("question"),
			"error profile.binding item[0].type"),
		Entry("required, the abstract code's child: string", questionnaire("string")),
		Entry("extensible, abstract: Consent.category _ActConsentType (is-a filter's own root)", consent("_ActConsentType"),
			"warning profile.binding category[0]", "warning terminology.not-in-value-set category[0].coding[0]"),
		Entry("extensible, the abstract code's child: Consent.category IDSCL", consent("IDSCL")),
		Entry("extensible, deprecated: Patient.contact.relationship v2-0131 BP", contact(v2_0131, "BP"),
			"warning profile.binding contact[0].relationship[0]", "warning terminology.not-in-value-set contact[0].relationship[0].coding[0]"),
		Entry("extensible, an active code beside it: v2-0131 C", contact(v2_0131, "C")),
	)
})
