package terminology

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// Concept is one code of a code system, with what validation needs of it.
type Concept struct {
	Code    string
	Display string
	// Designations are other displays (synonyms, translations) a Coding may use.
	Designations []string
	// Inactive is set for retired, deprecated or inactive concepts.
	Inactive bool
	// Status says why Inactive is set ("retired", "deprecated", "inactive").
	Status string
	// Withheld says why the concept is left out of an expansion drawn from its
	// code system (a filter or the whole system), or is empty: see withheld.
	Withheld string
	// Properties are the concept's simple properties as text, by code.
	Properties map[string][]string
	parents    []string
	children   []string
}

// CodeSystem is a FHIR CodeSystem as far as the engine needs it: its concepts
// and their hierarchy.
type CodeSystem struct {
	URL     string
	Version string
	Name    string
	// Content is the CodeSystem.content code: complete, fragment, example,
	// not-present or supplement. Only complete code systems can prove a code
	// does not exist.
	Content       string
	CaseSensitive bool
	// Source names where the definition came from, for messages.
	Source   string
	concepts map[string]*Concept
	// order keeps concepts in definition order, so expansions are deterministic.
	order []*Concept
	// folded maps lower-cased codes to codes for case-insensitive systems.
	folded map[string]string
}

// Complete reports whether the code system lists every code it has.
func (cs *CodeSystem) Complete() bool { return cs.Content == "complete" }

// partialConcept answers for a code system that does not list every code
// (content fragment, example, not-present or supplement) what it can say of
// code: the concept, when the code system shows it and may be judged by it
// (display, status), or else why the code was not judged. A code carecert
// cannot judge is said "not checked", never passed in silence, and never the
// supplier's error; the severities follow the HL7 reference validator: an example
// code system's codes are not judged at all (a warning); a fragment judges
// the codes it holds, and one it lacks may be in another fragment (a
// warning); a supplement is not a code system a Coding may name (an error);
// a not-present code system judges none of its codes (information).
func (cs *CodeSystem) partialConcept(code string) (*Concept, []Issue) {
	if c, ok := cs.heldConcept(code); ok {
		return c, nil
	}
	switch cs.Content {
	case "not-present":
		// Information, as the reference validator's hint: FHIR core holds
		// SNOMED CT, LOINC and the other external code systems this way, so
		// a check says it once per code system (IssueCodesNotHeld), not on
		// every code.
		return nil, []Issue{{model.Information, IssueCodesNotHeld, fmt.Sprintf(
			"carecert holds code system %s without its codes (content \"not-present\"), so its codes cannot be checked", cs.URL)}}
	case "example":
		return nil, []Issue{{model.Warning, IssueNotChecked, fmt.Sprintf(
			"code %q was not checked: code system %s is held only as examples of its codes (content \"example\")", code, cs.URL)}}
	case "supplement":
		return nil, []Issue{{model.Error, IssueUnknownSystem, fmt.Sprintf(
			"%s is a code system supplement (content \"supplement\"), which adds to another code system: a Coding names the code system it supplements, not the supplement", cs.URL)}}
	}
	return nil, []Issue{{model.Warning, IssueNotChecked, fmt.Sprintf(
		"code %q was not checked: it is not in code system %s, which is held only as a fragment (content %q), so it may be in the part carecert does not hold", code, cs.URL, cs.Content)}}
}

// heldConcept returns the concept with code when the code system may judge
// it by what it holds: a complete code system or a fragment that lists it.
// An example code system's concepts are illustrations, not the code
// system's word (the reference validator does not judge codes by them), and
// a not-present one or a supplement holds none of its own.
func (cs *CodeSystem) heldConcept(code string) (*Concept, bool) {
	switch cs.Content {
	case "not-present", "example", "supplement":
		return nil, false
	}
	return cs.Concept(code)
}

// Concept returns the concept with code.
func (cs *CodeSystem) Concept(code string) (*Concept, bool) {
	if c, ok := cs.concepts[code]; ok {
		return c, true
	}
	if !cs.CaseSensitive && cs.folded != nil {
		if k, ok := cs.folded[strings.ToLower(code)]; ok {
			return cs.concepts[k], true
		}
	}
	return nil, false
}

// Len is the number of concepts the code system holds.
func (cs *CodeSystem) Len() int { return len(cs.order) }

// Concepts returns the concepts in definition order.
func (cs *CodeSystem) Concepts() []*Concept { return cs.order }

