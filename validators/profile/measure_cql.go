package profile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// Codes of the findings on a Measure's criteria judged against the CQL
// Libraries it names.
const (
	// CodeMeasure is a Measure whose CQL criteria do not fit its Libraries:
	// no Library to look in, a library name that names none (or several) of
	// them, a definition the Library's ELM does not define, or ELM that is
	// not ELM.
	CodeMeasure = "profile.measure"
	// CodeMeasureCriteriaUnchecked is a criterion carecert could not judge:
	// its Library is not loaded, holds CQL text without its ELM, or the
	// criterion is a CQL expression rather than the name of a definition.
	// carecert's limit, said as such.
	CodeMeasureCriteriaUnchecked = "profile.measure-criteria-unchecked"
)

// elmNamespace is the XML namespace of ELM, the compiled form of CQL.
const elmNamespace = "urn:hl7-org:elm:r1"

// cqlLibraryName is a library's name in a qualified criterion, "Lib.Name".
var cqlLibraryName = regexp.MustCompile(`^(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]+"|` + "`[^`]+`" + `)$`)

// cqlDefinitionName is the name of a CQL definition as a Measure writes it:
// verbatim, spaces and all ("Initial Population"), or quoted as CQL writes
// it. A text/cql criterion with brackets, parentheses or quotes inside is
// a CQL expression, which only a CQL compiler can judge.
var cqlDefinitionName = regexp.MustCompile(`^(?:[^"'` + "`" + `()\[\]{}]+|"[^"]+"|` + "`[^`]+`" + `)$`)

// cqlLibrary is a Library reduced to what a Measure's criteria are judged
// against: the names it goes by and the definitions its ELM declares.
type cqlLibrary struct {
	// label names it in messages: its url (and version), or #id.
	label string
	// names are Library.name and the identifier of its ELM.
	names []string
	// defs are the names of the ELM's statements; nil when the Library
	// carries no ELM carecert can read (CQL text only, or ELM by url).
	defs map[string]bool
	// broken says why ELM the Library carries could not be read as ELM.
	broken string
}

// measureRules judges the criteria of a Measure written in CQL against the
// Libraries the Measure names (R4 Measure.library, Measure.group.population
// .criteria, .stratifier.criteria, .stratifier.component.criteria and
// .supplementalData.criteria, all Expressions; §Measure "Using CQL"): a
// criterion in text/cql (or text/cql.identifier) names a definition of a
// Library, "Name" in the Measure's only Library or "Library.Name" in the
// Library with that name. As the reference validator does, the definitions
// are read from the Library's ELM (application/elm+xml or elm+json content):
// a criterion is an error when the Measure names no Library, when its
// library name matches none or several of them (or it gives none and there
// are several), when the ELM is not ELM, or when the ELM does not define the
// name. The reference reaches only stratifier criteria; the rule is the same
// for every criterion, so carecert applies it to each. A Library carecert
// cannot find (contained, in the Bundle, or loaded) or read (CQL text
// without ELM), and a criterion that is a CQL expression rather than a
// name, is carecert's limit: said as not judged, never passed or failed.
func (w *walker) measureRules(m map[string]any, path string) {
	w.measureGroups(m, path)
	type criterion struct {
		expr map[string]any
		path string
	}
	var all []criterion
	for i, g := range objects(m["group"]) {
		gp := path + ".group[" + strconv.Itoa(i) + "]"
		for j, p := range objects(g["population"]) {
			if c, ok := p["criteria"].(map[string]any); ok {
				all = append(all, criterion{c, gp + ".population[" + strconv.Itoa(j) + "].criteria"})
			}
		}
		for j, s := range objects(g["stratifier"]) {
			sp := gp + ".stratifier[" + strconv.Itoa(j) + "]"
			if c, ok := s["criteria"].(map[string]any); ok {
				all = append(all, criterion{c, sp + ".criteria"})
			}
			for k, cp := range objects(s["component"]) {
				if c, ok := cp["criteria"].(map[string]any); ok {
					all = append(all, criterion{c, sp + ".component[" + strconv.Itoa(k) + "].criteria"})
				}
			}
		}
	}
	for i, s := range objects(m["supplementalData"]) {
		if c, ok := s["criteria"].(map[string]any); ok {
			all = append(all, criterion{c, path + ".supplementalData[" + strconv.Itoa(i) + "].criteria"})
		}
	}
	var libs *measureLibraries
	for _, c := range all {
		lang, _ := c.expr["language"].(string)
		expr, _ := c.expr["expression"].(string)
		if !isCQL(lang) || expr == "" {
			continue // other languages are not CQL's to judge; exp-1 asks for an expression
		}
		if libs == nil {
			libs = w.measureLibraries(m, path)
		}
		w.cqlCriterion(libs, lang, expr, c.path)
	}
}

