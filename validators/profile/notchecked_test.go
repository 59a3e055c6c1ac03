package profile_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/check/checktest"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// A fhir-profile requirement that holds records only to the profiles they
// claim (profile: meta) judges nothing of a record whose every claimed
// profile is not loaded (not checked), nor of one that claims none
// (nothing to judge): a result of only such records is never a pass, and a
// result with some says how many, wherever the resources arrive.
var _ = Describe("records held to profiles carecert does not hold", func() {
	reg := check.NewRegistry()
	profile.Register(reg)
	const absent = "http://example.org/fhir/StructureDefinition/absent"
	const core = "http://hl7.org/fhir/StructureDefinition/Patient"
	patient := func(id string, claims ...string) string {
		meta := ""
		if len(claims) > 0 {
			meta = `,"meta":{"profile":["` + strings.Join(claims, `","`) + `"]}`
		}
		return `{"resourceType":"Patient","id":"` + id + `"` + meta + `}`
	}
	bundle := func(res []string) string {
		var entries []string
		for _, r := range res {
			entries = append(entries, `{"fullUrl":"http://example.org/fhir/Patient/`+fmt.Sprint(len(entries))+`","resource":`+r+`}`)
		}
		return `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`
	}
	xmlOf := func(src string) []byte {
		res, err := fhir.Decode([]byte(src))
		Expect(err).NotTo(HaveOccurred())
		x, err := fhirxml.Encode(res)
		Expect(err).NotTo(HaveOccurred())
		return x
	}
	type placement struct {
		name       string
		containers int
		read       func(res []string) []*model.Record
	}
	placements := []placement{
		{"NDJSON", 0, func(res []string) []*model.Record {
			return readRecords("feed.ndjson", []byte(strings.Join(res, "\n")+"\n"))
		}},
		{"XML files", 0, func(res []string) []*model.Record {
			var recs []*model.Record
			for _, r := range res {
				recs = append(recs, readRecords("r.xml", xmlOf(r))...)
			}
			return recs
		}},
		{"a Bundle's entries", 1, func(res []string) []*model.Record { return readRecords("b.json", []byte(bundle(res))) }},
		{"a Bundle's entries, in XML", 1, func(res []string) []*model.Record { return readRecords("b.xml", xmlOf(bundle(res))) }},
	}
	c, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"profile": "meta"}}, &check.Env{})
	Expect(err).NotTo(HaveOccurred())

	// message is the grade's message, with %d for the records evaluated.
	DescribeTable("the requirement's outcome",
		func(res []string, outcome model.Outcome, notChecked int, message string) {
			for _, p := range placements {
				for _, workers := range []int{1, 2} {
					r, err := checktest.Run(c, p.read(res), workers)
					Expect(err).NotTo(HaveOccurred())
					Expect(r.Outcome).To(Equal(outcome), p.name)
					Expect(r.Tally.NotChecked).To(BeEquivalentTo(notChecked), p.name)
					want := message
					if strings.Contains(message, "%d") {
						want = fmt.Sprintf(message, len(res)+p.containers)
					}
					Expect(r.Message).To(Equal(want), p.name)
				}
			}
		},
		Entry("every record claims only a profile not loaded: not checked", []string{patient("a", absent), patient("b", absent)},
			model.Warn, 2, "2 warning(s) in %d record(s); 2 record(s) not checked"),
		Entry("no record claims a profile: nothing judged, never a pass", []string{patient("a"), patient("b")},
			model.Skip, 0, "no applicable records"),
		Entry("one record not checked, one judged", []string{patient("a", absent), patient("b", core)},
			model.Warn, 1, "1 warning(s) in %d record(s); 1 record(s) not checked"),
		Entry("every record judged", []string{patient("a", core), patient("b", core)},
			model.Pass, 0, "%d record(s) checked"),
	)
})
