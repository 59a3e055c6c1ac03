package structure_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// controlVerdict is what carecert says of a primitive value holding a
// control character: nothing, a warning (R4: a string SHOULD NOT hold
// one), or an error (markdown SHALL NOT; whitespace in a code or uri; the
// narrower alphabets of the other types).
type controlVerdict int

const (
	passes controlVerdict = iota
	warns
	fails
)

func (v controlVerdict) String() string { return [...]string{"passes", "warns", "fails"}[v] }

// controlFindings runs the JSON-schema requirement alone and the profile
// requirement on every record a file holds (and compare, the two together)
// and says what they found of the value: the schema's error, the engine's
// format error, the engine's control-character warning.
func (r *twoRuns) controlFindings(name, text, what string) (schema, engineError, engineWarning bool) {
	for _, rec := range records(name, text) {
		Expect(rec.Problem).To(BeNil(), "the reader read %s", what)
		if r.alone.Applies(rec) && hasError(r.alone.NewState().Observe(rec), "") {
			schema = true
		}
		if r.profile.Applies(rec) {
			for _, f := range r.profile.NewState().Observe(rec) {
				switch {
				case f.Severity == model.Error && f.Code == profile.CodeFormat:
					engineError = true
				case f.Severity == model.Warning && f.Code == profile.CodeSuspectValue && strings.Contains(f.Message, "control character"):
					engineWarning = true
				}
			}
		}
		r.compare(rec, what)
	}
	return schema, engineError, engineWarning
}

// choiceName is a choice element's name for a primitive type: valueString.
func choiceName(base, typ string) string { return base + strings.ToUpper(typ[:1]) + typ[1:] }