// isCQL reports whether an expression language is CQL naming a definition:
// R4's text/cql, and the identifier form later versions name.
func isCQL(lang string) bool {
	switch lang {
	case "text/cql", "text/cql.identifier", "text/cql-identifier":
		return true
	}
	return false
}

// measureLibraries is what a Measure's Library canonicals resolve to.
type measureLibraries struct {
	declared int
	found    []*cqlLibrary
	// missing says why each Library that could not be found is missing.
	missing []string
}

// measureLibraries resolves each of a Measure's Library canonicals: a
// contained Library (#id), one carried in the same Bundle, or one loaded
// (--ig), each compiled once per engine.
func (w *walker) measureLibraries(m map[string]any, path string) *measureLibraries {
	out := &measureLibraries{}
	list, _ := m["library"].([]any)
	for _, v := range list {
		canonical, _ := v.(string)
		if canonical == "" {
			continue
		}
		out.declared++
		if id, ok := strings.CutPrefix(canonical, "#"); ok {
			if c := w.containedByID(id); c != nil && c["resourceType"] == "Library" {
				out.found = append(out.found, compileLibrary(c))
			} else {
				out.missing = append(out.missing, fmt.Sprintf("%s names no contained Library", canonical))
			}
			continue
		}
		if res := w.bundleDefinition(canonical, "Library"); res != nil {
			out.found = append(out.found, compileLibrary(res))
			continue
		}
		key := "Library:" + canonical
		v, ok := w.e.ready.Load(key)
		if !ok {
			v, _ = w.e.ready.LoadOrStore(key, lookupCompanion(w.e.defs, canonical, "Library", "the Measure's CQL criteria", compileLibrary))
		}
		if l := v.(companion[*cqlLibrary]); l.missing != "" {
			out.missing = append(out.missing, l.missing)
		} else {
			out.found = append(out.found, l.compiled)
		}
	}
	return out
}

// cqlCriterion judges one criterion in CQL against the Measure's Libraries.
func (w *walker) cqlCriterion(libs *measureLibraries, lang, expr, path string) {
	unchecked := func(why string) {
		w.add(model.Warning, CodeMeasureCriteriaUnchecked, path, fmt.Sprintf("the CQL criterion %q was not judged: %s", expr, why), "")
	}
	if libs.declared == 0 {
		w.add(model.Error, CodeMeasure, path, fmt.Sprintf("the criterion %q is CQL, but the Measure names no Library to find it in (Measure.library)", expr), "")
		return
	}
	libName, name, qualified := splitCQLName(expr)
	if qualified && !cqlLibraryName.MatchString(libName) {
		// "Encounter.period": a path, not a library's definition
		libName, name, qualified = "", expr, false
	}
	if lang == "text/cql" && !cqlDefinitionName.MatchString(name) {
		unchecked("it is a CQL expression, not the name of a definition, and carecert does not compile CQL")
		return
	}
	name, libName = unquoteCQL(name), unquoteCQL(libName)
	var lib *cqlLibrary
	switch {
	case qualified:
		var matches []*cqlLibrary
		for _, l := range libs.found {
			for _, n := range l.names {
				if n == libName {
					matches = append(matches, l)
					break
				}
			}
		}
		switch {
		case len(matches) > 1:
			w.add(model.Error, CodeMeasure, path, fmt.Sprintf("the criterion %q names the library %s, which %d of the Measure's Libraries are named: it must name one", expr, libName, len(matches)), "")
			return
		case len(matches) == 1:
			lib = matches[0]
		case len(libs.missing) > 0:
			unchecked(fmt.Sprintf("no Library carecert holds is named %s, and %s", libName, strings.Join(libs.missing, "; ")))
			return
		default:
			w.add(model.Error, CodeMeasure, path, fmt.Sprintf("the criterion %q names the library %s, but none of the Measure's Libraries (%s) has that name", expr, libName, libraryLabels(libs.found)), "")
			return
		}
	case libs.declared > 1:
		w.add(model.Error, CodeMeasure, path, fmt.Sprintf("the criterion %q does not say which of the Measure's %d Libraries defines it: write Library.%s", expr, libs.declared, name), "")
		return
	case len(libs.found) == 0:
		unchecked(libs.missing[0])
		return
	default:
		lib = libs.found[0]
	}
	switch {
	case lib.broken != "":
		w.add(model.Error, CodeMeasure, path, fmt.Sprintf("the criterion %q cannot be found in Library %s: its ELM %s", expr, lib.label, lib.broken), "")
	case lib.defs == nil:
		unchecked(fmt.Sprintf("Library %s carries no ELM (application/elm+xml or application/elm+json data) to read its definitions from, and carecert does not compile CQL", lib.label))
	case !lib.defs[name]:
		w.add(model.Error, CodeMeasure, path, fmt.Sprintf("the criterion %q names %s, which Library %s does not define (its ELM has no statement of that name)", expr, name, lib.label), "")
	}
}

