package profile_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// intake is a Questionnaire with one item of each kind the checks tell apart.
const intake = `{"resourceType": "Questionnaire", "url": "http://example.org/Questionnaire/intake", "version": "2.0", "status": "active",
  "item": [
    {"linkId": "smoker", "text": "Do you smoke?", "type": "boolean", "required": true},
    {"linkId": "packs", "text": "Packs a day", "type": "integer", "required": true,
     "enableWhen": [{"question": "smoker", "operator": "=", "answerBoolean": true}]},
    {"linkId": "colour", "text": "Favourite colours", "type": "choice", "repeats": true, "answerOption": [
      {"valueCoding": {"system": "http://example.org/colours", "code": "red"}},
      {"valueCoding": {"system": "http://example.org/colours", "code": "blue"}}]},
    {"linkId": "pet", "text": "Pet", "type": "open-choice", "answerOption": [{"valueString": "cat"}]},
    {"linkId": "note", "text": "Thank you", "type": "display"},
    {"linkId": "history", "text": "History", "type": "group", "item": [
      {"linkId": "history/onset", "text": "Onset", "type": "date", "required": true}]}]}`

// intakeResponse is a complete, correct response to intake; the specs below
// break one thing each.
const intakeResponse = `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/intake|2.0", "status": "completed",
  "item": [
    {"linkId": "smoker", "answer": [{"valueBoolean": true}]},
    {"linkId": "packs", "answer": [{"valueInteger": 2}]},
    {"linkId": "colour", "answer": [{"valueCoding": {"system": "http://example.org/colours", "code": "red"}},
                                    {"valueCoding": {"system": "http://example.org/colours", "code": "blue"}}]},
    {"linkId": "pet", "answer": [{"valueString": "dog"}]},
    {"linkId": "history", "item": [{"linkId": "history/onset", "answer": [{"valueDate": "2020-01-02"}]}]}]}`

// edit applies a change to intakeResponse and returns the JSON.
func edit(change func(qr map[string]any)) string {
	var qr map[string]any
	Expect(json.Unmarshal([]byte(intakeResponse), &qr)).To(Succeed())
	change(qr)
	out, err := json.Marshal(qr)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}

func items(m map[string]any) []any { return m["item"].([]any) }

func itemOf(m map[string]any, i int) map[string]any { return items(m)[i].(map[string]any) }

func decoded(src string) map[string]any {
	m, err := fhir.Decode([]byte(src))
	Expect(err).NotTo(HaveOccurred())
	return m
}

// saying matches a finding by severity, code, path and a part of its message.
func saying(sev model.Severity, code, path, message string) types.GomegaMatcher {
	return And(at(sev, code, path), WithTransform(func(f model.Finding) string { return f.Message }, ContainSubstring(message)))
}

// questionnaireFindings keeps the findings of the questionnaire checks.
func questionnaireFindings(fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == profile.CodeQuestionnaire || f.Code == profile.CodeQuestionnaireUnknown {
			out = append(out, f)
		}
	}
	return out
}