// Control characters (U+0000 to U+001F but tab, LF and CR), R4 §2.24.0.1:
// a string SHOULD NOT hold them and markdown SHALL NOT; the regular
// expressions are informative. The reference validator warns of one in any
// primitive (UNICODE_XML_BAD_CHARS) and errs only where the type's own
// alphabet refuses it. XML 1.0 cannot carry one at all, literally or as a
// character reference: the document is not XML, and the reader says so.
var _ = Describe("control characters in primitive values, in every placement", Ordered, func() {
	var runs *twoRuns
	BeforeAll(func() { runs = newTwoRuns() })

	type row struct {
		typ, v  string
		verdict controlVerdict
	}
	rows := []row{
		{"string", "a\x01b", warns},
		{"string", "\x00", warns},
		{"string", "a\x1b[0m", warns},
		{"string", "a\x1fb", warns},
		{"string", "a\vb", warns},
		{"string", "a\fb", warns},
		{"string", "a\tb\r\nc", passes},
		{"string", "a\x7fb", passes},
		{"markdown", "# a\x01", fails},
		{"markdown", "a\vb", fails},
		{"markdown", "# a\r\n\n* b\tc", passes},
		{"code", "a\x01b", warns},
		{"code", "a\x1f", warns},
		{"code", "a\vb", fails},
		{"code", "a\fb", fails},
		{"code", "a\tb", fails},
		{"uri", "http://example.org/a\x01b", warns},
		{"uri", "http://example\v.org", fails},
		{"url", "https://example.org/\x1f", warns},
		{"url", "https://example.org/\f", fails},
		{"canonical", "http://example.org/fhir/ValueSet/x\x02|1", warns},
		{"canonical", "http://example.org/fhir/ValueSet/x|1\v", fails},
		{"id", "a\x01", fails},
		{"oid", "urn:oid:1.2.3\x01", fails},
		{"uuid", "urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\x01", fails},
		{"date", "2020-01-01\x01", fails},
		{"dateTime", "2020-01-01T10:00:00Z\x01", fails},
		{"instant", "2020-01-01T10:00:00Z\x1f", fails},
		{"time", "10:00:00\x01", fails},
		{"base64Binary", "QUJD\x01", fails},
	}

	type placement struct {
		name  string
		write func(typ, v string) string
	}
	placements := []placement{
		{"a record", extensionJSON},
		{"contained", func(typ, v string) string {
			return `{"resourceType":"Basic","id":"b1","contained":[` + extensionJSON(typ, v) + `],"code":{"text":"carrier"},"subject":{"reference":"#p1"}}`
		}},
		{"a Bundle entry", func(typ, v string) string {
			return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"https://example.org/fhir/Patient/p1","resource":` + extensionJSON(typ, v) + `}]}`
		}},
		{"a parameter's resource", func(typ, v string) string {
			return `{"resourceType":"Parameters","parameter":[{"name":"patient","resource":` + extensionJSON(typ, v) + `}]}`
		}},
		{"a parameter's value", func(typ, v string) string {
			return `{"resourceType":"Parameters","parameter":[{"name":"x","` + choiceName("value", typ) + `":` + jsonText(v) + `}]}`
		}},
	}
	for _, pl := range placements {
		var entries []any
		for _, r := range rows {
			entries = append(entries, Entry(fmt.Sprintf("%s %s %s", r.typ, jsonText(r.v), r.verdict), r.typ, r.v, r.verdict))
		}
		judge := func(typ, v string, want controlVerdict) {
			what := typ + " in " + pl.name + " " + jsonText(v)
			schema, engineError, engineWarning := runs.controlFindings("case.json", pl.write(typ, v), what)
			Expect(schema).To(Equal(want == fails), "the schema's error on %s", what)
			Expect(engineError).To(Equal(want == fails), "the profile engine's error on %s", what)
			Expect(engineWarning).To(Equal(want == warns), "the profile engine's warning on %s", what)
			Expect(lexical.Valid(typ, v)).To(Equal(want != fails), "the lexical rule on %s", what)
		}
		DescribeTable("in FHIR JSON, "+pl.name, append([]any{judge}, entries...)...)
	}

	// rawXML is extensionXML with control characters written as they are
	// (xml.EscapeText would replace them).
	rawXML := func(typ, v string) string {
		v = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(v)
		return `<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><extension url="http://example.org/x"><` +
			choiceName("value", typ) + ` value="` + v + `"/></extension></Patient>`
	}
	xmlPlacements := []placement{
		{"a record", rawXML},
		{"contained", func(typ, v string) string {
			return `<Basic xmlns="http://hl7.org/fhir"><id value="b1"/><contained>` + rawXML(typ, v) +
				`</contained><code><text value="carrier"/></code><subject><reference value="#p1"/></subject></Basic>`
		}},
		{"a Bundle entry", func(typ, v string) string {
			return `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="https://example.org/fhir/Patient/p1"/><resource>` +
				rawXML(typ, v) + `</resource></entry></Bundle>`
		}},
		{"a parameter's resource", func(typ, v string) string {
			return `<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="patient"/><resource>` + rawXML(typ, v) + `</resource></parameter></Parameters>`
		}},
	}
	It("cannot be carried by FHIR XML, literally or as a character reference: the reader refuses the document at its line", func() {
		for _, pl := range xmlPlacements {
			for _, r := range rows {
				at := strings.IndexFunc(r.v, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' })
				if at < 0 {
					continue
				}
				c := r.v[at]
				for _, form := range []string{"literal", "reference"} {
					text := pl.write(r.typ, r.v)
					if form == "reference" {
						text = strings.ReplaceAll(text, string(c), fmt.Sprintf("&#%d;", c))
					}
					what := fmt.Sprintf("%s %s in %s, XML, %s", r.typ, jsonText(r.v), pl.name, form)
					recs := records("case.xml", "\n"+text)
					Expect(recs).To(HaveLen(1), what)
					Expect(recs[0].Problem).NotTo(BeNil(), "the reader refuses %s", what)
					Expect(recs[0].Problem.Severity).To(Equal(model.Error), what)
					if c == 0 && form == "literal" {
						// a NUL byte makes the file binary, before any XML is read
						Expect(recs[0].Problem.Message).To(ContainSubstring("binary file"), what)
						continue
					}
					Expect(recs[0].Problem.Message).To(ContainSubstring(fmt.Sprintf("U+%04X", c)), what)
					Expect(recs[0].Problem.Location.Line).To(Equal(2), "at its line: %s", what)
				}
			}
		}
	})
})
