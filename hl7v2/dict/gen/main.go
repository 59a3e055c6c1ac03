// Command gen regenerates carecert's embedded HL7 v2 definitions from two MIT
// licensed npm packages, hl7v2-dictionary (Panates, 2.1–2.8) and hl7-dictionary
// (Fernando Serrano, 2.1–2.7.1), and from the data modules of the MIT licensed
// Python library hl7apy (CRS4, 2.1–2.8.2; see hl7apy.go). It needs node and
// npm at generation time only, and a checkout of hl7apy:
//
//	HL7APY=/path/to/hl7apy/hl7apy go generate ./hl7v2/dict
//	(or: go run ./hl7v2/dict/gen -out hl7v2/dict -hl7apy /path/to/hl7apy/hl7apy)
//
// It installs the pinned packages into a temporary folder, dumps them to JSON
// with node, and writes, under -out:
//
//	data/<version>.json.gz   structures, segments, data types (2.1–2.8.2)
//	data/tables.json.gz      HL7 code tables
//	testdata/hl7-dictionary/<version>.json.gz   the second source, for the cross-check spec
//	testdata/disagreements.json                 where the two sources differ
//	NOTICE.md                                   the packages' licences
//
// Which source wins: segments and data types come from hl7v2-dictionary (it
// covers 2.8 and corrects fields hl7-dictionary lacks); message structures up to
// 2.7.1 come from hl7-dictionary, because hl7v2-dictionary keys a group's
// segments by name and so loses the first of two same-named siblings (ADT_A01
// has ROL twice), and those of 2.8 and later from hl7apy, the only source that
// has them; tables come from hl7-dictionary, the only one that carries them.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/hl7v2/dict"
)

const (
	newPkg = "hl7v2-dictionary@1.8.0"
	oldPkg = "hl7-dictionary@1.0.1"
)

var wanted = dict.Versions()

const dumpScript = `
import { dictionaries } from 'hl7v2-dictionary';
import { createRequire } from 'module';
import { writeFileSync } from 'fs';
const require = createRequire(import.meta.url);
const old = require('hl7-dictionary');
writeFileSync(process.argv[2], JSON.stringify({ new: dictionaries, old: old.definitions, tables: old.tables }));
`

// Shapes of the two packages' JSON.
type newField struct {
	Type  string `json:"type"`
	Desc  string `json:"desc"`
	Opt   string `json:"opt"`
	Rep   any    `json:"rep"`
	Len   int    `json:"len"`
	Table int    `json:"table"`
}
type newGroup struct {
	Idx      int                  `json:"idx"`
	Desc     string               `json:"desc"`
	Min      *int                 `json:"min"`
	Max      *int                 `json:"max"`
	Segments map[string]*newGroup `json:"segments"`
}
type newDict struct {
	Segments map[string]struct {
		Desc   string              `json:"desc"`
		Fields map[string]newField `json:"fields"`
	} `json:"segments"`
	Types map[string]struct {
		Desc   string              `json:"desc"`
		Fields map[string]newField `json:"fields"`
	} `json:"types"`
	Messages map[string]struct {
		Desc     string               `json:"desc"`
		Segments map[string]*newGroup `json:"segments"`
	} `json:"messages"`
}
type oldField struct {
	Datatype string `json:"datatype"`
	Desc     string `json:"desc"`
	Opt      int    `json:"opt"`
	Rep      int    `json:"rep"`
	Len      int    `json:"len"`
	Table    int    `json:"table"`
}
type oldElem struct {
	Name     string     `json:"name"`
	Min      int        `json:"min"`
	Max      int        `json:"max"`
	Children []*oldElem `json:"children"`
}
type oldDict struct {
	Segments map[string]struct {
		Desc   string     `json:"desc"`
		Fields []oldField `json:"fields"`
	} `json:"segments"`
	Fields map[string]struct {
		Desc      string     `json:"desc"`
		Subfields []oldField `json:"subfields"`
	} `json:"fields"`
	Messages map[string]struct {
		Desc     string `json:"desc"`
		Segments struct {
			Segments []*oldElem `json:"segments"`
		} `json:"segments"`
	} `json:"messages"`
}
type dump struct {
	New    map[string]newDict `json:"new"`
	Old    map[string]oldDict `json:"old"`
	Tables map[string]struct {
		Desc   string            `json:"desc"`
		Values map[string]string `json:"values"`
	} `json:"tables"`
}

