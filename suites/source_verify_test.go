package suites_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/suites"
)

// r4Pages is what the published R4 definitions (../shared/fhir/r4) tell of
// the specification's pages: each page they link to, with the anchors they
// link to on it, each resource and data type page, each value set and code
// system page, the data types (anchors of datatypes.html), the RESTful
// interactions (the codes of restful-interaction, which name the sections of
// http.html) and every invariant key.
type r4Pages struct {
	anchors      map[string]map[string]bool
	types        map[string]bool
	interactions map[string]bool
	keys         map[string]bool
}

// eachLink calls f with each page name ("http.html") the text links to,
// relatively or under a FHIR base, and the anchor, if any, after it.
func eachLink(text string, f func(page, anchor string)) {
	for at := 0; ; {
		i := strings.Index(text[at:], ".html")
		if i < 0 {
			return
		}
		end := at + i + len(".html")
		start := at + i
		for start > 0 && (isLower(text[start-1]) || isDigit(text[start-1]) || text[start-1] == '-') {
			start--
		}
		anchor := ""
		if end < len(text) && text[end] == '#' {
			j := end + 1
			for j < len(text) && (isLower(text[j]) || isDigit(text[j]) || strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ._-", text[j]) >= 0) {
				j++
			}
			anchor = text[end+1 : j]
		}
		if start < at+i && (start == 0 || strings.IndexByte("(\"'/ ]\t\n", text[start-1]) >= 0) {
			f(text[start:end], anchor)
		}
		at = end
	}
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func readR4Pages() *r4Pages {
	p := &r4Pages{anchors: map[string]map[string]bool{}, types: map[string]bool{}, interactions: map[string]bool{}, keys: map[string]bool{}}
	page := func(name string) map[string]bool {
		if p.anchors[name] == nil {
			p.anchors[name] = map[string]bool{}
		}
		return p.anchors[name]
	}
	dir := filepath.Join("..", "..", "shared", "fhir", "r4")
	link := func(name, anchor string) {
		if anchor != "" {
			page(name)[anchor] = true
		} else {
			page(name)
		}
	}
	schema, err := os.ReadFile(filepath.Join(dir, "fhir.schema.json"))
	Expect(err).NotTo(HaveOccurred())
	eachLink(string(schema), link)
	for _, file := range []string{"profiles-types.json", "profiles-resources.json", "profiles-others.json", "extension-definitions.json", "valuesets.json", "v3-codesystems.json", "v2-tables.json"} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		Expect(err).NotTo(HaveOccurred())
		eachLink(string(data), link)
		var bundle struct {
			Entry []struct {
				Resource struct {
					ResourceType, ID, Name, Kind string
					Concept                      []concept
					Snapshot                     struct {
						Element []struct {
							Constraint []struct{ Key string }
						}
					}
				}
			}
		}
		Expect(json.Unmarshal(data, &bundle)).To(Succeed())
		for _, e := range bundle.Entry {
			r := e.Resource
			switch r.ResourceType {
			case "StructureDefinition":
				if r.Kind == "resource" || r.Kind == "complex-type" || r.Kind == "primitive-type" {
					page(strings.ToLower(r.ID) + ".html")
				}
				if r.Kind == "complex-type" || r.Kind == "primitive-type" {
					p.types[r.ID] = true
				}
				for _, el := range r.Snapshot.Element {
					for _, c := range el.Constraint {
						p.keys[c.Key] = true
					}
				}
			case "ValueSet":
				page("valueset-" + r.ID + ".html")
			case "CodeSystem":
				page("codesystem-" + r.ID + ".html")
				if r.ID == "restful-interaction" {
					eachCode(r.Concept, func(code string) { p.interactions[code] = true })
				}
			}
		}
	}
	return p
}

type concept struct {
	Code    string
	Concept []concept
}

func eachCode(cs []concept, f func(string)) {
	for _, c := range cs {
		f(c.Code)
		eachCode(c.Concept, f)
	}
}

// anchored reports whether the R4 definitions show that page has the anchor.
func (p *r4Pages) anchored(page, anchor string) bool {
	switch {
	case p.anchors[page][anchor], p.keys[anchor]:
		return true
	case page == "datatypes.html":
		return p.types[anchor]
	case page == "http.html":
		return p.interactions[anchor]
	}
	return false
}