// Subsumes reports whether code is ancestor or one of its descendants.
func (cs *CodeSystem) Subsumes(ancestor, code string) bool {
	if ancestor == code {
		_, ok := cs.concepts[code]
		return ok
	}
	seen := map[string]bool{}
	stack := []string{code}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		con, ok := cs.concepts[c]
		if !ok {
			continue
		}
		for _, p := range con.parents {
			if p == ancestor {
				return true
			}
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return false
}

// Descendants returns the codes below code (not code itself), in definition order.
func (cs *CodeSystem) Descendants(code string) []string {
	var out []string
	seen := map[string]bool{code: true}
	var walk func(string)
	walk = func(c string) {
		con, ok := cs.concepts[c]
		if !ok {
			return
		}
		for _, ch := range con.children {
			if !seen[ch] {
				seen[ch] = true
				out = append(out, ch)
				walk(ch)
			}
		}
	}
	walk(code)
	return out
}

// parseCodeSystem reads a CodeSystem resource decoded from JSON.
func parseCodeSystem(res map[string]any, source string) (*CodeSystem, error) {
	url, _ := res["url"].(string)
	if url == "" {
		return nil, fmt.Errorf("%s: CodeSystem %v has no url", source, res["id"])
	}
	cs := &CodeSystem{
		URL:      url,
		Version:  str(res["version"]),
		Name:     str(res["name"]),
		Content:  str(res["content"]),
		Source:   source,
		concepts: map[string]*Concept{},
	}
	if cs.Content == "" {
		cs.Content = "complete"
	}
	cs.CaseSensitive, _ = res["caseSensitive"].(bool)
	var walk func(list []any, parent string)
	walk = func(list []any, parent string) {
		for _, item := range list {
			m, _ := item.(map[string]any)
			code := str(m["code"])
			if code == "" {
				continue
			}
			c := cs.concepts[code]
			if c == nil {
				c = &Concept{Code: code, Properties: map[string][]string{}}
				cs.concepts[code] = c
				cs.order = append(cs.order, c)
			}
			c.Display = str(m["display"])
			for _, d := range list0(m["designation"]) {
				dm, _ := d.(map[string]any)
				if v := str(dm["value"]); v != "" {
					c.Designations = append(c.Designations, v)
				}
			}
			for _, p := range list0(m["property"]) {
				pm, _ := p.(map[string]any)
				pc := str(pm["code"])
				v := propertyText(pm)
				c.Properties[pc] = append(c.Properties[pc], v)
				switch pc {
				case "status":
					if v == "retired" || v == "deprecated" || v == "inactive" {
						c.Inactive, c.Status = true, v
					}
				case "inactive", "deprecated", "retired":
					if v == "true" {
						c.Inactive, c.Status = true, pc
					}
				}
			}
			if parent != "" {
				link(cs, parent, code)
			}
			walk(list0(m["concept"]), code)
		}
	}
	walk(list0(res["concept"]), "")
	for _, c := range cs.order {
		c.Withheld = withheld(c)
	}
	// Hierarchy can also be given as properties rather than by nesting.
	for _, c := range cs.order {
		for _, p := range c.Properties["parent"] {
			link(cs, p, c.Code)
		}
		for _, p := range c.Properties["subsumedBy"] {
			link(cs, p, c.Code)
		}
		for _, ch := range c.Properties["child"] {
			link(cs, c.Code, ch)
		}
	}
	if !cs.CaseSensitive {
		cs.folded = make(map[string]string, len(cs.concepts))
		for k := range cs.concepts {
			cs.folded[strings.ToLower(k)] = k
		}
	}
	return cs, nil
}

// withheld says why R4 leaves a concept out of the expansions drawn from its
// code system, or "" when it is in them. An abstract concept (notSelectable:
// a heading such as v3's "_ActAccountCode") groups others and is not itself
// for data; a deprecated one (status deprecated, a deprecationDate, or the
// legacy deprecated flag) is being withdrawn. Both still lead to their
// descendants, and a compose that lists such a code by name keeps it. A
// "retired" or "inactive" status alone does not withhold: R4 expands those
// codes, flagged inactive, and validation warns of them (IssueInactive).
func withheld(c *Concept) string {
	for _, v := range c.Properties["notSelectable"] {
		if v == "true" {
			return "abstract (notSelectable) in its code system"
		}
	}
	for _, v := range c.Properties["status"] {
		if v == "deprecated" {
			return "deprecated in its code system"
		}
	}
	for _, v := range c.Properties["deprecated"] {
		if v == "true" {
			return "deprecated in its code system"
		}
	}
	if len(c.Properties["deprecationDate"]) > 0 {
		return "deprecated in its code system (deprecationDate " + c.Properties["deprecationDate"][0] + ")"
	}
	return ""
}

func link(cs *CodeSystem, parent, child string) {
	p, c := cs.concepts[parent], cs.concepts[child]
	if p == nil || c == nil || parent == child {
		return
	}
	for _, x := range c.parents {
		if x == parent {
			return
		}
	}
	c.parents = append(c.parents, parent)
	p.children = append(p.children, child)
}

// propertyText renders a property's value[x] as text.
func propertyText(p map[string]any) string {
	for k, v := range p {
		if !strings.HasPrefix(k, "value") {
			continue
		}
		switch x := v.(type) {
		case string:
			return x
		case bool:
			if x {
				return "true"
			}
			return "false"
		case map[string]any: // valueCoding
			return str(x["code"])
		default:
			return fmt.Sprint(x)
		}
	}
	return ""
}

func str(v any) string { s, _ := v.(string); return s }

func list0(v any) []any { l, _ := v.([]any); return l }
