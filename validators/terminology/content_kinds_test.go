package terminology_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// contentKinds are a guide's code systems, one of each CodeSystem.content,
// each holding (but the not-present one) the code "a", displayed "Alpha".
var contentKinds = map[string]string{
	"complete":    `"content":"complete","concept":[{"code":"a","display":"Alpha"}]`,
	"fragment":    `"content":"fragment","concept":[{"code":"a","display":"Alpha"}]`,
	"example":     `"content":"example","concept":[{"code":"a","display":"Alpha"}]`,
	"not-present": `"content":"not-present"`,
	"supplement":  `"content":"supplement","supplements":"http://acme.example/cs/complete","concept":[{"code":"a","display":"Alpha"}]`,
}

func contentKindsIG(dir string) string {
	ig := filepath.Join(dir, "ig")
	Expect(os.MkdirAll(ig, 0o755)).To(Succeed())
	for kind, body := range contentKinds {
		cs := fmt.Sprintf(`{"resourceType":"CodeSystem","id":"%s","url":"http://acme.example/cs/%s","status":"active",%s}`, kind, kind, body)
		Expect(os.WriteFile(filepath.Join(ig, "CodeSystem-"+kind+".json"), []byte(cs), 0o644)).To(Succeed())
	}
	return ig
}

// codedObservation writes an Observation carrying system|code as a Coding
// (meta.tag) and a CodeableConcept's coding (code), in
// JSON or XML, alone or as a Bundle's entry, and returns its path.
func codedObservation(dir, format string, inBundle bool, system, code, display string) string {
	var obs string
	if format == "json" {
		disp := ""
		if display != "" {
			disp = fmt.Sprintf(`,"display":%q`, display)
		}
		obs = fmt.Sprintf(`{"resourceType":"Observation","id":"o","meta":{"tag":[{"system":%q,"code":%q%s}]},"status":"final",`+
			`"code":{"coding":[{"system":%q,"code":%q%s}]}}`,
			system, code, disp, system, code, disp)
		if inBundle {
			obs = `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:8f0c7e2a-3c3e-4b8e-9a57-0c5d2d0b7a11","resource":` + obs + `}]}`
		}
	} else {
		disp := ""
		if display != "" {
			disp = fmt.Sprintf(`<display value=%q/>`, display)
		}
		coding := fmt.Sprintf(`<system value=%q/><code value=%q/>%s`, system, code, disp)
		obs = fmt.Sprintf(`<Observation%%s><id value="o"/><meta><tag>%s</tag></meta><status value="final"/><code><coding>%s</coding></code>`+
			`</Observation>`, coding, coding)
		if inBundle {
			obs = `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="urn:uuid:8f0c7e2a-3c3e-4b8e-9a57-0c5d2d0b7a11"/><resource>` +
				fmt.Sprintf(obs, "") + `</resource></entry></Bundle>`
		} else {
			obs = fmt.Sprintf(obs, ` xmlns="http://hl7.org/fhir"`)
		}
	}
	path := filepath.Join(dir, "obs."+format)
	Expect(os.WriteFile(path, []byte(obs), 0o644)).To(Succeed())
	return path
}

// A code of a code system carecert holds only in part (CodeSystem.content
// fragment or example) or that names a supplement is never
// passed in silence: what carecert cannot judge is said "not checked" at the
// grade the HL7 reference validator gives it, never an error; a fragment
// still judges the codes it lists, display included. The complete code
// system's rows are the control. Each row in JSON and XML, alone and as a
// Bundle's entry, at a Coding and a CodeableConcept's coding.
// Before this change, every row but the complete ones found nothing.
var _ = Describe("codes of a code system held in part", func() {
	DescribeTable("are judged by what the code system's content allows",
		func(kind, code, display string, want ...string) {
			dir := GinkgoT().TempDir()
			ig := contentKindsIG(dir)
			for _, format := range []string{"json", "xml"} {
				for _, inBundle := range []bool{false, true} {
					where := fmt.Sprintf("%s, in a Bundle %v", format, inBundle)
					path := codedObservation(dir, format, inBundle, "http://acme.example/cs/"+kind, code, display)
					res := result(run([]string{suite}, []string{ig}, path), "TERM-02")
					var got []string
					for _, f := range res.Tally.Findings {
						at := f.Path[strings.LastIndex(f.Path, ".")+1:]
						got = append(got, fmt.Sprintf("%s %s %s", f.Severity, f.Code, at))
						Expect(f.Path).To(HavePrefix("Observation."), where)
					}
					sort.Strings(got)
					if len(want) == 0 {
						Expect(got).To(BeEmpty(), where)
						continue
					}
					Expect(got).To(Equal(want), where)
				}
			}
		},
		Entry("complete, code present: passes", "complete", "a", "Alpha"),
		Entry("complete, code absent: an error", "complete", "zz", "",
			"error terminology.unknown-code code", "error terminology.unknown-code code"),
		Entry("fragment, code present: checked", "fragment", "a", "Alpha"),
		Entry("fragment, code present with a wrong display: the display is checked", "fragment", "a", "Beta",
			"error terminology.display display", "error terminology.display display"),
		Entry("fragment, code absent: not checked, a warning (it may be in another fragment)", "fragment", "zz", "",
			"warning terminology.not-checked code", "warning terminology.not-checked code"),
		Entry("example, code present: not checked, a warning", "example", "a", "Beta",
			"warning terminology.not-checked code", "warning terminology.not-checked code"),
		Entry("example, code absent: not checked, a warning", "example", "zz", "",
			"warning terminology.not-checked code", "warning terminology.not-checked code"),
		Entry("a supplement named as the system: an error", "supplement", "a", "",
			"error terminology.unknown-system system", "error terminology.unknown-system system"),
	)
})
