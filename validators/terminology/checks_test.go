package terminology_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/termserver"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/snomed"
	"github.com/carecert/carecert/terminology/snomed/snomedtest"
)

const suite = "fhir-r4-terminology"

var terminologyKinds = map[string]int{
	"code-not-in-value-set": 7, "unknown-code-system": 5, "bad-snomed-check-digit": 6,
	"invalid-ucum-unit": 9, "incomparable-unit": 4, "unmapped-local-code": 11,
}

type spot struct {
	line   int
	record string
}

var _ = Describe("the terminology suite on a generated feed", Ordered, func() {
	var (
		rep      *model.Report
		manifest *fixtures.Manifest
	)
	BeforeAll(func() {
		defects := map[string]int{}
		for k, n := range terminologyKinds {
			defects[k] = n
		}
		// Structure defects too: terminology must not report them.
		for _, k := range []string{"invalid-enum-code", "unknown-element", "wrong-type", "bad-date-format", "missing-required-element", "malformed-json"} {
			defects[k] = 3
		}
		var path string
		path, manifest = generate(GinkgoT().TempDir(), 2000, defects)
		rep = run([]string{suite}, nil, path)
	})

	for _, req := range []string{"TERM-01", "TERM-02", "TERM-03", "TERM-04", "TERM-05"} {
		It("finds every defect seeded for "+req+" at its record and line, and nothing else", func() {
			want := map[spot]string{}
			for _, d := range manifest.Defects {
				for _, det := range d.Detects {
					if det == suite+"/"+req {
						want[spot{d.Line(), d.Record}] = d.Path
					}
				}
			}
			Expect(want).NotTo(BeEmpty())
			res := result(rep, req)
			got := map[spot]string{}
			for _, f := range res.Tally.Findings {
				if f.Severity == model.Information {
					continue
				}
				got[spot{f.Line, f.Record}] = f.Path
				Expect(f.File).To(HaveSuffix("feed.ndjson"))
			}
			Expect(keys(got)).To(ConsistOf(keys(want)))
			for s, p := range want {
				Expect(got[s]).To(Or(HavePrefix(p), Equal(strings.TrimSuffix(p, ".system"))), fmt.Sprint(s))
			}
		})
	}

	It("counts exactly the seeded defects as errors (warnings for unmapped codes)", func() {
		Expect(result(rep, "TERM-01").Tally.Errors).To(BeEquivalentTo(terminologyKinds["code-not-in-value-set"] + terminologyKinds["unknown-code-system"]))
		Expect(result(rep, "TERM-02").Tally.Warnings).To(BeEquivalentTo(terminologyKinds["unknown-code-system"]))
		Expect(result(rep, "TERM-02").Tally.Errors).To(BeZero())
		Expect(result(rep, "TERM-03").Tally.Errors).To(BeEquivalentTo(terminologyKinds["bad-snomed-check-digit"]))
		Expect(result(rep, "TERM-04").Tally.Errors).To(BeEquivalentTo(terminologyKinds["invalid-ucum-unit"] + terminologyKinds["incomparable-unit"]))
		Expect(result(rep, "TERM-05").Tally.Warnings).To(BeEquivalentTo(terminologyKinds["unmapped-local-code"]))
		Expect(result(rep, "TERM-05").Tally.Errors).To(BeZero())
	})

	It("measures mapping coverage at the seeded rate and ranks the unmapped local codes", func() {
		res := result(rep, "TERM-05")
		conditions := int64(0)
		for i := 0; i < manifest.Records; i++ {
			if (i-4)%10 == 7 || (i-4)%10 == 8 {
				conditions++
			}
		}
		// malformed-json records never reach a check.
		for _, d := range manifest.Defects {
			if d.Kind == "malformed-json" && strings.HasPrefix(d.Record, "Condition/") {
				conditions--
			}
		}
		m, ok := res.Tally.Lookup("mapped Condition.code")
		Expect(ok).To(BeTrue())
		Expect(m.Denominator).To(Equal(conditions))
		Expect(m.Numerator).To(Equal(conditions - int64(terminologyKinds["unmapped-local-code"])))
		Expect(res.Outcome).To(Equal(model.Pass))

		freq := map[string]int{}
		for _, d := range manifest.Defects {
			if d.Kind == "unmapped-local-code" {
				freq[fixtures.LocalProblemCode(strings.TrimPrefix(d.Record, "Condition/"))]++
			}
		}
		var ranked []string
		for _, f := range res.Tally.Findings {
			if f.Code == "terminology.unmapped-code" {
				ranked = append(ranked, f.Message)
			}
		}
		Expect(ranked).To(HaveLen(len(freq)))
		// The tally keeps findings in canonical (location) order; the rank is
		// in the message.
		sort.Slice(ranked, func(i, j int) bool { return ranked[i] < ranked[j] })
		prev := 1 << 30
		for i, msg := range ranked {
			Expect(msg).To(HavePrefix(fmt.Sprintf("#%d unmapped in Condition.code: %s|", i+1, fixtures.LocalProblemSystem)))
			code := strings.Fields(strings.SplitN(msg, "|", 2)[1])[0]
			Expect(msg).To(ContainSubstring(fmt.Sprintf("in %d record(s)", freq[code])))
			Expect(freq[code]).To(BeNumerically("<=", prev))
			prev = freq[code]
		}
	})

	It("does not report the structure defects", func() {
		for _, req := range []string{"TERM-01", "TERM-02", "TERM-03", "TERM-04"} {
			for _, f := range result(rep, req).Tally.Findings {
				if f.Location == (model.Location{}) {
					continue // a note on the result, not on a record (codes not held)
				}
				Expect(f.Severity).NotTo(Equal(model.Information), f.String())
			}
		}
	})
})

