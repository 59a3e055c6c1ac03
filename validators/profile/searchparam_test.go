package profile_test

import (
	"encoding/json"
	"fmt"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// searchParameter writes a SearchParameter derived from (or, with derivedFrom
// "", independent of) another, with the given base, type and expression.
func searchParameter(derivedFrom, base, typ, expression string) string {
	m := map[string]any{
		"resourceType": "SearchParameter", "url": "http://example.org/fhir/SearchParameter/test", "name": "Test",
		"status": "active", "description": "A test parameter", "code": "test",
		"base": []any{base}, "type": typ, "expression": expression,
	}
	if derivedFrom != "" {
		m["derivedFrom"] = derivedFrom
	}
	out, err := json.Marshal(m)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}

// withCode keeps the findings of one code.
func withCode(code string, fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// conformanceCaseJSON reads a file of the shared conformance cases as text.
func conformanceCaseJSON(name string) string {
	data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", name))
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

// coreResources returns the resources of an embedded core bundle.
func coreResources(file string) []map[string]any {
	data, err := r4core.ReadFile(file)
	Expect(err).NotTo(HaveOccurred())
	b, err := fhir.Decode(data)
	Expect(err).NotTo(HaveOccurred())
	var out []map[string]any
	for _, e := range b["entry"].([]any) {
		out = append(out, e.(map[string]any)["resource"].(map[string]any))
	}
	return out
}

func recordOf(res map[string]any) *model.Record {
	return &model.Record{Kind: model.KindFHIR, Source: "r4core", Line: 1, Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res}
}

const organizationName = "http://hl7.org/fhir/SearchParameter/Organization-name"

var _ = Describe("SearchParameter rules", func() {
	e := newEngine()

	It("reports a base the parent does not have and an expression for another type (sp-diff-base)", func() {
		fs := validate(e, conformanceCaseJSON("sp-diff-base.json"))
		Expect(fs).To(ConsistOf(
			And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.base[0]"),
				HaveField("Message", "base Patient is not a base of the SearchParameter this is derived from (http://hl7.org/fhir/SearchParameter/Organization-name|4.0.1, base Organization): a derived search parameter may only apply to its parent's resource types")),
			And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.expression"),
				HaveField("Message", `search expression "Organization.name | Organization.alias" starts a path with Organization, which is not a base of this search parameter (base Patient): the path can never match; start each path with a base type or add Organization to base`)),
		))
	})

	It("accepts a parameter that narrows its parent faithfully", func() {
		Expect(validate(e, searchParameter(organizationName, "Organization", "string", "Organization.name | Organization.alias"))).To(BeEmpty())
		Expect(validate(e, searchParameter(organizationName, "Organization", "string", "Organization.alias|Organization.name"))).To(BeEmpty(),
			"the order of the branches and the layout do not matter")
	})

	It("warns when the expression selects less than the parent's (sp-diff-expression)", func() {
		Expect(validate(e, conformanceCaseJSON("sp-diff-expression.json"))).To(ConsistOf(
			And(at(model.Warning, profile.CodeSearchParameter, "SearchParameter.expression"),
				HaveField("Message", ContainSubstring(`expression "Organization.name" does not select what the expression "Organization.name | Organization.alias" of the SearchParameter this is derived from (http://hl7.org/fhir/SearchParameter/Organization-name|4.0.1) selects for base Organization`))),
		))
	})

	It("compares with the parent's branches for the derived parameter's bases only", func() {
		// clinical-code covers a dozen types; Condition's branch is Condition.code.
		Expect(validate(e, searchParameter("http://hl7.org/fhir/SearchParameter/clinical-code", "Condition", "token", "Condition.code"))).To(BeEmpty())
		Expect(validate(e, searchParameter("http://hl7.org/fhir/SearchParameter/clinical-code", "Condition", "token", "Condition.category"))).To(ConsistOf(
			at(model.Warning, profile.CodeSearchParameter, "SearchParameter.expression")))
	})

	It("reports a type other than the parent's", func() {
		Expect(validate(e, searchParameter(organizationName, "Organization", "token", "Organization.name | Organization.alias"))).To(ConsistOf(
			And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.type"),
				HaveField("Message", "type token differs from the type string of the SearchParameter this is derived from (http://hl7.org/fhir/SearchParameter/Organization-name|4.0.1): a derived search parameter keeps its parent's type")),
		))
	})

	It("lets a parameter derived from one on Resource apply to any type", func() {
		Expect(validate(e, searchParameter("http://hl7.org/fhir/SearchParameter/Resource-id", "Patient", "token", "Resource.id"))).To(BeEmpty())
	})

	It("warns about a derivedFrom it cannot find, and says how to provide it", func() {
		Expect(validate(e, searchParameter("http://registry.acme-health.test/fhir/SearchParameter/unknown", "Patient", "string", "Patient.name"))).To(ConsistOf(
			And(at(model.Warning, profile.CodeSearchParameter, "SearchParameter.derivedFrom"),
				HaveField("Message", ContainSubstring("load the guide that defines it (--ig)"))),
		))
	})

	It("checks the leading type of every union branch, inside groups too", func() {
		fs := validate(e, searchParameter("", "Observation", "quantity", "(Observation.value as Quantity) | (Condition.onset as Age)"))
		Expect(fs).To(ConsistOf(And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.expression"),
			HaveField("Message", ContainSubstring("starts a path with Condition, which is not a base")))))
		Expect(validate(e, searchParameter("", "Observation", "quantity", "(Observation.value as Quantity) | (Observation.component.value as Quantity)"))).To(BeEmpty())
	})

	It("accepts paths that start at an ancestor of a base, or at a resource of an abstract base", func() {
		Expect(validate(e, searchParameter("", "Patient", "token", "Resource.id"))).To(BeEmpty())
		Expect(validate(e, searchParameter("", "DomainResource", "token", "Patient.gender | Observation.status"))).To(BeEmpty())
		Expect(validate(e, searchParameter("", "Patient", "string", "name | %resource.name"))).To(BeEmpty(), "element names and variables are not checked")
	})

	It("does not take literals, quoted names or function arguments for branches", func() {
		Expect(validate(e, searchParameter("", "Patient", "token",
			"Patient.identifier.where(system = 'Observation|Condition') | (Patient.`name`.where(text.exists() or (family | given).exists())) | Patient.link.other.resolve().ofType(Patient)"))).To(BeEmpty())
	})

	It("names a type that does not exist", func() {
		Expect(validate(e, searchParameter("", "Organization", "string", "Organisation.name | Patient.name"))).To(ConsistOf(
			And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.expression"),
				HaveField("Message", `search expression "Organisation.name | Patient.name" starts a path with Patient, which is not a base of this search parameter (base Organization), and with Organisation, which is not a FHIR type: the path can never match; start each path with a base type or add Patient to base`))))
	})

	It("reports an expression that is not FHIRPath", func() {
		Expect(validate(e, searchParameter("", "Patient", "string", "Patient.name |"))).To(ConsistOf(
			And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.expression"),
				HaveField("Message", ContainSubstring(`search expression "Patient.name |" is not valid FHIRPath`)))))
	})

	It("wants two or more components in a composite parameter, wherever it is derived from", func() {
		composite := func(components ...string) string {
			m := map[string]any{}
			Expect(json.Unmarshal([]byte(searchParameter("", "Observation", "composite", "Observation")), &m)).To(Succeed())
			var cs []any
			for _, c := range components {
				cs = append(cs, map[string]any{"definition": "http://hl7.org/fhir/SearchParameter/" + c, "expression": "code"})
			}
			if cs != nil {
				m["component"] = cs
			}
			out, err := json.Marshal(m)
			Expect(err).NotTo(HaveOccurred())
			return string(out)
		}
		Expect(validate(e, composite("clinical-code", "Observation-value-quantity"))).To(BeEmpty())
		Expect(validate(e, composite("clinical-code", "Observation-value-quantity", "Observation-value-date"))).To(BeEmpty())
		for n, c := range [][]string{nil, {"clinical-code"}} {
			Expect(validate(e, composite(c...))).To(ConsistOf(
				And(at(model.Error, profile.CodeSearchParameter, "SearchParameter.type"),
					HaveField("Message", ContainSubstring(fmt.Sprintf("combines two or more components, this one has %d", n))))))
		}
		Expect(validate(e, searchParameter("", "Observation", "token", "Observation.code"))).To(BeEmpty(), "other types need no components")
	})

	// 1,375: DeviceDefinition-classification, DetectedIssue-status and
	// ServiceRequest-order-detail, which the redistributed bundle adds and
	// R4 does not publish, are left out by gen.
	It("finds nothing to report in the 1,375 search parameters of FHIR R4 itself", func() {
		sps := coreResources(r4core.SearchParameters)
		Expect(sps).To(HaveLen(1375))
		for _, sp := range sps {
			fs := withCode(profile.CodeSearchParameter, e.ValidateRecord(recordOf(sp), "", nil))
			Expect(fs).To(BeEmpty(), sp["url"])
		}
	})
})

