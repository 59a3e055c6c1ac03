package sarif_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/reporttest"
	"github.com/carecert/carecert/reports/sarif"
)

var _ = Describe("SARIF", func() {
	var rep *model.Report
	BeforeEach(func() {
		var err error
		rep, err = feeds.Run(reporttest.Feed{Vendor: "Oakfield", Seed: 2, Records: 300, Defects: "all"})
		Expect(err).NotTo(HaveOccurred())
	})

	It("writes SARIF 2.1.0 with the requirements as rules and each kept finding at its file and line", func() {
		data, err := sarif.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
		// Decode generically, as a code-scanning tool would.
		var log map[string]any
		Expect(json.Unmarshal(data, &log)).To(Succeed())
		Expect(log["version"]).To(Equal("2.1.0"))
		Expect(log["$schema"]).To(Equal("https://json.schemastore.org/sarif-2.1.0.json"))
		runs := log["runs"].([]any)
		Expect(runs).To(HaveLen(1))
		run := runs[0].(map[string]any)
		driver := run["tool"].(map[string]any)["driver"].(map[string]any)
		Expect(driver["name"]).To(Equal("carecert"))
		rules := driver["rules"].([]any)
		var ids []string
		for _, r := range rules {
			ids = append(ids, r.(map[string]any)["id"].(string))
		}
		Expect(ids).To(Equal([]string{"carecert/INPUT", "fhir-r4-structure/STRUCT-01", "fhir-r4-structure/STRUCT-02"}))

		// Every finding the report kept, in the report's order, at its place.
		var want []model.Finding
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				want = append(want, r.Findings...)
			}
		}
		results := run["results"].([]any)
		Expect(results).To(HaveLen(len(want)))
		for i, r := range results {
			res := r.(map[string]any)
			idx := int(res["ruleIndex"].(float64))
			Expect(ids[idx]).To(Equal(res["ruleId"]), "ruleIndex points at the rule named by ruleId")
			Expect(res["ruleId"]).To(HaveSuffix("/" + want[i].Requirement))
			Expect(res["level"]).To(Equal("error"))
			Expect(res["message"].(map[string]any)["text"]).To(ContainSubstring(reports.Redact(want[i], false).Message))
			Expect(res["message"].(map[string]any)["text"]).NotTo(MatchRegexp(`"\d\d/\d\d/\d{4}"`), "birth dates are redacted")
			Expect(res["partialFingerprints"]).To(HaveKey("carecertFinding/v1"))
			phys := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
			Expect(phys["artifactLocation"]).To(Equal(map[string]any{"uri": want[i].File, "uriBaseId": "SRCROOT"}))
			Expect(phys["region"]).To(Equal(map[string]any{"startLine": float64(want[i].Line)}))
		}
		Expect(run["invocations"].([]any)[0].(map[string]any)["executionSuccessful"]).To(BeTrue())
		Expect(run["properties"].(map[string]any)["verdict"]).To(Equal("Not certified"))
	})

	It("explains every rule: full description, help and the rule's source from the suite, a link where the suite is published", func() {
		rules := func(rep *model.Report) map[string]map[string]any {
			data, err := sarif.Marshal(rep)
			Expect(err).NotTo(HaveOccurred())
			var log map[string]any
			Expect(json.Unmarshal(data, &log)).To(Succeed())
			out := map[string]map[string]any{}
			for _, r := range log["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any) {
				rule := r.(map[string]any)
				// Code scanning rejects a rule without these texts.
				Expect(rule["fullDescription"].(map[string]any)["text"]).NotTo(BeEmpty(), rule["id"])
				Expect(rule["help"].(map[string]any)["text"]).NotTo(BeEmpty(), rule["id"])
				out[rule["id"].(string)] = rule
			}
			return out
		}
		byID := rules(rep)
		schema := byID["fhir-r4-structure/STRUCT-02"]
		description := "Each resource, and each resource contained in it, validates against the JSON schema definition of its own resource type. It claims what the published schema states and no more: FHIR JSON also forbids an empty list, an extension without its url and a `_x` companion list longer or shorter than its values' list, rules the published schema does not state (it gives no list a minimum length, leaves Extension.url optional and cannot relate one property's list to another's); fhir-r4-profiles (PROF-01) judges those. A null in a list is judged here, as the schema types each item."
		Expect(schema["fullDescription"]).To(Equal(map[string]any{"text": description}))
		Expect(schema["help"].(map[string]any)["text"]).To(Equal(description + " (SHALL, suite fhir-r4-structure, check fhir-json-schema). Defined in builtin:fhir-r4-structure. Rule: JSON Representation of Resources, https://hl7.org/fhir/R4/json.html."))
		Expect(schema["helpUri"]).To(Equal("https://github.com/carecert/carecert/blob/main/suites/builtin/fhir-r4-structure.yaml"))

		// carecert's own input requirement belongs to no suite file: its title
		// describes it, and it has no page to link to.
		input := byID["carecert/INPUT"]
		Expect(input["fullDescription"].(map[string]any)["text"]).To(Equal(rep.Targets[0].Results[0].Title))
		Expect(input).NotTo(HaveKey("helpUri"))

		// A suite file of the user's is named in the help but has no address.
		for i := range rep.Suites {
			rep.Suites[i].Source = "suites/mine.yaml"
		}
		mine := rules(rep)["fhir-r4-structure/STRUCT-02"]
		Expect(mine).NotTo(HaveKey("helpUri"))
		Expect(mine["help"].(map[string]any)["text"]).To(HaveSuffix("Defined in suites/mine.yaml. Rule: JSON Representation of Resources, https://hl7.org/fhir/R4/json.html."))
	})

	It("writes file URIs that code-scanning tools accept, and never identifying evidence", func() {
		big := reporttest.Large(12)
		big.Targets[0].Results[0].Findings[0].File = "/data/exports/north feed.ndjson"
		log := sarif.Build(big)
		first := log.Runs[0].Results[0]
		Expect(first.Locations[0].PhysicalLocation.ArtifactLocation.URI).To(Equal("file:///data/exports/north%20feed.ndjson"))
		Expect(log.Runs[0].Results[1].Locations[0].PhysicalLocation.ArtifactLocation.URI).To(Equal("north%20feed.ndjson"))
		Expect(first.Locations[0].LogicalLocations[0].FullyQualifiedName).To(Equal("Patient/p000000 Patient.birthDate"))
		for _, r := range log.Runs[0].Results {
			Expect(r.Message.Text).NotTo(ContainSubstring("1970"))
		}
	})

	It("puts a feed-level finding, which names no file, on its target", func() {
		big := reporttest.Large(12)
		big.Targets[1].Results[0].Findings[0].File = ""
		big.Targets[1].Results[0].Findings[0].Line = 0
		var r sarif.Result
		for _, res := range sarif.Build(big).Runs[0].Results {
			if res.Properties["target"] == "south feed" {
				r = res
				break
			}
		}
		Expect(r.Locations[0].PhysicalLocation.ArtifactLocation.URI).To(Equal("south%20feed.ndjson"))
		Expect(r.Locations[0].PhysicalLocation.Region).To(BeNil())
	})

	It("says which other requirements report the same defect, in the message and a property", func() {
		grouped := 0
		for _, t := range rep.Targets {
			for _, res := range t.Results {
				for i := range res.Findings {
					if f := &res.Findings[i]; f.Record != "" && grouped < 3 {
						f.AlsoReportedBy = []string{"other-suite/REQ-9"}
					}
					if len(res.Findings[i].AlsoReportedBy) > 0 {
						grouped++
					}
				}
			}
		}
		Expect(grouped).To(BeNumerically(">=", 3))
		data, err := sarif.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
		var log struct {
			Runs []struct {
				Results []struct {
					Message    struct{ Text string } `json:"message"`
					Properties map[string]any        `json:"properties"`
				} `json:"results"`
			} `json:"runs"`
		}
		Expect(json.Unmarshal(data, &log)).To(Succeed())
		var marked int
		for _, r := range log.Runs[0].Results {
			also, ok := r.Properties["alsoReportedBy"].([]any)
			if !ok {
				Expect(r.Message.Text).NotTo(ContainSubstring("also reported by"))
				continue
			}
			marked++
			Expect(also).NotTo(BeEmpty())
			Expect(r.Message.Text).To(ContainSubstring("(also reported by " + also[0].(string)))
		}
		Expect(marked).To(Equal(grouped))
	})

	It("gives the same finding the same fingerprint when only its line moves", func() {
		a := sarif.Build(rep).Runs[0].Results[0]
		rep.Targets[0].Results[0].Findings[0].Line += 10
		b := sarif.Build(rep).Runs[0].Results[0]
		Expect(b.PartialFingerprints).To(Equal(a.PartialFingerprints))
		Expect(b.Locations[0].PhysicalLocation.Region.StartLine).To(Equal(a.Locations[0].PhysicalLocation.Region.StartLine + 10))
	})
})