var _ = Describe("QuestionnaireResponse against its Questionnaire", func() {
	var e *profile.Engine
	BeforeEach(func() { e = newEngine(decoded(intake)) })

	It("finds nothing wrong with a response that fits its Questionnaire (versioned canonical, open-choice text, nested group)", func() {
		Expect(validate(e, intakeResponse)).To(BeEmpty())
	})

	It("reports a linkId the Questionnaire does not have, listing the ones expected there", func() {
		fs := validate(e, edit(func(qr map[string]any) { itemOf(qr, 3)["linkId"] = "pets" }))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[3]",
			"linkId 'pets' is not found in Questionnaire http://example.org/Questionnaire/intake|2.0 (expected here: 'smoker', 'packs', 'colour', 'pet', 'note', 'history')")))
	})

	It("reports an item nested where the Questionnaire does not have it, saying where it belongs", func() {
		fs := validate(e, edit(func(qr map[string]any) {
			onset := items(itemOf(qr, 4))[0]
			qr["item"] = append(items(qr), onset)
		}))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[5]",
			"linkId 'history/onset' is not allowed here: Questionnaire http://example.org/Questionnaire/intake|2.0 has it under item 'history'")))
	})

	It("reports an answer whose type is not the question's", func() {
		fs := validate(e, edit(func(qr map[string]any) { itemOf(qr, 1)["answer"] = []any{map[string]any{"valueString": "two"}} }))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[1].answer[0].valueString",
			"item 'packs' is a question of type integer in Questionnaire http://example.org/Questionnaire/intake|2.0, so its answer must be valueInteger, not valueString")))
	})

	It("allows one answer to a question that does not repeat", func() {
		fs := validate(e, edit(func(qr map[string]any) {
			itemOf(qr, 0)["answer"] = []any{map[string]any{"valueBoolean": true}, map[string]any{"valueBoolean": false}}
		}))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer",
			"item 'smoker' does not repeat in Questionnaire http://example.org/Questionnaire/intake|2.0, so it may have only one answer, but it has 2")))
	})

	It("allows an item that does not repeat only once at its place", func() {
		fs := validate(e, edit(func(qr map[string]any) { qr["item"] = slices.Insert(items(qr), 4, any(itemOf(qr, 3))) }))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[4]",
			"item 'pet' occurs more than once here, but it does not repeat in Questionnaire http://example.org/Questionnaire/intake|2.0")))
		Expect(validate(e, edit(func(qr map[string]any) { qr["item"] = slices.Insert(items(qr), 3, any(itemOf(qr, 2))) }))).To(BeEmpty(), "colour repeats")
	})

	It("requires the items of a level in the Questionnaire's order, repeats of one item side by side", func() {
		fs := validate(e, edit(func(qr map[string]any) {
			list := items(qr)
			list[2], list[3] = list[3], list[2]
		}))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[3]",
			"item 'colour' comes after item 'pet' here, but Questionnaire http://example.org/Questionnaire/intake|2.0 puts it before")))
		// a repeating item given again after a later item is out of place too
		fs = validate(e, edit(func(qr map[string]any) { qr["item"] = slices.Insert(items(qr), 4, any(itemOf(qr, 2))) }))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[4]",
			"item 'colour' comes after item 'pet' here")))
		// an item that is not in the Questionnaire says so, and leaves the order alone
		fs = validate(e, edit(func(qr map[string]any) {
			qr["item"] = slices.Insert(items(qr), 1, any(map[string]any{"linkId": "zzz"}))
		}))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[1]", "linkId 'zzz' is not found")))
	})

	It("requires the order inside a group too", func() {
		ee := newEngine(decoded(`{"resourceType": "Questionnaire", "url": "http://example.org/Questionnaire/vitals", "status": "active",
		  "item": [{"linkId": "v", "text": "Vitals", "type": "group", "item": [
		    {"linkId": "v/h", "text": "Height", "type": "decimal"}, {"linkId": "v/w", "text": "Weight", "type": "decimal"}]}]}`))
		response := func(first, second string) string {
			return `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/vitals", "status": "completed",
			  "item": [{"linkId": "v", "item": [{"linkId": "` + first + `", "answer": [{"valueDecimal": 1.7}]}, {"linkId": "` + second + `", "answer": [{"valueDecimal": 70}]}]}]}`
		}
		Expect(validate(ee, response("v/h", "v/w"))).To(BeEmpty())
		Expect(validate(ee, response("v/w", "v/h"))).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].item[1]",
			"item 'v/h' comes after item 'v/w' here")))
	})

	It("requires a response item's text, when given, to be its Questionnaire item's text word for word", func() {
		Expect(validate(e, edit(func(qr map[string]any) { itemOf(qr, 0)["text"] = "Do you smoke?" }))).To(BeEmpty())
		fs := validate(e, edit(func(qr map[string]any) { itemOf(qr, 0)["text"] = "Do you drink?" }))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].text",
			`item 'smoker' has the text "Do you drink?", but Questionnaire http://example.org/Questionnaire/intake|2.0 gives it the text "Do you smoke?"`)))
		// case and spacing count; a group's and a nested item's text too
		fs = validate(e, edit(func(qr map[string]any) {
			itemOf(qr, 1)["text"] = "packs a day"
			itemOf(qr, 4)["text"] = "History "
			items(itemOf(qr, 4))[0].(map[string]any)["text"] = "Onset"
		}))
		Expect(fs).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[1].text", "item 'packs'"),
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[4].text", "item 'history'"),
			saying(model.Warning, profile.CodeSuspectValue, "QuestionnaireResponse.item[4].text", "whitespace")))
	})

	It("requires the answer of a choice question to be one of its listed options", func() {
		fs := validate(e, edit(func(qr map[string]any) {
			itemOf(qr, 2)["answer"].([]any)[1].(map[string]any)["valueCoding"] = map[string]any{"system": "http://example.org/colours", "code": "green"}
		}))
		Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[2].answer[1].valueCoding",
			"answer 'http://example.org/colours|green' to item 'colour' is not one of its options in Questionnaire http://example.org/Questionnaire/intake|2.0 (allowed: 'http://example.org/colours|red', 'http://example.org/colours|blue')")))
	})

	It("accepts an option given without its system, and another system's code only as a mismatch", func() {
		Expect(validate(e, edit(func(qr map[string]any) {
			itemOf(qr, 2)["answer"] = []any{map[string]any{"valueCoding": map[string]any{"code": "blue"}}}
		}))).To(BeEmpty())
		Expect(validate(e, edit(func(qr map[string]any) {
			itemOf(qr, 2)["answer"] = []any{map[string]any{"valueCoding": map[string]any{"system": "http://example.org/paints", "code": "blue"}}}
		}))).To(ConsistOf(at(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[2].answer[0].valueCoding")))
	})

	It("does not accept answers on display items or groups", func() {
		fs := questionnaireFindings(validate(e, edit(func(qr map[string]any) {
			itemOf(qr, 4)["answer"] = []any{map[string]any{"valueString": "none"}} // (qrs-1 fails too)
			qr["item"] = slices.Insert(items(qr), 4, any(map[string]any{"linkId": "note", "answer": []any{map[string]any{"valueString": "ok"}}}))
		})))
		Expect(fs).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[4].answer", "item 'note' is a display item in Questionnaire http://example.org/Questionnaire/intake|2.0, so it cannot have answers"),
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[5].answer", "item 'history' is a group item in Questionnaire http://example.org/Questionnaire/intake|2.0, so it cannot have answers; answer its question items instead"),
		))
	})

	It("requires every enabled required item in a completed response, at the level that lacks it", func() {
		fs := validate(e, edit(func(qr map[string]any) {
			qr["item"] = items(qr)[1:]    // no smoker: packs is then disabled, and answered
			delete(itemOf(qr, 3), "item") // history without its onset
		}))
		Expect(fs).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse", "required item 'smoker' of Questionnaire http://example.org/Questionnaire/intake|2.0 is missing at the top level of the response"),
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[3]", "required item 'history/onset' of Questionnaire http://example.org/Questionnaire/intake|2.0 is missing under item 'history'"),
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0]", "item 'packs' has an answer, but its enableWhen conditions in Questionnaire http://example.org/Questionnaire/intake|2.0 are not met"),
		))
	})

	It("does not require items of a response still in progress", func() {
		Expect(validate(e, edit(func(qr map[string]any) {
			qr["status"] = "in-progress"
			qr["item"] = items(qr)[2:3]
		}))).To(BeEmpty())
	})

	It("evaluates enableWhen: a disabled required item may be absent, an enabled one may not", func() {
		noSmoker := func(qr map[string]any) {
			itemOf(qr, 0)["answer"] = []any{map[string]any{"valueBoolean": false}}
			qr["item"] = append(items(qr)[:1], items(qr)[2:]...)
		}
		Expect(validate(e, edit(noSmoker))).To(BeEmpty())
		Expect(validate(e, edit(func(qr map[string]any) { qr["item"] = append(items(qr)[:1], items(qr)[2:]...) }))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse", "required item 'packs'")))
		Expect(validate(e, edit(func(qr map[string]any) { delete(itemOf(qr, 1), "answer") }))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[1]", "required item 'packs' of Questionnaire http://example.org/Questionnaire/intake|2.0 has no answer")))
	})

	It("warns once, without errors, when the Questionnaire is not loaded, naming the canonical", func() {
		fs := validate(e, edit(func(qr map[string]any) {
			qr["questionnaire"] = "http://registry.acme-health.test/Questionnaire/discharge"
			itemOf(qr, 0)["linkId"] = "anything"
		}))
		Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeQuestionnaireUnknown, "QuestionnaireResponse.questionnaire",
			"Questionnaire http://registry.acme-health.test/Questionnaire/discharge is not loaded, so the answers could not be checked against it: give the folder or package that holds it with --ig")))
		fs = validate(e, edit(func(qr map[string]any) { qr["questionnaire"] = "http://example.org/Questionnaire/intake|1.0" }))
		Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeQuestionnaireUnknown, "QuestionnaireResponse.questionnaire",
			"Questionnaire http://example.org/Questionnaire/intake is loaded only in version 2.0, not 1.0")))
	})

	It("checks against a contained Questionnaire, and reports one that is missing", func() {
		contained := edit(func(qr map[string]any) {
			q := decoded(intake)
			q["id"] = "q"
			qr["contained"] = []any{q}
			qr["questionnaire"] = "#q"
			itemOf(qr, 0)["answer"] = []any{map[string]any{"valueInteger": 1}}
		})
		Expect(questionnaireFindings(validate(newEngine(), contained))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0].answer[0].valueInteger", "item 'smoker' is a question of type boolean in Questionnaire http://example.org/Questionnaire/intake|2.0")))
		// #gone names nothing: the local-canonical rule says so, once.
		gone := validate(newEngine(), strings.Replace(intakeResponse, "http://example.org/Questionnaire/intake|2.0", "#gone", 1))
		Expect(questionnaireFindings(gone)).To(BeEmpty())
		Expect(gone).To(ContainElement(saying(model.Error, profile.CodeReference, "QuestionnaireResponse.questionnaire", "canonical #gone points at nothing in the resource")))
		// #p names the Patient contained, not a Questionnaire.
		patient := edit(func(qr map[string]any) {
			qr["contained"] = []any{map[string]any{"resourceType": "Patient", "id": "p"}}
			qr["questionnaire"] = "#p"
			qr["subject"] = map[string]any{"reference": "#p"}
		})
		Expect(questionnaireFindings(validate(newEngine(), patient))).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaireUnknown, "QuestionnaireResponse.questionnaire", "#p points at a contained Questionnaire that does not exist")))
	})
})

