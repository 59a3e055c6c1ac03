package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// codeSystem is a CodeSystem with the given content, count and other
// properties ("" leaves count out), and concepts a, b and b/child.
func codeSystem(content, count, extra string) string {
	c := ""
	if count != "" {
		c = `"count": ` + count + `, `
	}
	return `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", "caseSensitive": true,
		"content": "` + content + `", ` + c + extra + `"concept": [{"code": "a"}, {"code": "b", "concept": [{"code": "b1"}]}]}`
}

var _ = Describe("CodeSystem content, count and codes", func() {
	e := newEngine()
	csFindings := func(src string) []model.Finding {
		return append(withCode(profile.CodeCodeSystem, validate(e, src)), withCode(profile.CodeDuplicate, validate(e, src))...)
	}

	It("requires a complete code system's count to be its number of concepts at every level", func() {
		Expect(csFindings(codeSystem("complete", "2", ""))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.count")))
		Expect(csFindings(codeSystem("complete", "3", ""))).To(BeEmpty())
	})

	It("warns when a fragment already has as many concepts as its count", func() {
		Expect(csFindings(codeSystem("fragment", "3", ""))).To(ConsistOf(at(model.Warning, profile.CodeCodeSystem, "CodeSystem.count")))
		Expect(csFindings(codeSystem("fragment", "100", ""))).To(BeEmpty())
	})

	It("rejects concepts in a code system whose content is not present", func() {
		Expect(csFindings(codeSystem("not-present", "", ""))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.concept[0]")))
	})

	It("requires a supplement to say what it supplements, and to be content supplement", func() {
		Expect(csFindings(codeSystem("supplement", "", ""))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.content")))
		Expect(csFindings(codeSystem("complete", "", `"supplements": "http://example.org/fhir/CodeSystem/base", `))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.content")))
		Expect(csFindings(codeSystem("supplement", "", `"supplements": "http://example.org/fhir/CodeSystem/base", `))).To(BeEmpty())
	})

	It("rejects a code or a property code defined twice", func() {
		src := `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", "content": "complete",
			"property": [{"code": "p", "type": "string"}, {"code": "p", "type": "code"}],
			"concept": [{"code": "a"}, {"code": "b", "concept": [{"code": "a"}]}]}`
		Expect(csFindings(src)).To(ConsistOf(
			at(model.Error, profile.CodeDuplicate, "CodeSystem.concept[1].concept[0].code"),
			at(model.Error, profile.CodeDuplicate, "CodeSystem.property[1].code"),
		))
	})
})
