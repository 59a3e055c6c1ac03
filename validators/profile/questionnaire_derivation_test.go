package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// parentForm is the Questionnaire the derived forms of these specs derive
// from: a required, non-repeating string with a definition and a maxLength,
// a choice with listed options, and a choice taking a value set.
const parentForm = `{"resourceType": "Questionnaire", "id": "parent", "url": "http://example.org/Questionnaire/parent", "status": "active", "item": [
	{"linkId": "name", "text": "Name", "type": "string", "required": true, "maxLength": 40, "definition": "http://example.org/StructureDefinition/p#Patient.name"},
	{"linkId": "smoker", "text": "Smoker?", "type": "choice", "answerOption": [
		{"valueCoding": {"system": "http://example.org/cs", "code": "y", "display": "Yes"}},
		{"valueCoding": {"system": "http://example.org/cs", "code": "n", "display": "No"}}]},
	{"linkId": "lang", "text": "Language", "type": "choice", "answerValueSet": "http://hl7.org/fhir/ValueSet/languages"}]}`

// derivedForm derives from the parent with the derivation type given ("" for
// no extension) and the items given (JSON, comma-separated).
func derivedForm(derivation, items string) string {
	ext := ""
	if derivation != "" {
		ext = `, "_derivedFrom": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-derivationType",
			"valueCoding": {"system": "http://hl7.org/fhir/questionnaire-derivationType", "code": "` + derivation + `"}}]}]`
	}
	return `{"resourceType": "Questionnaire", "id": "child", "url": "http://example.org/Questionnaire/child", "status": "active",
		"derivedFrom": ["http://example.org/Questionnaire/parent"]` + ext + `, "item": [` + items + `]}`
}

const (
	keptName   = `{"linkId": "name", "text": "Name", "type": "string", "required": true, "maxLength": 30, "definition": "http://example.org/StructureDefinition/p#Patient.name"}`
	keptSmoker = `{"linkId": "smoker", "text": "Smoker?", "type": "choice", "answerOption": [{"valueCoding": {"system": "http://example.org/cs", "code": "y"}}]}`
	keptLang   = `{"linkId": "lang", "text": "Language", "type": "choice", "answerValueSet": "http://hl7.org/fhir/ValueSet/languages"}`
	newItem    = `{"linkId": "extra", "text": "Anything else?", "type": "text"}`
)