var _ = Describe("QuestionnaireResponse on public cases", func() {
	caseFile := func(name string) map[string]any {
		data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", name))
		Expect(err).NotTo(HaveOccurred())
		return decoded(string(data))
	}
	responseOf := func(m map[string]any) string {
		out, err := json.Marshal(m)
		Expect(err).NotTo(HaveOccurred())
		return string(out)
	}

	It("reports the linkId the versioned Questionnaire lacks (qr-vr), and accepts one it has", func() {
		e := newEngine(caseFile("q-vr.json"))
		qr := caseFile("qr-vr.json")
		Expect(questionnaireFindings(validate(e, responseOf(qr)))).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[0]",
			"linkId '1.1' is not found in Questionnaire http://hl7.org/fhir/us/sirb/Questionnaire/sirb-recruitment-questionnaire|0.1.0 (expected here: 'study', 'institution', 'principal', 'materials')")))
		qr["item"] = []any{map[string]any{"linkId": "materials", "item": []any{map[string]any{"linkId": "materials/usematerials",
			"answer": []any{map[string]any{"valueCoding": map[string]any{"code": "yes", "display": "Yes"}}}}}}}
		Expect(questionnaireFindings(validate(e, responseOf(qr)))).To(BeEmpty())
	})

	It("does not require an item whose enableWhen (all of two) is not met (qr-enablewhen-me)", func() {
		e := newEngine(caseFile("q-enablewhen-me.json"))
		qr := caseFile("qr-enablewhen-me.json")
		Expect(validate(e, responseOf(qr))).To(BeEmpty())
		itemOf(qr, 1)["answer"] = []any{map[string]any{"valueInteger": 1}} // now N2 is enabled, and missing
		Expect(validate(e, responseOf(qr))).To(ConsistOf(saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse", "required item 'N2'")))
	})
})