// splitCQLName splits "Library.Name" at its first dot outside quotes;
// qualified is false for a plain name.
func splitCQLName(expr string) (lib, name string, qualified bool) {
	quote := rune(0)
	for i, c := range expr {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '`':
			quote = c
		case c == '.':
			return expr[:i], expr[i+1:], true
		}
	}
	return "", expr, false
}

// unquoteCQL strips the quotes of a delimited identifier.
func unquoteCQL(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '`') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func libraryLabels(libs []*cqlLibrary) string {
	out := make([]string, len(libs))
	for i, l := range libs {
		out[i] = l.label
		if len(l.names) > 0 {
			out[i] += " named " + strings.Join(l.names, " or ")
		}
	}
	return strings.Join(out, ", ")
}

// compileLibrary reads a Library's names and the definitions of its ELM.
func compileLibrary(res map[string]any) *cqlLibrary {
	l := &cqlLibrary{}
	l.label, _ = res["url"].(string)
	if v, _ := res["version"].(string); v != "" && l.label != "" {
		l.label += "|" + v
	}
	if l.label == "" {
		id, _ := res["id"].(string)
		l.label = "#" + id
	}
	if n, _ := res["name"].(string); n != "" {
		l.names = append(l.names, n)
	}
	for _, att := range objects(res["content"]) {
		ct, _ := att["contentType"].(string)
		data, _ := att["data"].(string)
		mime, _, _ := strings.Cut(ct, ";")
		mime = strings.TrimSpace(mime)
		if data == "" || mime != "application/elm+xml" && mime != "application/elm+json" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
		if err != nil {
			l.broken = "is not base64 (" + err.Error() + ")"
			return l
		}
		var id string
		var defs []string
		if mime == "application/elm+xml" {
			id, defs, err = elmXMLDefinitions(raw)
		} else {
			id, defs, err = elmJSONDefinitions(raw)
		}
		if err != nil {
			l.broken = fmt.Sprintf("(%s) cannot be read: %v", mime, err)
			return l
		}
		if id != "" && (len(l.names) == 0 || l.names[0] != id) {
			l.names = append(l.names, id)
		}
		if l.defs == nil {
			l.defs = map[string]bool{}
		}
		for _, d := range defs {
			l.defs[d] = true
		}
	}
	return l
}

// elmXMLDefinitions reads an ELM library in XML: its identifier and the
// names of the definitions under statements.
func elmXMLDefinitions(raw []byte) (id string, defs []string, err error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	depth := 0
	inStatements, rooted := false, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !rooted {
				return "", nil, errors.New("it holds no XML element")
			}
			return id, defs, nil
		}
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			rooted = true
			switch {
			case depth == 1 && (t.Name.Local != "library" || t.Name.Space != elmNamespace):
				return "", nil, fmt.Errorf("its root is <%s> in the namespace %q, not an ELM <library> (%s)", t.Name.Local, t.Name.Space, elmNamespace)
			case depth == 2 && t.Name.Local == "identifier":
				id = attr(t, "id")
			case depth == 2 && t.Name.Local == "statements":
				inStatements = true
			case depth == 3 && inStatements && t.Name.Local == "def":
				if n := attr(t, "name"); n != "" {
					defs = append(defs, n)
				}
			}
		case xml.EndElement:
			if depth == 2 {
				inStatements = false
			}
			depth--
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// elmJSONDefinitions reads an ELM library in JSON:
// {"library": {"identifier": {"id"}, "statements": {"def": [{"name"}]}}}.
func elmJSONDefinitions(raw []byte) (id string, defs []string, err error) {
	var doc struct {
		Library *struct {
			Identifier struct {
				ID string `json:"id"`
			} `json:"identifier"`
			Statements struct {
				Def []struct {
					Name string `json:"name"`
				} `json:"def"`
			} `json:"statements"`
		} `json:"library"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", nil, err
	}
	if doc.Library == nil {
		return "", nil, errors.New("it has no \"library\" object, so it is not ELM")
	}
	for _, d := range doc.Library.Statements.Def {
		if d.Name != "" {
			defs = append(defs, d.Name)
		}
	}
	return doc.Library.Identifier.ID, defs, nil
}
