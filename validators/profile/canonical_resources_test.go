package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("only canonical resources are known by their url", func() {
	const ns = "http://carecert.test/StructureDefinition/"
	e := newEngine(extensionDef(ns+"on-canonical", "element", "CanonicalResource"))

	DescribeTable("a relative url is an error on a canonical resource only",
		func(src string, want []string) {
			Expect(pathsOf(validate(e, src), model.Error, profile.CodeFormat)).To(ConsistOf(want))
		},
		Entry("a ValueSet", `{"resourceType": "ValueSet", "url": "ValueSet/local", "status": "draft"}`, []string{"ValueSet.url"}),
		Entry("a Questionnaire", `{"resourceType": "Questionnaire", "url": "forms/intake", "status": "draft"}`, []string{"Questionnaire.url"}),
		Entry("a MessageDefinition", `{"resourceType": "MessageDefinition", "url": "msg/admit", "status": "draft", "date": "2024-01-01", "eventCoding": {"system": "http://example.org/events", "code": "admit"}}`,
			[]string{"MessageDefinition.url"}),
		Entry("a Device, whose url is a network address", `{"resourceType": "Device", "url": "devices/pump-7"}`, []string{}),
		Entry("a Contract, whose url is a basal definition", `{"resourceType": "Contract", "url": "contracts/base"}`, []string{}),
	)

	It("does not judge a Device's #url as a definition's canonical URL", func() {
		found := validate(e, `{"resourceType": "Device", "id": "d", "url": "#x"}`)
		Expect(pathsOf(found, model.Error, profile.CodeFormat)).To(BeEmpty())
		Expect(found).NotTo(ContainElement(HaveField("Severity", model.Error)))
	})

	It("takes CanonicalResource contexts for canonical resources, not for others that have a url", func() {
		ext := `[{"url": "` + ns + `on-canonical", "valueString": "x"}]`
		Expect(validate(e, `{"resourceType": "Library", "status": "draft", "type": {"text": "logic"}, "extension": `+ext+`}`)).To(BeEmpty())
		Expect(pathsOf(validate(e, `{"resourceType": "Device", "extension": `+ext+`}`), model.Error, profile.CodeExtension)).To(ConsistOf("Device.extension[0]"))
		Expect(pathsOf(validate(e, `{"resourceType": "Contract", "extension": `+ext+`}`), model.Error, profile.CodeExtension)).To(ConsistOf("Contract.extension[0]"))
	})
})