var _ = Describe("QuestionnaireResponse on the UK Core examples", func() {
	ukExample := func(name string) map[string]any {
		data, err := os.ReadFile(sharedtest.Path("fhir", "uk-core", "examples", name))
		Expect(err).NotTo(HaveOccurred())
		m, err := fhirxml.Decode(data)
		Expect(err).NotTo(HaveOccurred())
		return m
	}
	var e *profile.Engine
	BeforeEach(func() {
		e = newEngine(ukExample("UKCore-Questionnaire-EOLPlan-Example.xml"), ukExample("UKCore-Questionnaire-FitnessForWork-Example.xml"),
			ukExample("UKCore-Questionnaire-InpatientSurvey-Example.xml"))
	})
	check := func(qr map[string]any) []model.Finding {
		rec := &model.Record{Kind: model.KindFHIR, Source: "example.xml", Type: "QuestionnaireResponse", Value: qr}
		return questionnaireFindings(e.ValidateRecord(rec, "", nil))
	}

	It("finds the published example responses true to their example Questionnaires", func() {
		for _, n := range []string{"EOLPlan", "FitnessForWork"} {
			Expect(check(ukExample("UKCore-QuestionnaireResponse-"+n+"-Example.xml"))).To(BeEmpty(), n)
		}
		// The survey response was authored in 2021, before the survey
		// Questionnaire's effectivePeriod starts (2023): a warning, as the
		// reference validator gives it, and nothing else.
		Expect(check(ukExample("UKCore-QuestionnaireResponse-InpatientSurvey-Example.xml"))).To(ConsistOf(
			saying(model.Warning, profile.CodeQuestionnaire, "QuestionnaireResponse.authored", "before the start")))
	})

	It("finds a code outside a choice's options and a missing required date in a changed example", func() {
		qr := ukExample("UKCore-QuestionnaireResponse-FitnessForWork-Example.xml")
		itemOf(qr, 2)["answer"].([]any)[0].(map[string]any)["valueCoding"].(map[string]any)["code"] = "160903007"
		qr["item"] = items(qr)[1:]
		Expect(check(qr)).To(ConsistOf(
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse", "required item 'Q1' of Questionnaire https://example.com/base/Questionnaire/UKCore-Questionnaire-FitnessForWork-Example"),
			saying(model.Error, profile.CodeQuestionnaire, "QuestionnaireResponse.item[1].answer[0].valueCoding", "answer 'http://snomed.info/sct|160903007' to item 'Q3' is not one of its options"),
		))
	})
})