var _ = Describe("a clean generated feed", func() {
	It("raises no terminology finding of any severity", func() {
		path, _ := generate(GinkgoT().TempDir(), 1200, nil)
		rep := run([]string{suite}, nil, path)
		for _, req := range []string{"TERM-01", "TERM-02", "TERM-03", "TERM-04", "TERM-05"} {
			res := result(rep, req)
			if req == "TERM-02" {
				// Only what carecert could not check: the codes of the code
				// systems whose codes it does not hold, once per system.
				var systems []string
				for _, f := range res.Tally.Findings {
					Expect(f.Severity).To(Equal(model.Information), f.String())
					Expect(f.Code).To(Equal(terminology.IssueNotChecked), f.String())
					Expect(f.Location).To(BeZero(), f.String())
					systems = append(systems, strings.Fields(f.Message)[3])
				}
				Expect(systems).To(ConsistOf(terminology.SNOMED, terminology.LOINC, terminology.DMD))
			} else {
				Expect(res.Tally.Total()).To(BeZero(), fmt.Sprint(req, res.Tally.Findings))
			}
			Expect(res.Outcome).To(Equal(model.Pass), req)
		}
		Expect(result(rep, "TERM-01").Tally.Evaluated).To(BeEquivalentTo(1200))
	})
})

