// Command r4-conformance compares the conformance resources carecert embeds
// as FHIR R4's (fhir/r4core: value sets, code systems, concept maps, search
// parameters, extensions and other profiles) with R4's as published: a
// folder of the resources of hl7.fhir.r4.examples 4.0.1 (R4's conformance
// resources among its examples) and, optionally, one of
// hl7.fhir.r4.expansions 4.0.1 (R4's expansions of its value sets). Run it
// through `bash bench/fhir-examples.sh conformance`, which fetches and
// unpacks them in a temporary folder.
//
//	go run ./bench/r4-conformance -published DIR [-expansions DIR]
//
// For each resource type it prints the URLs embedded and not published,
// published and not embedded (among the types and URL spaces carecert
// embeds), and those whose id, version or content differ: a value set's
// compose, a code system's content mode and concept codes, a concept map's
// groups, a search parameter's base, type, expression and targets, a
// profile's snapshot elements (id, cardinality, types). With -expansions it
// also compares the codes carecert's terminology engine enumerates for each
// value set with R4's expansion, and counts those it cannot enumerate
// offline apart (carecert's limit, not a difference). It exits 1 if it finds
// a difference.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/command"
	"github.com/carecert/carecert/terminology"
)

func main() {
	published := flag.String("published", "", "folder of R4's published resources (hl7.fhir.r4.examples' package folder)")
	expansions := flag.String("expansions", "", "folder of R4's published expansions (hl7.fhir.r4.expansions' package folder)")
	flag.Parse()
	if *published == "" {
		command.Usage("usage: r4-conformance -published DIR [-expansions DIR]")
	}
	n, err := run(*published, *expansions)
	if err != nil {
		command.Stop(2, "r4-conformance", err)
	}
	if n > 0 {
		os.Exit(1)
	}
}

// compared are the resource types compared, each with what of it is
// compared beyond id and version.
var compared = map[string]func(res map[string]any) any{
	"ValueSet": func(res map[string]any) any { return res["compose"] },
	"CodeSystem": func(res map[string]any) any {
		return map[string]any{"content": res["content"], "concepts": conceptCodes(res["concept"], nil)}
	},
	"ConceptMap": func(res map[string]any) any { return res["group"] },
	"SearchParameter": func(res map[string]any) any {
		return []any{res["base"], res["type"], res["expression"], res["target"]}
	},
	"StructureDefinition": func(res map[string]any) any { return snapshotShape(res) },
}

// bundles are the embedded files compared; the core types' own
// StructureDefinitions are compared by `fhir-examples.sh definitions`.
var bundles = []string{r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables, r4core.ConceptMaps,
	r4core.SearchParameters, r4core.ExtensionDefs, r4core.ProfilesOthers}

func run(publishedDir, expansionsDir string) (int, error) {
	embedded := map[string]map[string]map[string]any{} // type, url
	core := map[string]bool{}
	for _, name := range bundles {
		list, err := r4core.Resources(name)
		if err != nil {
			return 0, err
		}
		for _, r := range list {
			if compared[r.ResourceType] == nil || r.URL == "" {
				continue
			}
			raw, err := r.Bytes()
			if err != nil {
				return 0, err
			}
			var res map[string]any
			if err := json.Unmarshal(raw, &res); err != nil {
				return 0, fmt.Errorf("%s: %w", r.Source(), err)
			}
			put(embedded, r.ResourceType, key(r.URL, r.Version, embedded[r.ResourceType]), res)
		}
	}
	// The core types' own definitions are compared by `fhir-examples.sh
	// definitions`; they are not missing here.
	for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources} {
		list, err := r4core.Resources(name)
		if err != nil {
			return 0, err
		}
		for _, r := range list {
			if r.ResourceType == "StructureDefinition" {
				core[r.URL] = true
			}
		}
	}
	published, err := readFolder(publishedDir)
	if err != nil {
		return 0, err
	}
	differences := 0
	types := make([]string, 0, len(compared))
	for t := range compared {
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Println("resources compared (embedded as R4's / published by R4):")
	for _, t := range types {
		fmt.Printf("  %s: %d / %d\n", t, len(embedded[t]), len(published[t]))
	}
	for _, t := range types {
		var extra, missing, differ []string
		for url, e := range embedded[t] {
			p, ok := published[t][url]
			if !ok {
				extra = append(extra, url)
				continue
			}
			for _, what := range []string{"id", "version"} {
				if !reflect.DeepEqual(e[what], p[what]) {
					differ = append(differ, fmt.Sprintf("%s: %s %v, published %v", url, what, e[what], p[what]))
				}
			}
			if a, b := compared[t](e), compared[t](p); !reflect.DeepEqual(normal(a), normal(b)) {
				differ = append(differ, url+": "+describe(t, a, b))
			}
		}
		for url := range published[t] {
			if _, ok := embedded[t][url]; !ok && !core[url] && embeddedSpace(url, embedded[t]) {
				missing = append(missing, url)
			}
		}
		differences += show(t+" embedded, not published", extra)
		differences += show(t+" published, not embedded", missing)
		differences += show(t+" differing", differ)
	}
	if expansionsDir != "" {
		n, err := compareExpansions(expansionsDir)
		if err != nil {
			return 0, err
		}
		differences += n
	}
	fmt.Printf("differences: %d\n", differences)
	return differences, nil
}

