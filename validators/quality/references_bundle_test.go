package quality_test

import (
	"fmt"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// dq-references inside a Bundle: a urn:uuid reference names an entry's
// fullUrl (R4 §2.36.4.1), never a resource id, so an entry whose resource's
// id differs from its fullUrl's uuid is still the target, and a uuid that is
// only some resource's id is not. The same Bundle gets the same dangling
// references however it arrives: JSON or XML, read whole or apart, or as an
// NDJSON line.
var _ = Describe("dq-references to the entries of a Bundle", func() {
	type ref struct{ to, dangles string }
	// Each case is an Observation entry whose subject is the reference.
	cases := []ref{
		{"urn:uuid:11111111-1111-1111-1111-111111111111", ""},        // fullUrl of Patient p1
		{"urn:uuid:22222222-2222-2222-2222-222222222222", "dangles"}, // the id of Patient entry 3, not a fullUrl
		{"urn:uuid:99999999-9999-9999-9999-999999999999", "dangles"}, // no entry at all
		{"urn:uuid:44444444-4444-4444-4444-444444444444", "dangles"}, // the fullUrl of an entry without a resource
		{"Patient/p1", ""},                         // relative Type/id
		{"Patient/p1/_history/1", ""},              // versioned
		{"http://example.org/fhir/Patient/p2", ""}, // absolute fullUrl
		{"Patient/p404", "dangles"},                // a missing entry
		{"#c1", ""},                                // contained: not counted
	}
	patients := []struct{ fullURL, id string }{
		{"urn:uuid:11111111-1111-1111-1111-111111111111", "p1"},
		{"http://example.org/fhir/Patient/p2", "p2"},
		{"urn:uuid:33333333-3333-3333-3333-333333333333", "22222222-2222-2222-2222-222222222222"},
	}
	bundle := func(xml bool) string {
		var b strings.Builder
		if xml {
			b.WriteString(`<Bundle xmlns="http://hl7.org/fhir"><id value="b1"/><type value="collection"/>`)
			for _, p := range patients {
				fmt.Fprintf(&b, `<entry><fullUrl value="%s"/><resource><Patient><id value="%s"/><meta><versionId value="1"/></meta></Patient></resource></entry>`, p.fullURL, p.id)
			}
			b.WriteString(`<entry><fullUrl value="urn:uuid:44444444-4444-4444-4444-444444444444"/><search><mode value="include"/></search></entry>`)
			for i, c := range cases {
				fmt.Fprintf(&b, `<entry><fullUrl value="urn:uuid:00000000-0000-0000-0000-00000000000%x"/><resource><Observation><id value="o%d"/>`+
					`<contained><Patient><id value="c1"/></Patient></contained><status value="final"/><code><text value="x"/></code><subject><reference value="%s"/></subject></Observation></resource></entry>`, i, i, c.to)
			}
			b.WriteString(`</Bundle>`)
			return b.String()
		}
		b.WriteString(`{"resourceType":"Bundle","id":"b1","type":"collection","entry":[`)
		for _, p := range patients {
			fmt.Fprintf(&b, `{"fullUrl":%q,"resource":{"resourceType":"Patient","id":%q,"meta":{"versionId":"1"}}},`, p.fullURL, p.id)
		}
		b.WriteString(`{"fullUrl":"urn:uuid:44444444-4444-4444-4444-444444444444","search":{"mode":"include"}}`)
		for i, c := range cases {
			fmt.Fprintf(&b, `,{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000%x","resource":{"resourceType":"Observation","id":"o%d",`+
				`"contained":[{"resourceType":"Patient","id":"c1"}],"status":"final","code":{"text":"x"},"subject":{"reference":%q}}}`, i, i, c.to)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	read := func(name, text string, apart bool) []*model.Record {
		recs := readBundleFile(name, text, apart)
		Expect(recs).To(HaveLen(1+len(patients)+len(cases)), name)
		return recs
	}

	var want []string
	for _, c := range cases {
		if c.dangles != "" {
			want = append(want, c.to)
		}
	}
	sort.Strings(want)
	DescribeTable("finds exactly the references no entry answers",
		func(name string, xml, apart bool) {
			text := bundle(xml)
			if strings.HasSuffix(name, ".ndjson") {
				text = strings.ReplaceAll(text, "\n", "") + "\n"
			}
			t, _, msg := run("dq-references", params.Params{"references": []any{"Observation.subject"}}, read(name, text, apart))
			var got []string
			for _, f := range t.Sample() {
				got = append(got, f.Evidence)
			}
			sort.Strings(got)
			Expect(got).To(Equal(want), "%s apart %v: %s", name, apart, msg)
			m, _ := t.Lookup("dq.conformance.verification.dangling")
			Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{int64(len(want)), int64(len(cases) - 1)}), "the contained reference is not counted")
		},
		Entry("JSON, read whole", "bundle.json", false, false),
		Entry("JSON, read apart", "bundle.json", false, true),
		Entry("XML, read whole", "bundle.xml", true, false),
		Entry("XML, read apart", "bundle.xml", true, true),
		Entry("an NDJSON Bundle line", "feed.ndjson", false, false),
	)
})