var _ = Describe("hand-written resources", func() {
	write := func(name, content string) string {
		p := filepath.Join(GinkgoT().TempDir(), name)
		Expect(os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
		return p
	}

	It("checks bindings inside data types, backbone elements and contained resources", func() {
		p := write("enc.json", `{"resourceType":"Encounter","id":"e1","status":"finished",
 "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"ADM"},
 "participant":[{"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"ADM"}]}]}],
 "contained":[{"resourceType":"Condition","id":"c","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"gone"}]},"subject":{"reference":"Patient/p"}}],
 "reasonCode":[{"text":"no coding here"}]}`)
		rep := run([]string{suite}, nil, p)
		var got []string
		for _, req := range []string{"TERM-01", "TERM-02"} {
			for _, f := range result(rep, req).Tally.Findings {
				got = append(got, fmt.Sprintf("%s %s %s %s", req, f.Severity, f.Code, f.Path))
			}
		}
		Expect(got).To(ConsistOf(
			"TERM-01 warning terminology.not-in-value-set Encounter.class",
			"TERM-01 error terminology.not-in-value-set Encounter.contained[0].clinicalStatus.coding[0]",
			"TERM-02 error terminology.unknown-code Encounter.contained[0].clinicalStatus.coding[0].code",
		))
	})

	It("requires languages to be BCP-47 tags and MIME-type codings to be MIME types, in codings and in language-bound codes", func() {
		p := write("langs.json", `{"resourceType":"Practitioner","id":"pr","language":"cy-GB",
 "communication":[{"coding":[{"system":"urn:ietf:bcp:47","code":"zh-Hant-TW"},{"system":"urn:ietf:bcp:47","code":"zh_TW"}]}],
 "photo":[{"contentType":"image/jpeg","language":"en_US","url":"https://img.test/p.jpg"},{"contentType":"image/jpeg","language":"sgn-BE-FR","url":"https://img.test/q.jpg"}],
 "identifier":[{"type":{"coding":[{"system":"urn:ietf:bcp:13","code":"text/csv"},{"system":"urn:ietf:bcp:13","code":"csv"}]},"value":"1"}]}`)
		rep := run([]string{suite}, nil, p)
		var got []string
		for _, f := range result(rep, "TERM-03").Tally.Findings {
			got = append(got, fmt.Sprintf("%s %s %s", f.Severity, f.Code, f.Path))
		}
		Expect(got).To(ConsistOf(
			"error terminology.format Practitioner.communication[0].coding[1].code",
			"error terminology.format Practitioner.photo[0].language",
			"error terminology.format Practitioner.identifier[0].type.coding[1].code",
		))
	})

	It("reads the unit a vital signs profile fixes, also in components", func() {
		p := write("bp.json", `{"resourceType":"Observation","id":"bp","status":"final",
 "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
 "component":[
  {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"system":"http://unitsofmeasure.org","code":"kPa"}},
  {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"mL"}}]}`)
		rep := run([]string{suite}, nil, p)
		fs := result(rep, "TERM-04").Tally.Findings
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Path).To(Equal("Observation.component[1].valueQuantity.code"))
		Expect(fs[0].Message).To(ContainSubstring("not comparable with mm[Hg]"))
	})

	It("reads bindings of a FHIR Bundle's entries once each, as records of their own", func() {
		p := write("bundle.json", `{"resourceType":"Bundle","type":"collection","entry":[
 {"resource":{"resourceType":"Condition","id":"a","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"nope"}]},"subject":{"reference":"Patient/p"}}}]}`)
		rep := run([]string{suite}, nil, p)
		fs := result(rep, "TERM-02").Tally.Findings
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Record).To(Equal("Condition/a"))
		Expect(fs[0].Line).To(Equal(2))
	})
})

func keys(m map[spot]string) []spot {
	out := make([]spot, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

var _ = Describe("with a SNOMED CT release", func() {
	It("checks SNOMED CT codes exist, with their displays, and decides SNOMED value sets", func() {
		dir := GinkgoT().TempDir()
		db := filepath.Join(dir, "snomed.db")
		_, err := snomed.Load(context.Background(), snomedtest.WriteRelease(dir), db)
		Expect(err).NotTo(HaveOccurred())
		suitePath := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(suitePath, []byte(`id: snomed-local
version: 1.0.0
title: SNOMED CT with a release
requirements:
  - id: CODES
    level: SHALL
    title: codes exist
    check: fhir-code-system
    params: {snomed: "`+db+`"}
  - id: CODES-LENIENT
    level: SHALL
    title: codes exist, displays only warned
    check: fhir-code-system
    params: {snomed: "`+db+`", display-issues-are-warnings: true}
`), 0o644)).To(Succeed())
		feed := filepath.Join(dir, "feed.ndjson")
		cond := func(id, code, display string) string {
			return `{"resourceType":"Condition","id":"` + id + `","code":{"coding":[{"system":"http://snomed.info/sct","code":"` + code + `","display":"` + display + `"}]},"subject":{"reference":"Patient/p"}}`
		}
		Expect(os.WriteFile(feed, []byte(strings.Join([]string{
			cond("ok", snomedtest.PregHTN, "Hypertension in pregnancy"),
			cond("display", snomedtest.Htn, "Heart failure"),
			cond("unknown", "22298006", ""),
			cond("inactive", snomedtest.Retired, ""),
		}, "\n")+"\n"), 0o644)).To(Succeed())
		rep := run([]string{suitePath}, nil, feed)
		findings := func(req string) []string {
			var got []string
			for _, f := range result(rep, req).Tally.Findings {
				got = append(got, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Code))
			}
			return got
		}
		Expect(findings("CODES")).To(Equal([]string{
			"2 error terminology.display",
			"3 error terminology.unknown-code",
			"4 warning terminology.inactive",
		}))
		// The reference validator's -display-issues-are-warnings lowers only the display.
		Expect(findings("CODES-LENIENT")).To(Equal([]string{
			"2 warning terminology.display",
			"3 error terminology.unknown-code",
			"4 warning terminology.inactive",
		}))
	})

	It("judges each requirement with its own release, whatever the order they are compiled in", func() {
		dir := GinkgoT().TempDir()
		current, later := editions(dir)
		suitePath := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(suitePath, []byte(`id: two-editions
version: 1.0.0
title: two SNOMED CT editions
requirements:
  - id: CURRENT
    level: SHALL
    title: codes exist in the current edition
    check: fhir-code-system
    params: {snomed: "`+current+`"}
  - id: LATER
    level: SHALL
    title: codes exist in the later edition
    check: fhir-code-system
    params: {snomed: "`+later+`"}
`), 0o644)).To(Succeed())
		feed := filepath.Join(dir, "feed.ndjson")
		Expect(os.WriteFile(feed, []byte(`{"resourceType":"Condition","id":"c","code":{"coding":[{"system":"http://snomed.info/sct","code":"`+
			snomedtest.PregHTN+`","display":"Hypertension in pregnancy"}]},"subject":{"reference":"Patient/p"}}`+"\n"), 0o644)).To(Succeed())
		rep := run([]string{suitePath}, nil, feed)
		codes := func(req string) []string {
			out := []string{}
			for _, f := range result(rep, req).Tally.Findings {
				out = append(out, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Code))
			}
			return out
		}
		Expect(codes("CURRENT")).To(BeEmpty())
		Expect(codes("LATER")).To(Equal([]string{"1 warning terminology.inactive"}))
	})

	It("names a SNOMED CT file that cannot be opened", func() {
		_, err := compile("fhir-code-system", map[string]any{"snomed": "/nonexistent/snomed.db"})
		Expect(err).To(MatchError(ContainSubstring(`parameter "snomed"`)))
	})
})

