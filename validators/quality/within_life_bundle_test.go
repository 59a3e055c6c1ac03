package quality_test

import (
	"fmt"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
)

// dq-within-life inside a Bundle: a urn:uuid subject is the entry whose
// fullUrl it is (R4 §2.36.4.1), as dq-references resolves it, never a
// patient whose id merely is the uuid. Before, an entry whose patient's id
// differed from its fullUrl's uuid had its events never compared (a vacuous
// pass), and a uuid that was only some patient's id joined that patient (a
// false finding). The same Bundle gets the same findings however it
// arrives: JSON or XML, read whole or apart, or as an NDJSON line.
var _ = Describe("dq-within-life joins a urn:uuid subject to the entry with that fullUrl", func() {
	patients := []struct{ fullURL, id, born string }{
		{"urn:uuid:11111111-1111-1111-1111-111111111111", "p1", "1980-01-01"},
		{"urn:uuid:33333333-3333-3333-3333-333333333333", "22222222-2222-2222-2222-222222222222", "2000-01-01"},
		{"urn:uuid:55555555-5555-5555-5555-555555555555", "55555555-5555-5555-5555-555555555555", "2010-01-01"},
	}
	type event struct{ subject, date, finding string }
	events := []event{
		{"urn:uuid:11111111-1111-1111-1111-111111111111", "1970-06-01", "before-birth"}, // p1, whose id is not the uuid
		{"urn:uuid:11111111-1111-1111-1111-111111111111", "1990-06-01", ""},
		{"urn:uuid:33333333-3333-3333-3333-333333333333", "1995-06-01", "before-birth"}, // the patient with id 2222…
		{"urn:uuid:22222222-2222-2222-2222-222222222222", "1990-06-01", ""},             // only an id: no entry, not counted
		{"urn:uuid:55555555-5555-5555-5555-555555555555", "2005-06-01", "before-birth"}, // the exporters' convention: uuid = id
		{"urn:uuid:44444444-4444-4444-4444-444444444444", "1900-01-01", ""},             // an entry without a resource
		{"Patient/p1", "1975-06-01", "before-birth"},
	}
	bundle := func(xml bool) string {
		var b strings.Builder
		if xml {
			b.WriteString(`<Bundle xmlns="http://hl7.org/fhir"><id value="b1"/><type value="collection"/>`)
			for i, e := range events {
				fmt.Fprintf(&b, `<entry><fullUrl value="urn:uuid:00000000-0000-0000-0000-00000000000%x"/><resource><Observation><id value="o%d"/>`+
					`<status value="final"/><code><text value="x"/></code><subject><reference value="%s"/></subject><effectiveDateTime value="%s"/></Observation></resource></entry>`, i, i, e.subject, e.date)
			}
			b.WriteString(`<entry><fullUrl value="urn:uuid:44444444-4444-4444-4444-444444444444"/><search><mode value="include"/></search></entry>`)
			for _, p := range patients {
				fmt.Fprintf(&b, `<entry><fullUrl value="%s"/><resource><Patient><id value="%s"/><birthDate value="%s"/></Patient></resource></entry>`, p.fullURL, p.id, p.born)
			}
			b.WriteString(`</Bundle>`)
			return b.String()
		}
		b.WriteString(`{"resourceType":"Bundle","id":"b1","type":"collection","entry":[`)
		for i, e := range events {
			fmt.Fprintf(&b, `{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000%x","resource":{"resourceType":"Observation","id":"o%d",`+
				`"status":"final","code":{"text":"x"},"subject":{"reference":%q},"effectiveDateTime":%q}},`, i, i, e.subject, e.date)
		}
		b.WriteString(`{"fullUrl":"urn:uuid:44444444-4444-4444-4444-444444444444","search":{"mode":"include"}}`)
		for _, p := range patients {
			fmt.Fprintf(&b, `,{"fullUrl":%q,"resource":{"resourceType":"Patient","id":%q,"birthDate":%q}}`, p.fullURL, p.id, p.born)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	var want []string
	counted := 0
	for i, e := range events {
		if e.finding != "" {
			want = append(want, fmt.Sprintf("Observation/o%d %s", i, e.finding))
		}
		if !strings.Contains(e.subject, "2222") && !strings.Contains(e.subject, "4444") {
			counted++
		}
	}
	sort.Strings(want)

	DescribeTable("compares exactly the events whose subject an entry answers",
		func(name string, xml, apart bool) {
			text := bundle(xml)
			if strings.HasSuffix(name, ".ndjson") {
				text = strings.ReplaceAll(text, "\n", "") + "\n"
			}
			recs := readBundleFile(name, text, apart)
			Expect(recs).To(HaveLen(1+len(events)+len(patients)), name)
			t, _, msg := run("dq-within-life", params.Params{"events": []any{"Observation.effective"}}, recs)
			var got []string
			for _, f := range t.Sample() {
				got = append(got, f.Record+" "+f.Code[strings.LastIndex(f.Code, ".")+1:])
			}
			sort.Strings(got)
			Expect(got).To(Equal(want), "%s apart %v: %s", name, apart, msg)
			m, _ := t.Lookup("dq.plausibility.temporal.validation.outside-life")
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{int64(len(want)), int64(counted)}), "events of unknown subjects are not counted")
		},
		Entry("JSON, read whole", "bundle.json", false, false),
		Entry("JSON, read apart", "bundle.json", false, true),
		Entry("XML, read whole", "bundle.xml", true, false),
		Entry("XML, read apart", "bundle.xml", true, true),
		Entry("an NDJSON Bundle line", "feed.ndjson", false, false),
	)

	It("joins a urn:uuid subject outside a Bundle to no one: it names nothing there", func() {
		recs := records(
			`{"resourceType":"Patient","id":"11111111-1111-1111-1111-111111111111","birthDate":"1980-01-01"}`,
			`{"resourceType":"Observation","id":"o1","subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"},"effectiveDateTime":"1970-01-01"}`,
		)
		t, _, _ := run("dq-within-life", params.Params{"events": []any{"Observation.effective"}}, recs)
		m, _ := t.Lookup("dq.plausibility.temporal.validation.outside-life")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{0, 0}))
	})
})
