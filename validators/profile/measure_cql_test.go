package profile_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// elmXML is an ELM library in XML defining the statements named.
func elmXML(id string, defs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><library xmlns="urn:hl7-org:elm:r1" xmlns:t="urn:hl7-org:elm-types:r1">`)
	b.WriteString(`<identifier id="` + id + `" version="1.0.0"/><parameters><def name="Measurement Period"/></parameters><statements>`)
	for _, d := range defs {
		b.WriteString(`<def name="` + d + `" context="Patient"><expression/></def>`)
	}
	b.WriteString(`</statements></library>`)
	return b.String()
}

// elmJSON is the same in JSON.
func elmJSON(id string, defs ...string) string {
	list := make([]map[string]any, len(defs))
	for i, d := range defs {
		list[i] = map[string]any{"name": d, "context": "Patient"}
	}
	raw, err := json.Marshal(map[string]any{"library": map[string]any{"identifier": map[string]any{"id": id}, "statements": map[string]any{"def": list}}})
	Expect(err).NotTo(HaveOccurred())
	return string(raw)
}

// cqlLibrary is a Library resource (JSON) with the content given as
// contentType, text pairs.
func cqlLibrary(id, url, name string, content ...string) string {
	var atts []string
	for i := 0; i+1 < len(content); i += 2 {
		atts = append(atts, `{"contentType": "`+content[i]+`", "data": "`+base64.StdEncoding.EncodeToString([]byte(content[i+1]))+`"}`)
	}
	return `{"resourceType": "Library", "id": "` + id + `", "url": "` + url + `", "name": "` + name + `", "version": "1.0.0", "status": "active",
		"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}]},
		"content": [` + strings.Join(atts, ", ") + `]}`
}

func libMap(src string) map[string]any {
	var m map[string]any
	Expect(json.Unmarshal([]byte(src), &m)).To(Succeed())
	return m
}

// measure is a Measure naming the libraries given, with the body's groups
// and supplemental data.
func measure(libraries []string, body string) string {
	libs, _ := json.Marshal(libraries)
	if len(libraries) == 0 {
		libs = []byte("null")
	}
	src := `{"resourceType": "Measure", "id": "m", "url": "http://example.org/fhir/Measure/m", "status": "active"`
	if len(libraries) > 0 {
		src += `, "library": ` + string(libs)
	}
	return src + `, ` + body + `}`
}

// population is a group with one population whose criteria are in the
// language given.
func population(lang, expr string) string {
	return `"group": [{"population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]},
		"criteria": {"language": "` + lang + `", "expression": ` + quoteJSON(expr) + `}}]}]`
}

func quoteJSON(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

// A Measure's criteria in CQL name definitions of the Libraries it names
// (R4 Measure, "Using CQL"); the reference validator reads the definitions
// from the Library's ELM.
var _ = Describe("a Measure's CQL criteria against its Library", func() {
	const (
		screening = "http://example.org/fhir/Library/Screening"
		helpers   = "http://example.org/fhir/Library/Helpers"
		textOnly  = "http://example.org/fhir/Library/TextOnly"
		pop       = "Measure.group[0].population[0].criteria"
	)
	e := newEngine(
		libMap(cqlLibrary("screening", screening, "Screening",
			"text/cql", `library Screening version '1.0.0' define "Initial Population": true`,
			"application/elm+xml", elmXML("Screening", "Patient", "Initial Population", "Denominator", "AgesUpToNine"))),
		libMap(cqlLibrary("helpers", helpers, "Helpers",
			"application/elm+json", elmJSON("Helpers", "Adult", "Female"))),
		libMap(cqlLibrary("textonly", textOnly, "TextOnly",
			"text/cql", `library TextOnly define "Numerator": true`)),
		libMap(cqlLibrary("notelm", "http://example.org/fhir/Library/NotElm", "NotElm",
			"application/elm+xml", `<library xmlns="http://example.org/other"><statements><def name="Initial Population"/></statements></library>`)),
		libMap(cqlLibrary("brokenxml", "http://example.org/fhir/Library/BrokenXML", "BrokenXML",
			"application/elm+xml", `<library xmlns="urn:hl7-org:elm:r1"><statements><def name="Initial Population">`)),
		libMap(cqlLibrary("screening2", "http://example.org/fhir/Library/Screening2", "Screening",
			"application/elm+xml", elmXML("Screening", "Initial Population"))),
	)
	measures := func(fs []model.Finding) []model.Finding {
		return append(withCode(profile.CodeMeasure, fs), withCode(profile.CodeMeasureCriteriaUnchecked, fs)...)
	}

	DescribeTable("refuse a criterion its Libraries do not define",
		func(src, path, says string) {
			Expect(measures(validate(e, src))).To(ConsistOf(saying(model.Error, profile.CodeMeasure, path, says)))
		},
		Entry("a population naming a definition the ELM (XML) lacks",
			measure([]string{screening}, population("text/cql.identifier", "Initial Populaton")),
			pop, "which Library "+screening+"|1.0.0 does not define"),
		Entry("a qualified name the ELM lacks, in a stratifier",
			measure([]string{screening}, `"group": [{"stratifier": [{"criteria": {"language": "text/cql", "expression": "Screening.AgesUpToTen"}}]}]`),
			"Measure.group[0].stratifier[0].criteria", "names AgesUpToTen"),
		Entry("a stratifier component naming what the ELM (JSON) lacks",
			measure([]string{helpers}, `"group": [{"stratifier": [{"component": [{"code": {"text": "sex"}, "criteria": {"language": "text/cql", "expression": "Male"}}]}]}]`),
			"Measure.group[0].stratifier[0].component[0].criteria", "which Library "+helpers+"|1.0.0 does not define"),
		Entry("supplemental data",
			measure([]string{helpers}, `"supplementalData": [{"criteria": {"language": "text/cql", "expression": "Helpers.Age"}}]`),
			"Measure.supplementalData[0].criteria", "names Age"),
		Entry("CQL criteria in a Measure that names no Library",
			measure(nil, population("text/cql", "Initial Population")),
			pop, "the Measure names no Library"),
		Entry("a library name none of the Libraries has",
			measure([]string{screening}, population("text/cql", "CMS146.InInitialPopulation")),
			pop, "names the library CMS146, but none of the Measure's Libraries"),
		Entry("a name without its library when the Measure has two",
			measure([]string{screening, helpers}, population("text/cql", "Initial Population")),
			pop, "does not say which of the Measure's 2 Libraries defines it"),
		Entry("a library name two of its Libraries have",
			measure([]string{screening, "http://example.org/fhir/Library/Screening2"}, population("text/cql", "Screening.\"Initial Population\"")),
			pop, "which 2 of the Measure's Libraries are named"),
		Entry("ELM content that is not ELM",
			measure([]string{"http://example.org/fhir/Library/NotElm"}, population("text/cql", "Initial Population")),
			pop, "not an ELM <library>"),
		Entry("ELM content that is not well-formed XML",
			measure([]string{"http://example.org/fhir/Library/BrokenXML"}, population("text/cql", "Initial Population")),
			pop, "cannot be read"),
		Entry("a contained Library",
			`{"resourceType": "Measure", "id": "m", "url": "http://example.org/fhir/Measure/m", "status": "active",
			  "contained": [`+cqlLibrary("lib", "http://example.org/fhir/Library/Local", "Local", "application/elm+json", elmJSON("Local", "Denominator"))+`],
			  "library": ["#lib"], `+population("text/cql", "Numerator")+`}`,
			pop, "names Numerator, which Library http://example.org/fhir/Library/Local|1.0.0 does not define"),
	)

	DescribeTable("accept a criterion its Library defines",
		func(src string) {
			Expect(measures(validate(e, src))).To(BeEmpty())
		},
		Entry("by its name, in the only Library", measure([]string{screening}, population("text/cql.identifier", "Initial Population"))),
		Entry("quoted, as CQL writes a name with spaces", measure([]string{screening}, population("text/cql", `"Initial Population"`))),
		Entry("qualified by Library.name", measure([]string{screening, helpers}, population("text/cql", "Helpers.Adult"))),
		Entry("qualified by the ELM's identifier", measure([]string{screening}, population("text/cql", "Screening.Denominator"))),
		Entry("the R5 identifier language", measure([]string{helpers}, population("text/cql-identifier", "Female"))),
		Entry("criteria in another language are not CQL's to judge", measure(nil, population("text/fhirpath", "Patient.gender = 'female'"))),
		Entry("a versioned canonical", measure([]string{screening + "|1.0.0"}, population("text/cql", "AgesUpToNine"))),
	)

	It("leaves a criterion not judged, and says so, where carecert cannot read what it names", func() {
		for _, c := range []struct{ src, says string }{
			{measure([]string{textOnly}, population("text/cql", "Numerator")), "carries no ELM"},
			{measure([]string{"http://example.org/fhir/Library/Absent"}, population("text/cql", "Numerator")), "is not loaded"},
			{measure([]string{screening, "http://example.org/fhir/Library/Absent"}, population("text/cql", "Absent.Numerator")), "no Library carecert holds is named Absent"},
			{measure([]string{screening}, population("text/cql", `exists "Initial Population"`)), "is a CQL expression"},
		} {
			Expect(measures(validate(e, c.src))).To(ConsistOf(saying(model.Warning, profile.CodeMeasureCriteriaUnchecked, pop, c.says)), c.src)
		}
	})

	It("finds the Library in the Bundle the Measure travels in", func() {
		bundle := record(`{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "http://example.org/fhir/Library/inb", "resource": ` + cqlLibrary("inb", "http://example.org/fhir/Library/InBundle", "InBundle",
			"application/elm+xml", elmXML("InBundle", "Initial Population")) + `},
			{"fullUrl": "http://example.org/fhir/Measure/m", "resource": ` + measure([]string{"http://example.org/fhir/Library/InBundle"},
			`"group": [{"population": [{"criteria": {"language": "text/cql", "expression": "Initial Population"}}, {"criteria": {"language": "text/cql", "expression": "Numerator"}}]}]`) + `}]}`)
		Expect(measures(e.ValidateRecord(entryRecord(bundle, 1), "", nil))).To(ConsistOf(
			saying(model.Error, profile.CodeMeasure, "Measure.group[0].population[1].criteria", "names Numerator, which Library http://example.org/fhir/Library/InBundle|1.0.0 does not define")))
	})
})