var _ = Describe("with a terminology server configured", func() {
	It("asks it nothing when offline content answers every record, even when it hangs", func() {
		srv := termserver.New(terminology.New())
		srv.SetMode(termserver.Hang, 0)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		dir := GinkgoT().TempDir()
		suitePath := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(suitePath, []byte(`id: with-server
version: 1.0.0
title: bindings with a terminology server
requirements:
  - id: BIND
    level: SHALL
    title: bound codes are in their value sets
    check: fhir-value-set-binding
    params: {server: "`+ts.URL+`", server-timeout: 5s}
`), 0o644)).To(Succeed())
		path, _ := generate(dir, 600, map[string]int{"code-not-in-value-set": 4})
		rep := run([]string{suitePath}, nil, path)
		Expect(result(rep, "BIND").Tally.Errors).To(BeEquivalentTo(4))
		Expect(srv.Requests()).To(BeZero())
	})
})

var _ = Describe("resources of the wrong shape", func() {
	It("raise no panic, and only the findings their codes deserve", func() {
		p := filepath.Join(GinkgoT().TempDir(), "odd.ndjson")
		Expect(os.WriteFile(p, []byte(strings.Join([]string{
			`{"resourceType":"Observation","id":"a","status":"final","code":"8867-4","valueQuantity":[{"code":"kg"}]}`,
			`{"resourceType":"Observation","id":"b","status":"final","code":{"coding":{"system":"http://loinc.org","code":"8867-4"}},"component":"x","valueQuantity":{"system":"http://unitsofmeasure.org","code":42}}`,
			`{"resourceType":"Condition","id":"c","clinicalStatus":{"coding":[null,"active",{"system":7,"code":["x"]}]},"code":{"coding":[{}]},"subject":{"reference":"Patient/p"}}`,
			`{"resourceType":"Patient","id":"d","contained":[{"resourceType":"Nope"},{"no":"type"}],"extension":[{"url":"x","valueCoding":{"system":"http://snomed.info/sct","code":"1"}}]}`,
			`{"resourceType":"Basic","id":"e","code":{"coding":[{"system":"SNOMED","code":"22298006"}]}}`,
		}, "\n")+"\n"), 0o644)).To(Succeed())
		rep := run([]string{suite}, nil, p)
		var got []string
		for _, req := range []string{"TERM-01", "TERM-02", "TERM-03", "TERM-04", "TERM-05"} {
			for _, f := range result(rep, req).Tally.Findings {
				got = append(got, fmt.Sprintf("%s %s %s %s", req, f.Record, f.Code, f.Path))
			}
		}
		// The Condition's clinical status has one coding that can be read,
		// and it is not in the value set; the Basic's system is not a URI;
		// coded elements that hold no code do not map.
		Expect(got).To(ConsistOf(
			"TERM-01 Condition/c terminology.not-in-value-set Condition.clinicalStatus.coding[2]",
			"TERM-02 Basic/e terminology.unknown-system Basic.code.coding[0].system",
			"TERM-05 Observation/b terminology.unmapped Observation.code",
			"TERM-05 Condition/c terminology.unmapped Condition.code",
		))
	})
})