var _ = Describe("the sources of the built-in requirements", func() {
	var sourced []struct {
		suite string
		req   suites.Requirement
	}
	BeforeEach(func() {
		sourced = nil
		for _, id := range suites.BuiltinIDs() {
			s, err := suites.Builtin(id, nil)
			Expect(err).NotTo(HaveOccurred())
			for _, r := range s.Requirements {
				if r.Source != nil {
					sourced = append(sourced, struct {
						suite string
						req   suites.Requirement
					}{id, r})
				}
			}
		}
		Expect(len(sourced)).To(BeNumerically(">", 50))
	})

	It("are well formed: an https link to a publisher of the rule, and a one-line section", func() {
		hosts := map[string]bool{"hl7.org": true, "www.hl7.org": true, "www.datadictionary.nhs.uk": true, "ucum.org": true}
		for _, s := range sourced {
			u, err := url.Parse(s.req.Source.URL)
			Expect(err).NotTo(HaveOccurred(), s.req.ID)
			Expect(u.Scheme).To(Equal("https"), s.req.ID)
			Expect(hosts).To(HaveKey(u.Host), s.req.ID)
			Expect(u.User).To(BeNil(), s.req.ID)
			Expect(strings.TrimSpace(s.req.Source.Section)).To(Equal(s.req.Source.Section), s.req.ID)
			Expect(s.req.Source.Section).NotTo(BeEmpty(), s.req.ID)
			Expect(s.req.Source.Section).NotTo(ContainSubstring("\n"), s.req.ID)
		}
	})

	It("name a page of FHIR R4 that exists, and an anchor on it that exists, as the R4 definitions show", func() {
		pages := readR4Pages()
		// The reading is real: pages, anchors and keys the definitions hold.
		Expect(pages.anchors["http.html"]["paging"]).To(BeTrue())
		Expect(pages.anchors["patient.html"]).NotTo(BeNil())
		Expect(pages.types).To(HaveKey("Coding"))
		Expect(pages.interactions).To(HaveKey("vread"))
		Expect(pages.keys).To(HaveKey("pat-1"))
		Expect(pages.anchors["htp.html"]).To(BeNil())
		Expect(pages.anchored("http.html", "reed")).To(BeFalse())

		n := 0
		for _, s := range sourced {
			rest, ok := strings.CutPrefix(s.req.Source.URL, "https://hl7.org/fhir/R4/")
			if !ok {
				Expect(s.req.Source.URL).NotTo(MatchRegexp(`(?i)hl7\.org/fhir/(R4|r4|4\.0)`), s.req.ID+": an R4 page is written https://hl7.org/fhir/R4/page.html")
				continue
			}
			n++
			page, anchor, _ := strings.Cut(rest, "#")
			Expect(pages.anchors[page]).NotTo(BeNil(), s.suite+" "+s.req.ID+": no R4 page "+page)
			if anchor != "" {
				Expect(pages.anchored(page, anchor)).To(BeTrue(), s.suite+" "+s.req.ID+": "+page+"#"+anchor)
			}
		}
		Expect(n).To(BeNumerically(">=", 30))
	})

	It("name the NHS Data Dictionary attribute their section names", func() {
		n := 0
		for _, s := range sourced {
			rest, ok := strings.CutPrefix(s.req.Source.URL, "https://www.datadictionary.nhs.uk/")
			if !ok {
				continue
			}
			n++
			Expect(rest).To(MatchRegexp(`^attributes/[a-z0-9_]+\.html$`), s.req.ID)
			name, _, _ := strings.Cut(s.req.Source.Section, ":")
			Expect(rest).To(Equal("attributes/"+strings.ReplaceAll(strings.ToLower(name), " ", "_")+".html"), s.req.ID)
		}
		Expect(n).To(BeNumerically(">=", 10))
	})

	It("name a chapter or appendix of HL7 v2 (2.5.1), whose data types are chapter 2A and tables appendix A", func() {
		n := 0
		for _, s := range sourced {
			if !strings.Contains(s.req.Source.URL, "product_brief.cfm") {
				continue
			}
			n++
			Expect(s.req.Source.URL).To(Equal("https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144"), s.req.ID)
			Expect(s.req.Source.Section).To(MatchRegexp(`^(Chapter 2, Control: [a-zA-Z0-9 -]+|Chapter 2A, Data Types|Appendix A, Data Definition Tables)$`), s.req.ID)
		}
		Expect(n).To(BeNumerically(">=", 8))
	})
})