var _ = Describe("Questionnaire derivation", func() {
	e := newEngine(decoded(parentForm))
	findings := func(src string) []model.Finding { return questionnaireFindings(validate(e, src)) }

	It("accepts a form that keeps every item and only narrows it, under extends and compliesWith", func() {
		Expect(findings(derivedForm("extends", keptName+","+keptSmoker+","+keptLang+","+newItem))).To(BeEmpty())
		Expect(findings(derivedForm("compliesWith", keptName+","+keptSmoker+","+keptLang))).To(BeEmpty())
	})

	It("accepts anything from a form only inspired by its parent", func() {
		fs := questionnaireFindings(e.ValidateRecord(record(derivedForm("inspiredBy", newItem)), "", nil))
		Expect(fs).To(ConsistOf(at(model.Information, profile.CodeQuestionnaire, "Questionnaire.derivedFrom[0].extension")))
	})

	DescribeTable("rejects an item that widens its parent's",
		func(derivation, item, path string) {
			Expect(findings(derivedForm(derivation, item))).To(ConsistOf(at(model.Error, profile.CodeQuestionnaire, path)))
		},
		Entry("an item the parent lacks, under compliesWith", "compliesWith", newItem, "Questionnaire.item[0]"),
		Entry("another type", "extends", strings.Replace(keptName, `"string"`, `"text"`, 1), "Questionnaire.item[0].type"),
		Entry("repeating where the parent does not", "extends", strings.Replace(keptName, `"required": true`, `"required": true, "repeats": true`, 1), "Questionnaire.item[0].repeats"),
		Entry("no longer required", "extends", strings.Replace(keptName, `"required": true`, `"required": false`, 1), "Questionnaire.item[0].required"),
		Entry("a longer maxLength", "extends", strings.Replace(keptName, `30`, `80`, 1), "Questionnaire.item[0].maxLength"),
		Entry("no maxLength", "extends", strings.Replace(keptName, `"maxLength": 30, `, ``, 1), "Questionnaire.item[0]"),
		Entry("an option the parent lacks", "compliesWith", strings.Replace(keptSmoker, `"y"`, `"maybe"`, 1), "Questionnaire.item[0].answerOption[0]"),
		Entry("options dropped altogether", "extends", `{"linkId": "smoker", "text": "Smoker?", "type": "choice"}`, "Questionnaire.item[0]"),
		Entry("options turned into a value set", "extends", `{"linkId": "smoker", "text": "Smoker?", "type": "choice", "answerOption": [{"valueCoding": {"system": "http://example.org/cs", "code": "y"}}], "answerValueSet": "http://hl7.org/fhir/ValueSet/languages"}`, "Questionnaire.item[0].answerValueSet"),
		Entry("a value set turned into options", "extends", `{"linkId": "lang", "text": "Language", "type": "choice", "answerOption": [{"valueCoding": {"system": "urn:ietf:bcp:47", "code": "en"}}]}`, "Questionnaire.item[0].answerOption"),
	)

	It("is the same in XML", func() {
		xml := `<Questionnaire xmlns="http://hl7.org/fhir"><id value="child"/><url value="http://example.org/Questionnaire/child"/><status value="active"/>
			<derivedFrom value="http://example.org/Questionnaire/parent"><extension url="http://hl7.org/fhir/StructureDefinition/questionnaire-derivationType">
			<valueCoding><system value="http://hl7.org/fhir/questionnaire-derivationType"/><code value="compliesWith"/></valueCoding></extension></derivedFrom>
			<item><linkId value="name"/><text value="Name"/><type value="string"/><required value="true"/><maxLength value="60"/></item></Questionnaire>`
		fs := questionnaireFindings(validateXML(e, xml))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeQuestionnaire, "Questionnaire.item[0].maxLength")))
	})

	It("says so, as information, where a definition changes or a value set differs", func() {
		item := strings.Replace(keptName, `#Patient.name`, `#Patient.name.family`, 1) + "," + strings.Replace(keptLang, `languages`, `all-languages`, 1)
		fs := questionnaireFindings(e.ValidateRecord(record(derivedForm("extends", item)), "", nil))
		Expect(fs).To(ConsistOf(at(model.Information, profile.CodeQuestionnaire, "Questionnaire.item[0].definition"),
			at(model.Information, profile.CodeQuestionnaire, "Questionnaire.item[1].answerValueSet")))
	})

	DescribeTable("leaves the derivation not judged, with a warning, where it cannot be",
		func(src, code, path string) {
			Expect(findings(src)).To(ConsistOf(at(model.Warning, code, path)))
		},
		Entry("no derivation type", derivedForm("", newItem), profile.CodeQuestionnaire, "Questionnaire.derivedFrom[0]"),
		Entry("a derivation type FHIR does not define", derivedForm("copies", newItem), profile.CodeQuestionnaire, "Questionnaire.derivedFrom[0].extension"),
		Entry("a parent carecert does not hold", strings.Replace(derivedForm("compliesWith", newItem), "Questionnaire/parent", "Questionnaire/elsewhere", 1), profile.CodeQuestionnaireUnknown, "Questionnaire.derivedFrom[0]"),
	)

	It("finds the parent in the same Bundle", func() {
		bare := newEngine()
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/Questionnaire/parent", "resource": ` + parentForm + `},
			{"fullUrl": "http://example.org/Questionnaire/child", "resource": ` + derivedForm("compliesWith", newItem) + `}]}`)
		fs := questionnaireFindings(bare.ValidateRecord(entryRecord(bundle, 1), "", nil))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeQuestionnaire, "Questionnaire.item[0]")))
	})
})