var _ = Describe("a value set only a terminology server has", func() {
	const cid29 = "http://dicom.nema.org/medical/dicom/current/output/chtml/part16/sect_CID_29.html"
	const dcm = "http://dicom.nema.org/resources/ontology/DCM"

	var dir, feed string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		feed = filepath.Join(dir, "studies.ndjson")
		study := func(id, code string) string {
			return `{"resourceType":"ImagingStudy","id":"` + id + `","status":"available","subject":{"reference":"Patient/p"},"modality":[{"system":"` + dcm + `","code":"` + code + `"}]}`
		}
		Expect(os.WriteFile(feed, []byte(study("ct", "CT")+"\n"+study("xx", "XX")+"\n"+study("ct2", "CT")+"\n"), 0o644)).To(Succeed())
	})

	suiteWith := func(server string) string {
		p := filepath.Join(dir, "suite.yaml")
		params := ""
		if server != "" {
			params = `    params: {server: "` + server + `", server-timeout: 300ms}` + "\n"
		}
		Expect(os.WriteFile(p, []byte(`id: studies
version: 1.0.0
title: imaging study bindings
requirements:
  - id: BIND
    level: SHALL
    title: bound codes are in their value sets
    check: fhir-value-set-binding
`+params), 0o644)).To(Succeed())
		return p
	}

	findings := func(rep *model.Report) []string {
		var got []string
		for _, f := range result(rep, "BIND").Tally.Findings {
			got = append(got, fmt.Sprintf("%s %s %s", f.Record, f.Severity, f.Code))
		}
		return got
	}

	It("is reported as not checked offline", func() {
		Expect(findings(run([]string{suiteWith("")}, nil, feed))).To(ConsistOf(
			"ImagingStudy/ct information terminology.unknown-value-set",
			"ImagingStudy/xx information terminology.unknown-value-set",
			"ImagingStudy/ct2 information terminology.unknown-value-set",
		))
	})

	It("is decided by the server, once per code", func() {
		e := terminology.New()
		Expect(e.AddJSON([]byte(`{"resourceType":"ValueSet","url":"`+cid29+`","status":"active",
			"compose":{"include":[{"system":"`+dcm+`","concept":[{"code":"CT"},{"code":"MR"}]}]}}`), "cid29")).To(Succeed())
		srv := termserver.New(e)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		Expect(findings(run([]string{suiteWith(ts.URL)}, nil, feed))).To(ConsistOf(
			"ImagingStudy/xx warning terminology.not-in-value-set",
		))
		Expect(srv.Requests()).To(BeEquivalentTo(2))
	})

	It("falls back to not checked, with the reason, when the server hangs", func() {
		srv := termserver.New(terminology.New())
		srv.SetMode(termserver.Hang, 0)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		rep := run([]string{suiteWith(ts.URL)}, nil, feed)
		Expect(findings(rep)).To(ConsistOf(
			"ImagingStudy/ct information terminology.not-checked",
			"ImagingStudy/xx information terminology.not-checked",
			"ImagingStudy/ct2 information terminology.not-checked",
		))
		for _, f := range result(rep, "BIND").Tally.Findings {
			Expect(f.Message).To(Or(ContainSubstring("no answer within 300ms"), ContainSubstring("disabled for this run")))
		}
		Expect(result(rep, "BIND").Outcome).To(Equal(model.Skip), "no record could be judged: never a pass")
		Expect(result(rep, "BIND").Message).To(HavePrefix("not checked: 3 record(s), none judged"))
	})
})