func main() {
	out := flag.String("out", ".", "the hl7v2/dict folder")
	from := flag.String("from", "", "use this dump JSON instead of installing the packages (for development)")
	apy := flag.String("hl7apy", "", "the hl7apy package folder of a checkout of crs4/hl7apy (required)")
	flag.Parse()
	if *apy == "" {
		log.Fatal("-hl7apy: give the hl7apy package folder of a checkout of crs4/hl7apy")
	}
	if err := run(*out, *from, *apy); err != nil {
		log.Fatal(err)
	}
}

func run(out, from, apy string) error {
	var licences map[string]string
	if from == "" {
		tmp, err := os.MkdirTemp("", "carecert-hl7dict-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := sh(tmp, "npm", "init", "-y"); err != nil {
			return err
		}
		if err := sh(tmp, "npm", "install", "--no-audit", "--no-fund", newPkg, oldPkg); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, "dump.mjs"), []byte(dumpScript), 0o644); err != nil {
			return err
		}
		from = filepath.Join(tmp, "dump.json")
		if err := sh(tmp, "node", "dump.mjs", from); err != nil {
			return err
		}
		licences, err = readLicences(tmp)
		if err != nil {
			return err
		}
		licences["hl7apy"], err = readApyLicence(apy)
		if err != nil {
			return err
		}
	}
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return generate(out, raw, apy, licences)
}

func sh(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

func readLicences(tmp string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range []string{"hl7v2-dictionary", "hl7-dictionary"} {
		dir := filepath.Join(tmp, "node_modules", p)
		var pkg struct {
			Version string `json:"version"`
			License string `json:"license"`
			Author  any    `json:"author"`
		}
		data, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, fmt.Errorf("npm package %s: %w", p, err)
		}
		if err := json.Unmarshal(data, &pkg); err != nil {
			return nil, fmt.Errorf("npm package %s: %s: %w", p, filepath.Join(dir, "package.json"), err)
		}
		text := fmt.Sprintf("npm package %s %s, licence %s (package.json), author %v.\n", p, pkg.Version, pkg.License, pkg.Author)
		if lic, err := os.ReadFile(filepath.Join(dir, "LICENSE")); err == nil {
			text += "\n```\n" + strings.TrimSpace(string(lic)) + "\n```\n"
		} else {
			text += "\nThe package ships no LICENSE file; its package.json declares the MIT licence.\n"
		}
		out[p] = text
	}
	return out, nil
}