var _ = Describe("CapabilityStatement rules", func() {
	e := newEngine()

	capability := func(resource, name, definition, typ string) string {
		out, err := json.Marshal(map[string]any{
			"resourceType": "CapabilityStatement", "status": "draft", "date": "2024-01-01", "kind": "requirements",
			"description": "A test server",
			"fhirVersion": "4.0.1", "format": []any{"json"},
			"rest": []any{map[string]any{"mode": "server", "resource": []any{map[string]any{
				"type":        resource,
				"searchParam": []any{map[string]any{"name": name, "definition": definition, "type": typ}},
			}}}},
		})
		Expect(err).NotTo(HaveOccurred())
		return string(out)
	}

	It("reports a searchParam whose type is not its definition's (capstmt)", func() {
		fs := validate(e, conformanceCaseJSON("capstmt.json"))
		Expect(withCode(profile.CodeCapability, fs)).To(ConsistOf(
			And(at(model.Error, profile.CodeCapability, "CapabilityStatement.rest[0].resource[0].searchParam[0].type"),
				HaveField("Message", `type mismatch: search parameter "clinical-status" is declared with type date, but its definition http://hl7.org/fhir/SearchParameter/AllergyIntolerance-clinical-status|4.0.1 has type token: declare type token`)),
		), "the second parameter, clinical-code, is a token defined for AllergyIntolerance among others")
	})

	It("accepts a searchParam that agrees with its definition", func() {
		Expect(validate(e, capability("Observation", "code", "http://hl7.org/fhir/SearchParameter/clinical-code", "token"))).To(BeEmpty())
	})

	It("warns when the definition is not for the resource type it is declared on", func() {
		Expect(validate(e, capability("Patient", "code", "http://hl7.org/fhir/SearchParameter/clinical-code", "token"))).To(ConsistOf(
			And(at(model.Warning, profile.CodeCapability, "CapabilityStatement.rest[0].resource[0].searchParam[0].definition"),
				HaveField("Message", ContainSubstring(`search parameter "code" of Patient is defined by http://hl7.org/fhir/SearchParameter/clinical-code|4.0.1, which applies to AllergyIntolerance, `))),
		))
		Expect(validate(e, capability("Patient", "_lastUpdated", "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated", "date"))).To(BeEmpty(),
			"a parameter on Resource applies to every type")
	})

	It("warns about the parameters declared for all resources too", func() {
		fs := validate(e, `{"resourceType": "CapabilityStatement", "status": "draft", "date": "2024-01-01", "kind": "instance",
			"implementation": {"description": "test server"}, "fhirVersion": "4.0.1", "format": ["json"],
			"rest": [{"mode": "server", "searchParam": [{"name": "_id", "definition": "http://hl7.org/fhir/SearchParameter/Resource-id", "type": "string"}]}]}`)
		Expect(fs).To(ConsistOf(And(at(model.Warning, profile.CodeCapability, "CapabilityStatement.rest[0].searchParam[0].type"),
			HaveField("Message", ContainSubstring(`search parameter "_id" is declared with type string, but its definition http://hl7.org/fhir/SearchParameter/Resource-id|4.0.1 has type token`)))))
	})

	It("leaves parameters with unknown definitions alone", func() {
		Expect(validate(e, capability("Patient", "local", "http://registry.acme-health.test/fhir/SearchParameter/local", "date"))).To(BeEmpty())
	})

	It("finds no error in the CapabilityStatements of FHIR R4 itself, only its _sort linked to _source", func() {
		n := 0
		for _, res := range coreResources(r4core.ProfilesResources) {
			if res["resourceType"] != "CapabilityStatement" {
				continue
			}
			n++
			for _, f := range withCode(profile.CodeCapability, e.ValidateRecord(recordOf(res), "", nil)) {
				Expect(f.Severity).To(Equal(model.Warning), f.Message)
				Expect(f.Message).To(HavePrefix(`type mismatch: search parameter "_sort" is declared with type token, but its definition http://hl7.org/fhir/SearchParameter/Resource-source|4.0.1`))
			}
		}
		Expect(n).To(BeNumerically(">", 0))
	})
})
