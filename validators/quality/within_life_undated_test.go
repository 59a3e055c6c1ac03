package quality_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// dq-within-life compares an event with its patient's birth and death: a
// patient of the feed with neither (no birthDate, no deceased date; a
// deceasedBoolean gives no day) leaves its events compared with nothing.
// Before, they were left out uncounted, and a feed of only such patients
// said "no applicable records"; now they are counted in "…undated" and, when
// nothing else was compared, graded "not checked", as events of an absent
// patient are. A patient with a death date alone is judged. The same
// measures and verdict as NDJSON with literal references and as a Bundle
// with urn:uuid ones (JSON or XML, read whole or apart, or an NDJSON line),
// and through a sharded merge.
var _ = Describe("dq-within-life's events of a patient with no birth or death date", func() {
	const (
		unjoined = "dq.plausibility.temporal.validation.unjoined"
		undated  = "dq.plausibility.temporal.validation.undated"
		outside  = "dq.plausibility.temporal.validation.outside-life"
	)
	lifeParams := params.Params{"events": []any{"Observation.effective"}}
	// patient is an event's subject and what the feed holds of it ("" for
	// a patient the feed never holds).
	type patient struct{ id, resource string }
	born := patient{"p1", `{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}`}
	noDates := patient{"p2", `{"resourceType":"Patient","id":"p2","gender":"female"}`}
	deceasedOnly := patient{"p3", `{"resourceType":"Patient","id":"p3","deceasedBoolean":true}`}
	diedOnly := patient{"p4", `{"resourceType":"Patient","id":"p4","deceasedDateTime":"1960-01-01"}`}
	absent := patient{"p5", ""}
	uuid := func(p patient) string { return "urn:uuid:" + p.id[1:] + "0000000-1111-4111-8111-111111111111" }
	observation := func(i int, ref string) string {
		return `{"resourceType":"Observation","id":"o` + string(rune('0'+i)) + `","status":"final","code":{"text":"x"},"subject":{"reference":"` + ref + `"},"effectiveDateTime":"1970-01-01"}`
	}
	ndjson := func(ps []patient) []*model.Record {
		var lines []string
		for i, p := range ps {
			lines = append(lines, observation(i, "Patient/"+p.id))
		}
		for _, p := range ps {
			if p.resource != "" {
				lines = append(lines, p.resource)
			}
		}
		return records(lines...)
	}
	file := func(name string, xml, apart bool) func([]patient) []*model.Record {
		return func(ps []patient) []*model.Record {
			var es []string
			for i, p := range ps {
				es = append(es, `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-00000000000`+string(rune('0'+i))+`","resource":`+observation(i, uuid(p))+`}`)
			}
			for _, p := range ps {
				if p.resource != "" {
					es = append(es, `{"fullUrl":"`+uuid(p)+`","resource":`+p.resource+`}`)
				}
			}
			return readJSONBundleAs(name, `{"resourceType":"Bundle","id":"b1","type":"collection","entry":[`+strings.Join(es, ",")+`]}`, xml, apart)
		}
	}
	measures := func(t *model.Tally) [][2]int64 {
		var out [][2]int64
		for _, name := range []string{unjoined, undated, outside} {
			m, _ := t.Lookup(name)
			out = append(out, [2]int64{m.Numerator, m.Denominator})
		}
		return out
	}
	const none = "event(s) of a patient with neither a birth nor a death date"

	type want struct {
		measures [][2]int64
		outcome  model.Outcome
		message  string
	}
	cases := []struct {
		feed []patient
		want want
	}{
		// The undated patient's event is counted beside p1's, which is
		// before p1's birth.
		{[]patient{noDates, born}, want{[][2]int64{{0, 2}, {1, 2}, {1, 1}}, model.Fail, ""}},
		// Only the undated patient: nothing compared.
		{[]patient{noDates}, want{[][2]int64{{0, 1}, {1, 1}, {0, 0}}, model.Skip, "not checked: 1 " + none}},
		// deceasedBoolean gives no day to compare with.
		{[]patient{deceasedOnly}, want{[][2]int64{{0, 1}, {1, 1}, {0, 0}}, model.Skip, "not checked: 1 " + none}},
		// Both reasons, each said.
		{[]patient{noDates, absent}, want{[][2]int64{{1, 2}, {1, 2}, {0, 0}}, model.Skip,
			"not checked: 1 event(s) whose subject could not be joined to a patient, 1 " + none}},
		// A death date alone is enough to judge (1970 is after 1960's death).
		{[]patient{diedOnly}, want{[][2]int64{{0, 1}, {0, 1}, {1, 1}}, model.Fail, ""}},
	}

	DescribeTable("are counted as not checked, however the feed arrives",
		func(read func([]patient) []*model.Record) {
			for i, c := range cases {
				recs := read(c.feed)
				t, o, msg := run("dq-within-life", lifeParams, recs)
				Expect(measures(t)).To(Equal(c.want.measures), "case %d", i)
				// The events judged against no life are records not
				// checked, on the tally as any check's are (policy.NotChecked).
				Expect(t.NotChecked).To(Equal(c.want.measures[0][0]+c.want.measures[1][0]), "case %d", i)
				Expect(o).To(Equal(c.want.outcome), "case %d", i)
				if c.want.message != "" {
					Expect(msg).To(Equal(c.want.message), "case %d", i)
				}
				Expect(measures(sharded("dq-within-life", lifeParams, recs))).To(Equal(c.want.measures), "case %d, merged", i)
			}
		},
		Entry("NDJSON, literal references", ndjson),
		Entry("JSON Bundle, read whole", file("bundle.json", false, false)),
		Entry("JSON Bundle, read apart", file("bundle.json", false, true)),
		Entry("XML Bundle, read whole", file("bundle.xml", true, false)),
		Entry("XML Bundle, read apart", file("bundle.xml", true, true)),
		Entry("an NDJSON Bundle line", file("feed.ndjson", false, false)),
	)
})