func generate(out string, raw []byte, apyRoot string, licences map[string]string) error {
	var d dump
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	var disagreements []string
	tableCodes, openTables, err := apyTables(apyRoot, wanted)
	if err != nil {
		return err
	}
	older := newestOldStructures(d)
	var lastUser []int
	// fill gives a version its own tables, and the tables it leaves to
	// sites. From 2.7 CWE replaced IS in nearly every field without making
	// a site's table HL7's, so those versions keep 2.6's and add their own.
	fill := func(x *dict.Version) {
		if codes := tableCodes[x.Version]; len(codes) > 0 {
			x.Tables = map[string][]string{}
			for n, c := range codes {
				x.Tables[fmt.Sprintf("%04d", n)] = c
			}
			x.OpenTables = openTables[x.Version]
		}
		u := userTables(x)
		if dict.CompareVersions(x.Version, "2.7") >= 0 {
			u = unionInts(lastUser, u)
		}
		lastUser = u
		x.UserTables = u
	}
	for _, v := range wanted {
		base := v
		if hl7apyVersions[v] {
			base = "2.8" // hl7v2-dictionary's newest: the fields hl7apy adds to
		}
		nd, ok := d.New[base]
		if !ok {
			return fmt.Errorf("hl7v2-dictionary has no version %s", base)
		}
		primary := &dict.Version{Version: v, Structures: map[string]*dict.Structure{}, Segments: map[string]*dict.Segment{}, Types: map[string]*dict.DataType{}}
		for name, s := range nd.Segments {
			primary.Segments[name] = &dict.Segment{Desc: s.Desc, Fields: newFields(s.Fields)}
		}
		for name, t := range nd.Types {
			primary.Types[name] = &dict.DataType{Desc: t.Desc, Components: newFields(t.Fields)}
		}
		dict.Correct(primary)
		if hl7apyVersions[v] {
			apy, err := readApy(apyRoot, v)
			if err != nil {
				return fmt.Errorf("hl7apy: %w", err)
			}
			for _, l := range mergeApy(primary, apy, tableCodes[v][354], older) {
				log.Printf("from hl7apy: %s", l)
			}
			fill(primary)
			if err := writeGzipJSON(filepath.Join(out, "data", v+".json.gz"), primary); err != nil {
				return err
			}
			continue
		}
		// Structures up to 2.7.1: hl7-dictionary (hl7v2-dictionary loses repeated
		// segments, see the package comment).
		od := d.Old[v]
		for name, m := range od.Messages {
			primary.Structures[name] = &dict.Structure{Desc: m.Desc, Elements: oldElems(m.Segments.Segments)}
		}
		fill(primary)
		if err := writeGzipJSON(filepath.Join(out, "data", v+".json.gz"), primary); err != nil {
			return err
		}
		if err := crossCheckApyStructures(apyRoot, primary); err != nil {
			return err
		}
		secondary := oldVersion(v, od)
		if err := writeGzipJSON(filepath.Join(out, "testdata", "hl7-dictionary", v+".json.gz"), secondary); err != nil {
			return err
		}
		disagreements = append(disagreements, dict.CompareDefinitions(primary, secondary)...)
		for name, m := range nd.Messages {
			if s, ok := primary.Structures[name]; ok && !reflect.DeepEqual(flatten(newElems(m.Segments)), flatten(s.Elements)) {
				disagreements = append(disagreements, fmt.Sprintf("%s structure %s: hl7v2-dictionary %s; hl7-dictionary %s",
					v, name, strings.Join(flatten(newElems(m.Segments)), " "), strings.Join(flatten(s.Elements), " ")))
			}
		}
	}
	tables := map[string]*dict.Table{}
	for k, t := range d.Tables {
		n, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("table %q: %w", k, err)
		}
		tables[fmt.Sprintf("%04d", n)] = &dict.Table{Desc: t.Desc, Codes: t.Values}
	}
	// Codes other versions list that 2.7.1's tables lack, with the first
	// version that lists each: a code of another version is told apart
	// from one no version has.
	for _, v := range wanted {
		for _, n := range slices.Sorted(maps.Keys(tableCodes[v])) {
			t := tables[fmt.Sprintf("%04d", n)]
			if t == nil {
				continue
			}
			for _, c := range tableCodes[v][n] {
				if _, ok := t.Codes[c]; ok {
					continue
				}
				if t.Elsewhere == nil {
					t.Elsewhere = map[string]string{}
				}
				if _, ok := t.Elsewhere[c]; !ok {
					t.Elsewhere[c] = v
				}
			}
		}
	}
	if err := writeGzipJSON(filepath.Join(out, "data", "tables.json.gz"), tables); err != nil {
		return err
	}
	sort.Strings(disagreements)
	data, err := json.MarshalIndent(disagreements, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "testdata", "disagreements.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if licences != nil {
		notice := "# HL7 v2 definitions: sources and licences\n\n" +
			"The files in `data/` (and `testdata/hl7-dictionary/`) are generated by `gen/` from\n" +
			"two npm packages and one Python library's data modules, and converted into\n" +
			"carecert's own form. Their licences:\n\n## hl7v2-dictionary\n\n" +
			licences["hl7v2-dictionary"] + "\n## hl7-dictionary\n\n" + licences["hl7-dictionary"] +
			"\n## hl7apy\n\n" + licences["hl7apy"]
		if err := os.WriteFile(filepath.Join(out, "NOTICE.md"), []byte(notice), 0o644); err != nil {
			return err
		}
	}
	log.Printf("wrote %d versions, %d tables, %d disagreements", len(wanted), len(tables), len(disagreements))
	return nil
}

