package quality_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// dq-within-life compares a patient's events with the patient's life, and
// says what it could not compare. An event whose subject is a Group or a
// Device is no patient's event: it is left out (a urn:uuid naming such an
// entry of its Bundle as a reference "Group/g1" is), where before the urn
// made it "unjoined". An event of a patient the feed never holds is compared
// with no one: it is counted as unjoined ("not checked"), where before it was
// left out uncounted, and a feed of only such events said "no applicable
// records". The same data gets the same measures and verdict as NDJSON
// lines with literal references and as a Bundle with urn:uuid ones (JSON or
// XML, read whole or apart, or as an NDJSON line), and through a sharded
// merge.
var _ = Describe("dq-within-life's subjects that are no patient, or no patient of the feed", func() {
	const (
		unjoined = "dq.plausibility.temporal.validation.unjoined"
		outside  = "dq.plausibility.temporal.validation.outside-life"
	)
	lifeParams := params.Params{"events": []any{"Observation.effective"}}
	// subject is an event's subject: the resource it names, if the feed
	// holds it ("" for a patient the feed never holds).
	type subject struct{ typ, id, resource string }
	group := subject{"Group", "g1", `{"resourceType":"Group","id":"g1","type":"person","actual":true}`}
	device := subject{"Device", "d1", `{"resourceType":"Device","id":"d1"}`}
	absent := subject{"Patient", "gone", ""}
	patient := subject{"Patient", "p1", `{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}`}
	uuid := func(s subject) string {
		return "urn:uuid:" + map[string]string{"g1": "11111111", "d1": "22222222", "gone": "33333333", "p1": "44444444"}[s.id] + "-1111-4111-8111-111111111111"
	}
	observation := func(i int, ref string) string {
		return `{"resourceType":"Observation","id":"o` + string(rune('0'+i)) + `","status":"final","code":{"text":"x"},"subject":{"reference":"` + ref + `"},"effectiveDateTime":"1970-01-01"}`
	}
	// ndjson: one resource a line, subjects as literal references.
	ndjson := func(subjects []subject) []*model.Record {
		var lines []string
		for i, s := range subjects {
			lines = append(lines, observation(i, s.typ+"/"+s.id))
		}
		for _, s := range subjects {
			if s.resource != "" {
				lines = append(lines, s.resource)
			}
		}
		return records(lines...)
	}
	// bundle: the same as a Bundle's entries, subjects as urn:uuid fullUrls.
	bundle := func(subjects []subject) string {
		var es []string
		for i, s := range subjects {
			es = append(es, `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-00000000000`+string(rune('0'+i))+`","resource":`+observation(i, uuid(s))+`}`)
		}
		for _, s := range subjects {
			if s.resource != "" {
				es = append(es, `{"fullUrl":"`+uuid(s)+`","resource":`+s.resource+`}`)
			}
		}
		return `{"resourceType":"Bundle","id":"b1","type":"collection","entry":[` + strings.Join(es, ",") + `]}`
	}
	file := func(name string, xml, apart bool) func([]subject) []*model.Record {
		return func(subjects []subject) []*model.Record {
			return readJSONBundleAs(name, bundle(subjects), xml, apart)
		}
	}
	measures := func(t *model.Tally) [][2]int64 {
		var out [][2]int64
		for _, name := range []string{unjoined, outside} {
			m, _ := t.Lookup(name)
			out = append(out, [2]int64{m.Numerator, m.Denominator})
		}
		return out
	}

	DescribeTable("are left out, or counted as not checked, however the feed arrives",
		func(read func([]subject) []*model.Record) {
			// A Group's and a Device's events are left out; the absent
			// patient's is unjoined; p1's is before p1's birth.
			recs := read([]subject{group, device, absent, patient})
			t, o, _ := run("dq-within-life", lifeParams, recs)
			Expect(measures(t)).To(Equal([][2]int64{{1, 2}, {1, 1}}))
			Expect(o).To(Equal(model.Fail))

			// Sharded: each record in its own state, merged through JSON.
			Expect(measures(sharded("dq-within-life", lifeParams, recs))).To(Equal([][2]int64{{1, 2}, {1, 1}}), "merged")

			// Without a patient of the feed, nothing was compared: not checked.
			t, o, msg := run("dq-within-life", lifeParams, read([]subject{group, device, absent}))
			Expect(measures(t)).To(Equal([][2]int64{{1, 1}, {0, 0}}))
			Expect(o).To(Equal(model.Skip))
			Expect(msg).To(Equal("not checked: 1 event(s) whose subject could not be joined to a patient"))

			// Only a Group's and a Device's events: no patient event at all.
			t, o, msg = run("dq-within-life", lifeParams, read([]subject{group, device}))
			Expect(measures(t)).To(Equal([][2]int64{{0, 0}, {0, 0}}))
			Expect(o).To(Equal(model.Skip))
			Expect(msg).To(Equal("no applicable records"))
		},
		Entry("NDJSON, literal references", ndjson),
		Entry("JSON Bundle, read whole", file("bundle.json", false, false)),
		Entry("JSON Bundle, read apart", file("bundle.json", false, true)),
		Entry("XML Bundle, read whole", file("bundle.xml", true, false)),
		Entry("XML Bundle, read apart", file("bundle.xml", true, true)),
		Entry("an NDJSON Bundle line", file("feed.ndjson", false, false)),
	)
})