var _ = Describe("que-12 on Questionnaires", func() {
	caseText := func(name string) string {
		data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", name))
		Expect(err).NotTo(HaveOccurred())
		return string(data)
	}

	It("requires enableBehavior with more than one enableWhen, as its text says (the R4 expression counts more than two)", func() {
		Expect(validate(newEngine(), caseText("q-enablewhen-me-wrong.json"))).To(ConsistOf(saying(model.Error, profile.CodeInvariant, "Questionnaire.item[2]",
			"que-12 failed: If there are more than one enableWhen, enableBehavior must be specified")))
		Expect(validate(newEngine(), caseText("q-enablewhen-me.json"))).To(BeEmpty())
	})

	It("applies to nested items, and is satisfied by one enableWhen", func() {
		q := `{"resourceType": "Questionnaire", "status": "draft", "item": [{"linkId": "g", "type": "group", "item": [
		  {"linkId": "a", "type": "boolean"},
		  {"linkId": "b", "type": "string", "enableWhen": [{"question": "a", "operator": "exists", "answerBoolean": true}]},
		  {"linkId": "c", "type": "string", "enableWhen": [
		    {"question": "a", "operator": "exists", "answerBoolean": true},
		    {"question": "b", "operator": "exists", "answerBoolean": true}]}]}]}`
		Expect(validate(newEngine(), q)).To(ConsistOf(at(model.Error, profile.CodeInvariant, "Questionnaire.item[0].item[2]")))
	})
})

var _ = Describe("que-7 on Questionnaires", func() {
	It("accepts a boolean answer to the exists operator (the R4 expression asks for the System Boolean, which a FHIR boolean is not) and nothing else", func() {
		q := func(answer string) string {
			return `{"resourceType": "Questionnaire", "status": "draft", "item": [{"linkId": "a", "type": "string"},
			  {"linkId": "b", "type": "string", "enableWhen": [{"question": "a", "operator": "exists", ` + answer + `}]}]}`
		}
		Expect(validate(newEngine(), q(`"answerBoolean": false`))).To(BeEmpty())
		Expect(validate(newEngine(), q(`"answerString": "yes"`))).To(ConsistOf(saying(model.Error, profile.CodeInvariant, "Questionnaire.item[1].enableWhen[0]",
			"que-7 failed: If the operator is 'exists', the value must be a boolean")))
	})
})