// newestOldStructures are hl7-dictionary's newest structures (2.7.1), which
// stand in for those hl7apy's later versions lack. hl7-dictionary keys some
// structures only by an event that uses them (ADT_A47 for ADT_A30): table
// 0354 names them.
func newestOldStructures(d dump) map[string]*dict.Structure {
	older := map[string]*dict.Structure{}
	for name, m := range d.Old["2.7.1"].Messages {
		older[name] = &dict.Structure{Desc: m.Desc, Elements: oldElems(m.Segments.Segments)}
	}
	t354 := d.Tables["354"].Values
	for _, id := range dict.SortedKeys(t354) {
		typ, _, _ := strings.Cut(id, "_")
		for _, ev := range strings.Split(t354[id], ",") {
			if alias := older[typ+"_"+strings.TrimSpace(ev)]; older[id] == nil && alias != nil {
				older[id] = alias
			}
		}
	}
	return older
}

func newFields(m map[string]newField) []dict.Field {
	n := 0
	for k := range m {
		i, _ := strconv.Atoi(k)
		n = max(n, i)
	}
	out := make([]dict.Field, n)
	for k, f := range m {
		i, _ := strconv.Atoi(k)
		if i < 1 {
			continue
		}
		rep := 1
		switch r := f.Rep.(type) {
		case float64:
			rep = int(r)
		case string:
			if r == "infinite" {
				rep = dict.Unbounded
			}
		}
		if rep == 1 {
			rep = 0
		}
		out[i-1] = dict.Field{Desc: f.Desc, Type: f.Type, Opt: f.Opt, Rep: rep, Len: f.Len, Table: f.Table}
	}
	return out
}

var oldOpt = map[int]string{1: "O", 2: "R", 3: "C", 4: "B"}

func oldFields(fs []oldField) []dict.Field {
	out := make([]dict.Field, len(fs))
	for i, f := range fs {
		rep := f.Rep
		switch rep {
		case 0:
			rep = dict.Unbounded
		case 1:
			rep = 0
		}
		out[i] = dict.Field{Desc: f.Desc, Type: f.Datatype, Opt: oldOpt[f.Opt], Rep: rep, Len: f.Len, Table: f.Table}
	}
	return out
}

func oldElems(es []*oldElem) []*dict.Element {
	out := make([]*dict.Element, 0, len(es))
	for _, e := range es {
		mx := e.Max
		if mx == 0 {
			mx = dict.Unbounded
		}
		out = append(out, &dict.Element{Name: e.Name, Min: e.Min, Max: mx, Children: oldElems(e.Children)})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func newElems(m map[string]*newGroup) []*dict.Element {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return m[names[i]].Idx < m[names[j]].Idx })
	var out []*dict.Element
	for _, n := range names {
		g := m[n]
		e := &dict.Element{Name: n, Max: dict.Unbounded, Children: newElems(g.Segments)}
		if g.Min != nil {
			e.Min = *g.Min
		}
		if g.Max != nil {
			e.Max = *g.Max
		}
		out = append(out, e)
	}
	return out
}

func oldVersion(v string, od oldDict) *dict.Version {
	x := &dict.Version{Version: v, Structures: map[string]*dict.Structure{}, Segments: map[string]*dict.Segment{}, Types: map[string]*dict.DataType{}}
	for name, s := range od.Segments {
		x.Segments[name] = &dict.Segment{Desc: s.Desc, Fields: oldFields(s.Fields)}
	}
	for name, t := range od.Fields {
		x.Types[name] = &dict.DataType{Desc: t.Desc, Components: oldFields(t.Subfields)}
	}
	return x
}

// flatten writes a structure as "MSH EVN [ PR1 ROL ]" style tokens with cardinality.
func flatten(es []*dict.Element) []string {
	var out []string
	for _, e := range es {
		card := fmt.Sprintf("%d..%d", e.Min, e.Max)
		if e.IsGroup() {
			out = append(out, e.Name+card+"(")
			out = append(out, flatten(e.Children)...)
			out = append(out, ")")
			continue
		}
		out = append(out, e.Name+card)
	}
	return out
}

func writeGzipJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
