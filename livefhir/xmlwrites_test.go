package livefhir_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-server target's writes in FHIR XML (allow_writes)", func() {
	It("passes a server that declares XML and takes the create and update in XML, reads included, leaving nothing behind", func() {
		sim, url := simulator(fhirserver.Options{PageSize: 5, XML: true})
		before := sim.Resources()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		x := result(rep, "api", "API-30")
		Expect(x.Outcome).To(Equal(model.Pass), x.Message)
		Expect(x.Warnings).To(BeZero())
		// the create and update in XML, the read in JSON after the create
		// and the read in XML after the update
		Expect(x.Evaluated).To(Equal(int64(4)))
		Expect(result(rep, "api", "API-16").Outcome).To(Equal(model.Pass), "the XML reads, now served")
		Expect(result(rep, "api", "API-13").Outcome).To(Equal(model.Pass), "XML answers to XML requests are no transport fault")
		Expect(sim.Resources()).To(Equal(before), "the copy written in XML is deleted")
	})

	It("skips, with the reason, on a server whose statement declares no XML", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		x := result(rep, "api", "API-30")
		Expect(x.Outcome).To(Equal(model.Skip))
		Expect(x.Message).To(ContainSubstring("declares no XML format"))
		Expect(result(rep, "api", "API-16").Outcome).To(Equal(model.Pass), "its XML reads are refused with 406, as due")
	})

	DescribeTable("skips, as carecert's limit, a copy FHIR XML cannot hold, and fails nothing for it",
		func(patient, why string) {
			// the server's only Patient is one no FHIR XML writes faithfully
			feed := filepath.Join(GinkgoT().TempDir(), "feed.ndjson")
			Expect(os.WriteFile(feed, []byte(patient+"\n"), 0o600)).To(Succeed())
			sim, url := simulator(fhirserver.Options{Feed: feed, XML: true})
			before := sim.Resources()
			rep := run([]map[string]any{{"name": "api", "type": "fhir-server", "url": url, "timeout": "10s", "resources": []any{"Patient"},
				"allow_writes": true, "interactions": []any{"capabilities", "search", "read", "create", "delete", "xml-write"}}}, "fhir-rest-api")
			Expect(failing(rep)).To(BeEmpty())
			x := result(rep, "api", "API-30")
			Expect(x.Outcome).To(Equal(model.Skip))
			Expect(x.Message).To(ContainSubstring("carecert cannot write its copy of Patient/p1 as FHIR XML: " + why))
			Expect(sim.Resources()).To(Equal(before))
		},
		// U+FFFF, not a control character: R4 says a string should not hold
		// those (the profile engine warns of one), while a noncharacter is
		// valid FHIR JSON that XML 1.0 still cannot carry.
		Entry("a noncharacter, which XML 1.0 cannot carry",
			`{"resourceType":"Patient","id":"p1","name":[{"family":"A\uffffB"}],"meta":{"versionId":"1","lastUpdated":"2026-01-01T00:00:00Z"}}`,
			"name[0].family: the value holds the character U+FFFF"),
		Entry("an HTML entity in the narrative, which FHIR XML does not declare",
			`{"resourceType":"Patient","id":"p1","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">A&nbsp;B</div>"},"meta":{"versionId":"1","lastUpdated":"2026-01-01T00:00:00Z"}}`,
			"text.div: the narrative div uses the HTML entity &nbsp;"),
	)

	It("never writes XML unless the plan allows writes", func() {
		sim, url := simulator(fhirserver.Options{PageSize: 5, XML: true})
		before := sim.Resources()
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"interactions": []any{"read", "xml-write"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("xml-write changes the server's data; it needs allow_writes: true")))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		Expect(result(rep, "api", "API-30").Outcome).To(Equal(model.Skip))
		Expect(sim.Resources()).To(Equal(before))
	})

	It("locates each XML write fault at the requests that show it", func() {
		type at struct{ record, path, message string }
		for _, c := range []struct {
			defect string
			want   []at
		}{
			{"xml-writes-refused", []at{{"POST Patient (FHIR XML)", "", "create Patient in FHIR XML returned HTTP 415, want 201"}}},
			// the create's answer shows it first, the read of what was kept
			// again, and so do the update and the read in XML: each names the
			// first element lost (created-3: the JSON writes made 1 and 2)
			{"xml-body-misread", []at{
				{"POST Patient (FHIR XML)", "address", "create Patient in FHIR XML: the resource differs from the one carecert sent in FHIR XML at address"},
				{"GET Patient/created-3 (after its create in FHIR XML)", "address", "read of Patient/created-3 after its create in FHIR XML: the resource differs"},
				{"PUT Patient/created-3 (FHIR XML)", "address", "update Patient/created-3 in FHIR XML: the resource differs"},
				{"GET Patient/created-3?_format=xml (after its update in FHIR XML)", "address", "read of Patient/created-3 with _format=xml after its update in FHIR XML: the resource differs"},
			}},
		} {
			opts := withDefects(c.defect)
			opts.XML = true
			sim, url := simulator(opts)
			before := sim.Resources()
			rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
			Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-30"}), c.defect)
			r := result(rep, "api", "API-30")
			Expect(r.Findings).To(HaveLen(len(c.want)), c.defect)
			for i, w := range c.want {
				f := r.Findings[i]
				Expect(f.Record).To(HavePrefix(w.record), c.defect)
				Expect(f.Path).To(Equal(w.path), c.defect)
				Expect(f.Message).To(HavePrefix(w.message), c.defect)
				Expect(f.File).To(HavePrefix(url+"/"), c.defect)
			}
			Expect(sim.Resources()).To(Equal(before), c.defect+": carecert deletes what it created")
		}
	})
})