// BenchmarkQuestionnaireResponse is full validation of a UK Core example
// response, with and without its Questionnaire loaded: the Questionnaire is
// compiled once per engine, so checking the answers costs little beside the
// rest of validation.
func BenchmarkQuestionnaireResponse(b *testing.B) {
	load := func(name string) map[string]any {
		data, err := os.ReadFile(sharedtest.Path("fhir", "uk-core", "examples", name))
		if err != nil {
			b.Fatal(err)
		}
		m, err := fhirxml.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	q := load("UKCore-Questionnaire-InpatientSurvey-Example.xml")
	rec := &model.Record{Kind: model.KindFHIR, Type: "QuestionnaireResponse", Value: load("UKCore-QuestionnaireResponse-InpatientSurvey-Example.xml")}
	for _, withQ := range []bool{false, true} {
		b.Run(fmt.Sprintf("questionnaire-loaded=%v", withQ), func(b *testing.B) {
			defs, err := definitions.New(definitions.Options{Parent: core})
			if err != nil {
				b.Fatal(err)
			}
			if withQ {
				if err := defs.Add(q, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes})
			e.ValidateRecord(rec, "", nil) // compile outside the timing
			n := 0
			for b.Loop() {
				for _, f := range e.ValidateRecord(rec, "", nil) {
					if f.Severity == model.Error {
						b.Fatalf("the example has an error: %s: %s", f.Path, f.Message)
					}
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
		})
	}
}

// followUp has a question with a follow-up question of its own, a group and a
// display item.
const followUp = `{"resourceType": "Questionnaire", "url": "http://example.org/Questionnaire/follow-up", "status": "active",
  "item": [
    {"linkId": "smoker", "text": "Do you smoke?", "type": "boolean",
     "item": [{"linkId": "perday", "text": "Cigarettes a day", "type": "integer"}]},
    {"linkId": "contact", "text": "Contact", "type": "group", "item": [{"linkId": "phone", "text": "Phone", "type": "string"}]},
    {"linkId": "thanks", "text": "Thank you", "type": "display"}]}`

var _ = Describe("QuestionnaireResponse items under items: only a group holds them directly", func() {
	var e *profile.Engine
	BeforeEach(func() { e = newEngine(decoded(followUp)) })
	DescribeTable("where child items sit",
		func(items string, want []string) {
			src := `{"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/follow-up", "status": "in-progress", "item": [` + items + `]}`
			var paths []string
			for _, f := range questionnaireFindings(validate(e, src)) {
				paths = append(paths, f.Path)
			}
			Expect(paths).To(ConsistOf(want))
		},
		Entry("a follow-up under the question's answer",
			`{"linkId": "smoker", "answer": [{"valueBoolean": true, "item": [{"linkId": "perday", "answer": [{"valueInteger": 10}]}]}]}`, nil),
		Entry("a follow-up under the question itself",
			`{"linkId": "smoker", "item": [{"linkId": "perday", "answer": [{"valueInteger": 10}]}]}`, []string{"QuestionnaireResponse.item[0].item"}),
		Entry("a follow-up under the question itself, next to its answer",
			`{"linkId": "smoker", "answer": [{"valueBoolean": true}], "item": [{"linkId": "perday", "answer": [{"valueInteger": 10}]}]}`, []string{"QuestionnaireResponse.item[0].item"}),
		Entry("a group's items under the group",
			`{"linkId": "contact", "item": [{"linkId": "phone", "answer": [{"valueString": "01632 960 123"}]}]}`, nil),
		Entry("items under a display item",
			`{"linkId": "thanks", "item": [{"linkId": "phone", "answer": [{"valueString": "01632 960 123"}]}]}`,
			// the phone item is also not the display item's child in the Questionnaire
			[]string{"QuestionnaireResponse.item[0].item", "QuestionnaireResponse.item[0].item[0]"}),
	)
})