// compareExpansions compares the codes carecert enumerates for each value
// set R4 publishes an expansion of with that expansion's.
func compareExpansions(dir string) (int, error) {
	published, err := readFolder(dir)
	if err != nil {
		return 0, err
	}
	e := terminology.NewCore(nil)
	e.SetXMLDecoder(fhirxml.Decode)
	if err := e.Ready(); err != nil {
		return 0, err
	}
	urls := make([]string, 0, len(published["ValueSet"]))
	for u := range published["ValueSet"] {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	var differ, unexpanded []string
	same := 0
	for _, u := range urls {
		want := map[string]bool{}
		expansion, _ := published["ValueSet"][u]["expansion"].(map[string]any)
		containsCodes(expansion["contains"], want)
		codes, err := e.Expand(u)
		if err != nil {
			unexpanded = append(unexpanded, fmt.Sprintf("%s: %v", u, err))
			continue
		}
		got := map[string]bool{}
		for _, c := range codes {
			got[c.System+"|"+c.Code] = true
		}
		extra, missing := setDiff(got, want), setDiff(want, got)
		if tooCostly(expansion) {
			extra = nil // R4 published a sample of it: its codes are to be among carecert's
		}
		if len(extra)+len(missing) == 0 {
			same++
			continue
		}
		differ = append(differ, fmt.Sprintf("%s: %d codes, published %d; not published %s; missing %s",
			u, len(got), len(want), sample(extra), sample(missing)))
	}
	fmt.Printf("expansions published: %d; carecert's the same: %d, differing: %d, not enumerated offline: %d\n",
		len(urls), same, len(differ), len(unexpanded))
	n := show("expansions differing", differ)
	show("expansions carecert does not enumerate offline (its limit, not counted)", unexpanded)
	return n, nil
}

// tooCostly reports whether a published expansion is a sample: the
// publisher marked the whole as too costly to list.
func tooCostly(expansion map[string]any) bool {
	exts, _ := expansion["extension"].([]any)
	for _, x := range exts {
		m, _ := x.(map[string]any)
		if m["url"] == "http://hl7.org/fhir/StructureDefinition/valueset-toocostly" && m["valueBoolean"] == true {
			return true
		}
	}
	return false
}

// readFolder reads every JSON file of a package folder (but its manifest) of
// a compared type, by type and URL. A package may hold a resource twice
// (NAME and NAME.json): the later lastUpdated is kept.
func readFolder(dir string) (map[string]map[string]map[string]any, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]map[string]any{}
	for _, f := range entries {
		if f.IsDir() || f.Name() == "package.json" || strings.HasPrefix(f.Name(), ".") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			return nil, err
		}
		var res map[string]any
		if json.Unmarshal(raw, &res) != nil {
			continue
		}
		t, _ := res["resourceType"].(string)
		url, _ := res["url"].(string)
		if compared[t] == nil || url == "" {
			continue
		}
		if old, ok := out[t][url]; ok && lastUpdated(old) >= lastUpdated(res) {
			continue
		}
		put(out, t, url, res)
	}
	return out, nil
}

// key is an embedded resource's URL, or URL|version when another version
// of it is embedded too (R4 publishes v2-0360 twice, the versions in the
// URLs).
func key(url, version string, seen map[string]map[string]any) string {
	if old, ok := seen[url]; ok {
		delete(seen, url)
		if v, _ := old["version"].(string); v != "" {
			seen[url+"|"+v] = old
		}
	}
	if hasVersionOf(url, seen) {
		return url + "|" + version
	}
	return url
}

