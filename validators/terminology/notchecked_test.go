package terminology_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// A binding carecert cannot judge offline (ImagingStudy.modality's DICOM
// value set, which it does not hold) leaves a record it judged nothing else
// of not checked: a requirement whose every record is so is skipped, never
// passed, and one where some are says how many, wherever the resources
// arrive (NDJSON, JSON or XML files, a Bundle's entries in either form, a
// contained resource).
var _ = Describe("records whose codes could not be judged", func() {
	const dcm = "http://dicom.nema.org/resources/ontology/DCM"
	// study's only bound code is its modality: not decided offline.
	study := func(id string) string {
		return `{"resourceType":"ImagingStudy","id":"` + id + `","status":"available","subject":{"reference":"Patient/p"},"modality":[{"system":"` + dcm + `","code":"CT"}]}`
	}
	// condition's clinical status is decided (a required binding to a
	// value set carecert holds); contained adds a study inside it.
	condition := func(id string, clinical bool, contained ...string) string {
		s := `{"resourceType":"Condition","id":"` + id + `","subject":{"reference":"Patient/p"}`
		if clinical {
			s += `,"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}`
		}
		if len(contained) > 0 {
			s += `,"contained":[` + strings.Join(contained, ",") + `]`
		}
		return s + "}"
	}
	bundle := func(res []string) string {
		var entries []string
		for i, r := range res {
			entries = append(entries, `{"fullUrl":"urn:uuid:6a3b1c52-0c0e-4c4e-9d6e-1f2a3b4c5d6`+strconv.Itoa(i)+`","resource":`+r+`}`)
		}
		return `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`
	}
	// A placement's container records (a Bundle) hold nothing the check
	// judges: they count as checked, as every record did before, but
	// never make a result of records not checked a pass.
	type placement struct {
		name       string
		containers int
		write      func(dir string, res []string) string
	}
	files := func(ext string, form func(string) string) func(string, []string) string {
		return func(dir string, res []string) string {
			for i, r := range res {
				Expect(os.WriteFile(filepath.Join(dir, "r"+strconv.Itoa(i)+ext), []byte(form(r)), 0o644)).To(Succeed())
			}
			return dir
		}
	}
	one := func(name string, form func([]string) string) func(string, []string) string {
		return func(dir string, res []string) string {
			p := filepath.Join(dir, name)
			Expect(os.WriteFile(p, []byte(form(res)), 0o644)).To(Succeed())
			return p
		}
	}
	placements := []placement{
		{"NDJSON", 0, one("feed.ndjson", func(res []string) string { return strings.Join(res, "\n") + "\n" })},
		{"JSON files", 0, files(".json", func(r string) string { return r })},
		{"XML files", 0, files(".xml", toXML)},
		{"a Bundle's entries", 1, one("b.json", bundle)},
		{"a Bundle's entries, in XML", 1, one("b.xml", func(res []string) string { return toXML(bundle(res)) })},
	}
	suiteFile := func(dir, checkType string) string {
		p := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(p, []byte(`id: codes
version: 1.0.0
title: codes
requirements:
  - id: REQ
    level: SHALL
    title: codes are judged
    check: `+checkType+`
`), 0o644)).To(Succeed())
		return p
	}
	// checked < 0 means the result is a skip, whose message says how many
	// records were not checked.
	outcome := func(checkType string) func(res []string, checked, notChecked int, example string) {
		return func(res []string, checked, notChecked int, example string) {
			for _, p := range placements {
				dir, feed := GinkgoT().TempDir(), GinkgoT().TempDir()
				r := result(run([]string{suiteFile(dir, checkType)}, nil, p.write(feed, res)), "REQ")
				Expect(r.NotChecked).To(BeEquivalentTo(notChecked), p.name)
				if checked < 0 {
					Expect(r.Outcome).To(Equal(model.Skip), p.name)
					Expect(r.Message).To(HavePrefix(fmt.Sprintf("not checked: %d record(s), none judged%s", notChecked, example)), p.name)
					continue
				}
				msg := fmt.Sprintf("%d record(s) checked", checked+p.containers)
				if notChecked > 0 {
					msg += fmt.Sprintf(", %d not checked%s", notChecked, example)
				}
				Expect(r.Outcome).To(Equal(model.Pass), p.name)
				Expect(r.Message).To(HavePrefix(msg), p.name)
			}
		}
	}
	DescribeTable("the binding requirement's outcome", outcome("fhir-value-set-binding"),
		Entry("every record not judged: skip", []string{study("a"), study("b")},
			-1, 2, " (e.g. value set http://dicom.nema.org/"),
		Entry("some records not judged: pass, saying how many", []string{study("a"), condition("c", true)},
			1, 1, " (e.g. value set http://dicom.nema.org/"),
		Entry("every record judged: pass", []string{condition("c", true), condition("d", true)},
			2, 0, ""),
		Entry("a record with a judged code and a contained study not judged: judged", []string{condition("c", true, study("s"))},
			1, 0, ""),
		Entry("a record whose only bound code is a contained study's: not judged", []string{condition("c", false, study("s"))},
			-1, 1, ""),
	)

	// The code-system requirement says once per result how many codes of a
	// code system carecert does not hold went unchecked (SNOMED CT and LOINC
	// here): a record whose every code is such judged nothing, however many
	// codes it holds, and a result of only such records is not a pass.
	observation := func(id string, codes ...string) string {
		var cs []string
		for _, c := range codes {
			system, code, _ := strings.Cut(c, "|")
			cs = append(cs, `{"system":"`+system+`","code":"`+code+`"}`)
		}
		return `{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"coding":[` + strings.Join(cs, ",") + `]}}`
	}
	const (
		loinc  = "http://loinc.org|8867-4"
		snomed = "http://snomed.info/sct|364075005"
		held   = "http://terminology.hl7.org/CodeSystem/v2-0203|MR" // R4 holds its codes
	)
	DescribeTable("the code-system requirement's outcome", outcome("fhir-code-system"),
		Entry("every code of a code system carecert does not hold: skip", []string{observation("a", loinc), observation("b", loinc, snomed)},
			-1, 2, ""),
		Entry("some records judged: pass, saying how many were not", []string{observation("a", loinc), observation("b", held)},
			1, 1, ""),
		Entry("a record with one held code beside codes not held: judged", []string{observation("a", loinc, held, snomed)},
			1, 0, ""),
		Entry("a contained resource's held code judges its container", []string{strings.Replace(observation("a", loinc), `"status"`, `"contained":[`+observation("c", held)+`],"status"`, 1)},
			1, 0, ""),
	)
})
