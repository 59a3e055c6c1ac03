package quality_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// dq-within-life counts the dated events whose subject it cannot join to a
// patient (a urn:uuid outside a Bundle, a urn:uuid naming no Patient entry
// of its Bundle, a patient entry without an id) and says so: before, they
// were dropped silently, and a feed none of whose events could be joined
// gave "no applicable records" though it had events. Same counts however
// the records arrive, and through a sharded merge.
var _ = Describe("dq-within-life events whose subject cannot be joined", func() {
	const unjoined = "dq.plausibility.temporal.validation.unjoined"
	lifeParams := params.Params{"events": []any{"Observation.effective"}}
	type subject struct{ fullURL, id string } // a Patient entry; id "" has none
	bundle := func(xml bool, patients []subject, refs []string) string {
		var b strings.Builder
		if xml {
			b.WriteString(`<Bundle xmlns="http://hl7.org/fhir"><id value="b1"/><type value="collection"/>`)
			for i, ref := range refs {
				fmt.Fprintf(&b, `<entry><fullUrl value="urn:uuid:00000000-0000-0000-0000-00000000000%x"/><resource><Observation><id value="o%d"/>`+
					`<status value="final"/><code><text value="x"/></code><subject><reference value="%s"/></subject><effectiveDateTime value="1970-01-01"/></Observation></resource></entry>`, i, i, ref)
			}
			for _, p := range patients {
				id := ""
				if p.id != "" {
					id = `<id value="` + p.id + `"/>`
				}
				fmt.Fprintf(&b, `<entry><fullUrl value="%s"/><resource><Patient>%s<birthDate value="1980-01-01"/></Patient></resource></entry>`, p.fullURL, id)
			}
			b.WriteString(`</Bundle>`)
			return b.String()
		}
		var es []string
		for i, ref := range refs {
			es = append(es, fmt.Sprintf(`{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000%x","resource":{"resourceType":"Observation","id":"o%d",`+
				`"status":"final","code":{"text":"x"},"subject":{"reference":%q},"effectiveDateTime":"1970-01-01"}}`, i, i, ref))
		}
		for _, p := range patients {
			id := ""
			if p.id != "" {
				id = fmt.Sprintf(`"id":%q,`, p.id)
			}
			es = append(es, fmt.Sprintf(`{"fullUrl":%q,"resource":{"resourceType":"Patient",%s"birthDate":"1980-01-01"}}`, p.fullURL, id))
		}
		return `{"resourceType":"Bundle","id":"b1","type":"collection","entry":[` + strings.Join(es, ",") + `]}` + "\n"
	}
	noID := subject{"urn:uuid:77777777-7777-7777-7777-777777777777", ""}
	p1 := subject{"urn:uuid:11111111-1111-1111-1111-111111111111", "p1"}
	none := []string{
		"urn:uuid:22222222-2222-2222-2222-222222222222", // no entry of the Bundle has it
		noID.fullURL, // a patient without an id
	}
	ndjson := func([]subject, []string) []*model.Record { // urn:uuid subjects outside any Bundle
		return records(
			`{"resourceType":"Patient","id":"11111111-1111-1111-1111-111111111111","birthDate":"1980-01-01"}`,
			`{"resourceType":"Observation","id":"o1","subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"},"effectiveDateTime":"1970-01-01"}`,
			`{"resourceType":"Observation","id":"o2","subject":{"reference":"urn:uuid:22222222-2222-2222-2222-222222222222"},"effectiveDateTime":"1970-01-01"}`,
		)
	}
	file := func(name string, xml, apart bool) func([]subject, []string) []*model.Record {
		return func(ps []subject, refs []string) []*model.Record {
			return readBundleFile(name, bundle(xml, ps, refs), apart)
		}
	}

	DescribeTable("are counted, and a feed none of whose events joins is not checked",
		func(read func([]subject, []string) []*model.Record) {
			recs := read([]subject{noID}, none)
			t, o, msg := run("dq-within-life", lifeParams, recs)
			m, ok := t.Lookup(unjoined)
			Expect(ok).To(BeTrue(), "the measure of unjoined events")
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{2, 2}))
			Expect(o).To(Equal(model.Skip))
			Expect(msg).To(Equal("not checked: 2 event(s) whose subject could not be joined to a patient"))

			// Sharded: each record in its own state, merged through JSON.
			m, _ = sharded("dq-within-life", lifeParams, recs).Lookup(unjoined)
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{2, 2}), "merged")
		},
		Entry("NDJSON, outside any Bundle", ndjson),
		Entry("JSON Bundle, read whole", file("bundle.json", false, false)),
		Entry("JSON Bundle, read apart", file("bundle.json", false, true)),
		Entry("XML Bundle, read whole", file("bundle.xml", true, false)),
		Entry("XML Bundle, read apart", file("bundle.xml", true, true)),
		Entry("an NDJSON Bundle line", file("feed.ndjson", false, false)),
	)

	DescribeTable("beside joined events, are counted and the joined ones graded",
		func(name string, xml, apart bool) {
			recs := readBundleFile(name, bundle(xml, []subject{noID, p1}, append([]string{p1.fullURL}, none...)), apart)
			t, o, _ := run("dq-within-life", lifeParams, recs)
			m, _ := t.Lookup(unjoined)
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{2, 3}))
			Expect(o).To(Equal(model.Fail), "the joined event is before its patient's birth")
		},
		Entry("JSON, read whole", "bundle.json", false, false),
		Entry("XML, read apart", "bundle.xml", true, true),
	)

	It("joins only to the first entry of a fullUrl", func() {
		// The Observation entry o1 comes first with the fullUrl a later
		// Patient entry repeats: the first answers, and it is no patient,
		// so o0 is no patient's event: neither joined nor unjoined.
		text := `{"resourceType":"Bundle","type":"collection","entry":[` +
			`{"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000000","resource":{"resourceType":"Observation","id":"o0","subject":{"reference":"urn:uuid:00000000-0000-0000-0000-000000000001"},"effectiveDateTime":"1970-01-01"}},` +
			`{"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000001","resource":{"resourceType":"Observation","id":"o1","subject":{"reference":"urn:uuid:00000000-0000-0000-0000-000000000002"},"effectiveDateTime":"1970-01-01"}},` +
			`{"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000001","resource":{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}},` +
			`{"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000002","resource":{"resourceType":"Patient","id":"p2","birthDate":"1980-01-01"}}]}`
		t, o, _ := run("dq-within-life", lifeParams, readBundleFile("bundle.json", text, false))
		m, _ := t.Lookup(unjoined)
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{0, 1}))
		m, _ = t.Lookup("dq.plausibility.temporal.validation.outside-life")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 1}), "o1 joins p2")
		Expect(o).To(Equal(model.Fail))
	})
})
