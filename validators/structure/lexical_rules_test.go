package structure_test

import (
	"encoding/xml"
	"math/rand/v2"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// verdicts runs the JSON-schema requirement alone, the profile
// requirement, and the schema beside it (compare: the same findings), on
// every record a file holds: whether the schema finds an error, and whether
// the profile engine finds a value's format in error (it also judges what
// a value means: an example domain, an OID's arcs).
func (r *twoRuns) verdicts(name, text, what string) (schema, engine bool) {
	for _, rec := range records(name, text) {
		if r.alone.Applies(rec) && hasError(r.alone.NewState().Observe(rec), "") {
			schema = true
		}
		if r.profile.Applies(rec) && hasError(r.profile.NewState().Observe(rec), profile.CodeFormat) {
			engine = true
		}
		r.compare(rec, what)
	}
	return schema, engine
}

// hasError reports whether fs holds an error, of the code given if any.
func hasError(fs []model.Finding, code string) bool {
	for _, f := range fs {
		if f.Severity == model.Error && (code == "" || f.Code == code) {
			return true
		}
	}
	return false
}

// extensionJSON and extensionXML place a value of a primitive type as an
// extension's value on a Patient, where every primitive type may stand.
func extensionJSON(typ, v string) string {
	return `{"resourceType":"Patient","id":"p1","extension":[{"url":"http://example.org/x","value` +
		strings.ToUpper(typ[:1]) + typ[1:] + `":` + jsonText(v) + `}]}`
}

func extensionXML(typ, v string) string {
	var b strings.Builder
	Expect(xml.EscapeText(&b, []byte(v))).To(Succeed())
	escaped := strings.ReplaceAll(b.String(), `"`, "&quot;")
	return `<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><extension url="http://example.org/x"><value` +
		strings.ToUpper(typ[:1]) + typ[1:] + ` value="` + escaped + `"/></extension></Patient>`
}

// lexicalCase is a value of a primitive type and whether its rule admits it.
type lexicalCase struct {
	typ, v string
	valid  bool
}

// stringTypes are the primitive types written as JSON strings, each with a
// lexical rule (lexical.Rule) both suites hold a value to.
var stringTypes = []string{"string", "markdown", "code", "id", "uri", "url", "canonical", "oid", "uuid",
	"base64Binary", "date", "dateTime", "instant", "time"}

// The same value of a primitive type gets the same verdict from the
// JSON-schema requirement and the profile engine, alone or together, as a
// record, a contained resource or a Bundle entry, in JSON and in XML: both
// hold it to the type's one lexical rule (fhir/lexical).
var _ = Describe("one lexical rule per primitive type, in the schema and the profile engine", Ordered, func() {
	var runs *twoRuns
	BeforeAll(func() { runs = newTwoRuns() })

	type placement struct {
		name, file string
		write      func(typ, v string) string
		xml        bool
	}
	placements := []placement{
		{"a record, JSON", "case.json", extensionJSON, false},
		{"a record, XML", "case.xml", extensionXML, true},
		{"contained, JSON", "case.json", func(typ, v string) string {
			return `{"resourceType":"Basic","id":"b1","contained":[` + extensionJSON(typ, v) + `],"code":{"text":"carrier"},"subject":{"reference":"#p1"}}`
		}, false},
		{"contained, XML", "case.xml", func(typ, v string) string {
			return `<Basic xmlns="http://hl7.org/fhir"><id value="b1"/><contained>` + extensionXML(typ, v) +
				`</contained><code><text value="carrier"/></code><subject><reference value="#p1"/></subject></Basic>`
		}, true},
		{"a Bundle entry, JSON", "case.json", func(typ, v string) string {
			return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"https://example.org/fhir/Patient/p1","resource":` + extensionJSON(typ, v) + `}]}`
		}, false},
		{"a Bundle entry, XML", "case.xml", func(typ, v string) string {
			return `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="https://example.org/fhir/Patient/p1"/><resource>` +
				extensionXML(typ, v) + `</resource></entry></Bundle>`
		}, true},
	}
	// Values XML cannot carry (control characters; tab, CR and LF, which
	// an attribute's normalisation turns into spaces) are JSON's alone.
	inXML := func(v string) bool { return !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }) }

	cases := []lexicalCase{
		{"string", "x", true},
		{"string", "a\tb\r\nc", true},
		{"string", "a\fb", true},
		{"string", "a\vb", true},
		{"string", "a\x01b", true},
		{"string", "", false},
		{"markdown", "# a\n\n* b", true},
		{"markdown", "a\x1fb", false},
		{"code", "a b", true},
		{"code", "a  b", false},
		{"code", " a", false},
		{"code", "a\tb", false},
		{"code", "a\vb", false},
		{"id", strings.Repeat("a", 64), true},
		{"id", strings.Repeat("a", 65), false},
		{"id", "a_b", false},
		{"uri", "urn:ietf:rfc:3986", true},
		{"uri", "http://x y", false},
		{"uri", "http://x\f.org", false},
		{"uri", "http://x\v.org", false},
		{"uri", "http://x\x01.org", true},
		{"url", "https://fhir.oakfield-trust.nhs.uk/R4", true},
		{"url", "https://fhir.oakfield-trust.nhs.uk/\fR4", false},
		{"canonical", "http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1", true},
		{"canonical", "http://hl7.org/fhir/ValueSet/administrative-gender|4.0 .1", false},
		{"oid", "urn:oid:1.2.840.10008", true},
		{"oid", "urn:oid:1.02", false},
		{"uuid", "urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", true},
		{"uuid", "urn:uuid:0A1B2C3D-4e5f-6071-8293-a4b5c6d7e8f9", false},
		{"base64Binary", "QUJD RA==", true},
		{"base64Binary", "QU JD", false},
		{"base64Binary", "QUJDR", false},
		{"date", "0001", true},
		{"date", "2020-02-29", true},
		{"date", "0000", false},
		{"date", "0000-01-01", false},
		{"date", "2020-13", false},
		{"dateTime", "2020-01-01T10:00:00Z", true},
		{"dateTime", "0000-01-01T10:00:00Z", false},
		{"dateTime", "0000-06", false},
		{"dateTime", "2020-01-01T10:00:00", false},
		{"instant", "2020-01-01T10:00:00.5+14:00", true},
		{"instant", "0000-01-01T10:00:00Z", false},
		{"time", "23:59:60", true},
		{"time", "24:00:00", false},
	}
	for _, pl := range placements {
		var entries []any
		for _, c := range cases {
			if !pl.xml || inXML(c.v) {
				entries = append(entries, Entry(c.typ+" "+jsonText(c.v), c.typ, c.v, c.valid))
			}
		}
		verdict := func(typ, v string, valid bool) {
			what := typ + " " + pl.name + " " + jsonText(v)
			schema, engine := runs.verdicts(pl.file, pl.write(typ, v), what)
			Expect(schema).To(Equal(!valid), "the schema's verdict on %s", what)
			Expect(engine).To(Equal(!valid), "the profile engine's verdict on %s", what)
			Expect(lexical.Valid(typ, v)).To(Equal(valid), "the lexical rule on %s", what)
		}
		DescribeTable("gives each value one verdict, "+pl.name, append([]any{verdict}, entries...)...)
	}

	It("agrees on random awkward values of every type, alone and together, the engine alone adding the rules no pattern says", func() {
		seeds := map[string][]string{
			"string": {"a b", "x", "", ""}, "markdown": {"# a\n* b"}, "code": {"a b", "abc"}, "id": {"a.b-1"},
			"uri": {"http://x/y", "urn:z"}, "url": {"https://x/y"}, "canonical": {"http://x/y|1"},
			"oid": {"urn:oid:1.2.840.10008", "urn:oid:2.16.840.1"}, "uuid": {"urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"},
			"base64Binary": {"QUJD", "QUJD RA=="}, "date": {"2020-01-01", "1999", "0001"},
			"dateTime": {"2020-01-01T10:00:00Z", "2020-06", "0010-01-01T00:00:00+14:00"},
			"instant":  {"2020-01-01T10:00:00.5Z", "0100-01-01T00:00:00-05:00"}, "time": {"10:00:00", "23:59:60.5"},
		}
		alphabet := []string{"0", "1", "2", "9", "a", "Z", "-", ".", ":", "T", "=", "/", " ", "  ", "\t", "\n", "\r", "\f", "\v",
			"\x01", "\x1f", "\x7f", "\u00a0", "\u2028", "é", "|"}
		// what the profile engine adds to a rule, which no pattern says: a
		// calendar's days, base64 that decodes, a canonical that is absolute,
		// an OID's root of more than one arc
		engineAdds := map[string]bool{"date": true, "dateTime": true, "instant": true, "base64Binary": true, "canonical": true, "oid": true}
		rng := rand.New(rand.NewPCG(24, 18))
		for _, typ := range stringTypes {
			valid, invalid := 0, 0
			for range 300 {
				v := seeds[typ][rng.IntN(len(seeds[typ]))]
				for range rng.IntN(3) {
					i := rng.IntN(len(v) + 1)
					c := alphabet[rng.IntN(len(alphabet))]
					if rng.IntN(2) == 0 && i < len(v) {
						v = v[:i] + c + v[i+1:]
					} else {
						v = v[:i] + c + v[i:]
					}
				}
				what := typ + " " + jsonText(v)
				schema, engine := runs.verdicts("case.json", extensionJSON(typ, v), what)
				lexicallyValid := lexical.Valid(typ, v)
				Expect(schema).To(Equal(!lexicallyValid), "the schema's verdict on %s", what)
				if engine && lexicallyValid {
					Expect(engineAdds).To(HaveKey(typ), "the profile engine refuses what the type's rule admits: %s", what)
				} else {
					Expect(engine).To(Equal(!lexicallyValid), "the profile engine's verdict on %s", what)
				}
				if lexicallyValid {
					valid++
				} else {
					invalid++
				}
			}
			Expect(valid).To(BeNumerically(">", 30), typ)
			Expect(invalid).To(BeNumerically(">", 30), typ)
		}
	})
})