func hasVersionOf(url string, seen map[string]map[string]any) bool {
	for k := range seen {
		if strings.HasPrefix(k, url+"|") {
			return true
		}
	}
	return false
}

func lastUpdated(res map[string]any) string {
	meta, _ := res["meta"].(map[string]any)
	s, _ := meta["lastUpdated"].(string)
	return s
}

func put(m map[string]map[string]map[string]any, t, url string, res map[string]any) {
	if m[t] == nil {
		m[t] = map[string]map[string]any{}
	}
	m[t][url] = res
}

// embeddedSpace reports whether a published URL is in a URL space carecert
// embeds resources of its type from (the examples package also holds
// examples' own value sets and profiles, under example.org and the like).
func embeddedSpace(url string, embedded map[string]map[string]any) bool {
	i := strings.LastIndexByte(url, '/')
	if i < 0 {
		return false
	}
	for u := range embedded {
		if strings.HasPrefix(u, url[:i+1]) {
			return true
		}
	}
	return false
}

// conceptCodes lists a code system's codes, nested ones included, sorted.
func conceptCodes(concepts any, out []string) []string {
	list, _ := concepts.([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		code, _ := m["code"].(string)
		out = append(out, code)
		out = conceptCodes(m["concept"], out)
	}
	sort.Strings(out)
	return out
}

// containsCodes adds an expansion's codes (system|code), nested ones too.
func containsCodes(contains any, out map[string]bool) {
	list, _ := contains.([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		if code, ok := m["code"].(string); ok {
			system, _ := m["system"].(string)
			out[system+"|"+code] = true
		}
		containsCodes(m["contains"], out)
	}
}

// snapshotShape is a profile's snapshot as `fhir-examples.sh definitions`
// compares a core type's: each element's id, cardinality and types.
func snapshotShape(res map[string]any) any {
	snapshot, _ := res["snapshot"].(map[string]any)
	list, _ := snapshot["element"].([]any)
	var out []string
	for _, el := range list {
		m, _ := el.(map[string]any)
		var types []string
		ts, _ := m["type"].([]any)
		for _, t := range ts {
			tm, _ := t.(map[string]any)
			code, _ := tm["code"].(string)
			types = append(types, fmt.Sprint(code, tm["profile"], tm["targetProfile"]))
		}
		out = append(out, fmt.Sprintf("%v %v..%v %s", m["id"], m["min"], m["max"], strings.Join(types, "|")))
	}
	sort.Strings(out)
	return out
}

// normal makes JSON values comparable whatever their origin ([]string and
// []any alike).
func normal(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// describe says briefly how two compared values differ.
func describe(t string, embedded, published any) string {
	switch t {
	case "CodeSystem":
		e, p := embedded.(map[string]any), published.(map[string]any)
		if !reflect.DeepEqual(e["content"], p["content"]) {
			return fmt.Sprintf("content %v, published %v", e["content"], p["content"])
		}
		ec, pc := asSet(e["concepts"].([]string)), asSet(p["concepts"].([]string))
		return fmt.Sprintf("codes not published %s; missing %s", sample(setDiff(ec, pc)), sample(setDiff(pc, ec)))
	case "StructureDefinition":
		ec, pc := asSet(embedded.([]string)), asSet(published.([]string))
		return fmt.Sprintf("elements not published %s; missing %s", sample(setDiff(ec, pc)), sample(setDiff(pc, ec)))
	}
	a, _ := json.Marshal(embedded)
	b, _ := json.Marshal(published)
	return fmt.Sprintf("%s, published %s", clip(string(a)), clip(string(b)))
}

func asSet(list []string) map[string]bool {
	out := map[string]bool{}
	for _, s := range list {
		out[s] = true
	}
	return out
}

// setDiff lists the members of a that b lacks, sorted.
func setDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// sample shows up to five members of a list and how many there are.
func sample(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	shown := list[:min(5, len(list))]
	if len(list) > len(shown) {
		return fmt.Sprintf("%d (%s, ...)", len(list), strings.Join(shown, ", "))
	}
	return fmt.Sprintf("%d (%s)", len(list), strings.Join(shown, ", "))
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// show prints a section's lines, sorted, and returns how many.
func show(title string, lines []string) int {
	slices.Sort(lines)
	fmt.Printf("%s: %d\n", title, len(lines))
	for _, l := range lines {
		fmt.Println("  " + l)
	}
	return len(lines)
}
