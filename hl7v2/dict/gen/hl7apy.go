package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/hl7v2/dict"
)

// hl7apy is the third source: the MIT licensed Python library hl7apy (CRS4)
// ships generated definitions for every version up to 2.8.2 as Python data
// modules. carecert reads them (never runs them) from a folder given with
// -hl7apy: the `hl7apy` package folder of a checkout.
//
// It is used for what the npm packages lack: the message structures of 2.8 and
// later (hl7v2-dictionary's 2.8 structures are its 2.7.1 ones), segments and
// trailing fields those versions added, and the code tables of every version.
// Its segment definitions carry no lengths, so hl7v2-dictionary's 2.8 fields
// stay the base wherever it has them.

// hl7apyVersions are the versions whose structures come from hl7apy.
var hl7apyVersions = map[string]bool{"2.8": true, "2.8.1": true, "2.8.2": true}

// apyVersion is what carecert takes from one version of hl7apy.
type apyVersion struct {
	structures map[string]*dict.Structure
	segments   map[string]*dict.Segment
	types      map[string]*dict.DataType
}

func apyDir(root, v string) string {
	return filepath.Join(root, "v"+strings.ReplaceAll(v, ".", "_"))
}

func readApyModule(dir, file, name string) (*pyDict, error) {
	src, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	v, err := parseAssignment(src, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, file), err)
	}
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a dict", filepath.Join(dir, file), name)
	}
	return d, nil
}

// readApy reads one version of hl7apy.
func readApy(root, v string) (*apyVersion, error) {
	mods, err := readApyModules(apyDir(root, v), "MESSAGES", "GROUPS", "SEGMENTS", "FIELDS", "DATATYPES", "DATATYPES_STRUCTS")
	if err != nil {
		return nil, err
	}
	out := &apyVersion{segments: map[string]*dict.Segment{}, types: map[string]*dict.DataType{}}
	if out.structures, err = apyStructures(v, mods); err != nil {
		return nil, err
	}
	for _, name := range mods["SEGMENTS"].keys {
		if name == "ANYHL7SEGMENT" {
			continue // a wildcard of hl7apy's, not a segment
		}
		_, children, err := apyGroup(mods["SEGMENTS"].values[name])
		if err != nil {
			return nil, fmt.Errorf("%s segment %s: %w", v, name, err)
		}
		fields, err := apyFields(children, mods["FIELDS"])
		if err != nil {
			return nil, fmt.Errorf("%s segment %s: %w", v, name, err)
		}
		out.segments[name] = &dict.Segment{Fields: fields}
	}
	for _, name := range mods["DATATYPES_STRUCTS"].keys {
		children, ok := mods["DATATYPES_STRUCTS"].values[name].([]any)
		if !ok {
			return nil, fmt.Errorf("%s data type %s: not a tuple", v, name)
		}
		comps, err := apyFields(children, mods["DATATYPES"])
		if err != nil {
			return nil, fmt.Errorf("%s data type %s: %w", v, name, err)
		}
		out.types[name] = &dict.DataType{Components: comps}
	}
	return out, nil
}

var apyModuleFile = map[string]string{
	"MESSAGES": "messages.py", "GROUPS": "groups.py", "SEGMENTS": "segments.py", "FIELDS": "fields.py",
	"DATATYPES": "datatypes.py", "DATATYPES_STRUCTS": "datatypes.py", "TABLES": "tables.py",
}

func readApyModules(dir string, names ...string) (map[string]*pyDict, error) {
	mods := map[string]*pyDict{}
	for _, name := range names {
		d, err := readApyModule(dir, apyModuleFile[name], name)
		if errors.Is(err, fs.ErrNotExist) && name == "TABLES" {
			d, err = &pyDict{values: map[string]any{}}, nil // hl7apy has no tables for 2.1
		}
		if err != nil {
			return nil, err
		}
		mods[name] = d
	}
	return mods, nil
}

func apyStructures(v string, mods map[string]*pyDict) (map[string]*dict.Structure, error) {
	out := map[string]*dict.Structure{}
	for _, id := range mods["MESSAGES"].keys {
		kind, children, err := apyGroup(mods["MESSAGES"].values[id])
		if err != nil {
			return nil, fmt.Errorf("%s message %s: %w", v, id, err)
		}
		if kind != "sequence" {
			return nil, fmt.Errorf("%s message %s: a %s, not a sequence", v, id, kind)
		}
		els, err := apyElements(id, children, mods["GROUPS"])
		if err != nil {
			return nil, fmt.Errorf("%s message %s: %w", v, id, err)
		}
		out[id] = &dict.Structure{Elements: els}
	}
	return out, nil
}

// apyGroup splits ('sequence', (children...)).
func apyGroup(v any) (kind string, children []any, err error) {
	t, ok := v.([]any)
	if ok && len(t) > 0 {
		if inner, bare := t[0].([]any); bare && len(t) == 1 {
			return "sequence", inner, nil // a few 2.1 segments are written without their kind
		}
	}
	if !ok || len(t) != 2 {
		return "", nil, fmt.Errorf("want (kind, children)")
	}
	kind, _ = t[0].(string)
	children, ok = t[1].([]any)
	if !ok {
		return "", nil, fmt.Errorf("children are not a tuple")
	}
	return kind, children, nil
}

// apyChild is one (name, reference, (min, max), 'SEG'|'GRP'|'FIE'|'CMP').
type apyChild struct {
	name     string
	min, max int
	kind     string
}

func apyChildOf(v any) (apyChild, error) {
	t, ok := v.([]any)
	if !ok || len(t) != 4 {
		return apyChild{}, fmt.Errorf("child %v: want (name, reference, (min, max), kind)", v)
	}
	name, _ := t[0].(string)
	card, _ := t[2].([]any)
	kind, _ := t[3].(string)
	if name == "" || len(card) != 2 || kind == "" {
		return apyChild{}, fmt.Errorf("child %v: want (name, reference, (min, max), kind)", v)
	}
	mn, _ := card[0].(int)
	mx, _ := card[1].(int)
	if mx < 0 {
		mx = dict.Unbounded
	}
	return apyChild{name: name, min: mn, max: mx, kind: kind}, nil
}

// apyElements converts a structure's or group's children. hl7apy names a
// group after its structure ("ADT_A01_PROCEDURE"); carecert uses the
// standard's group name ("PROCEDURE").
//
// hl7apy labels some sequences 'choice' (RSP_E22's QUERY_ACK: QAK, QPD and a
// group), so a 'choice' is read as the standard's <A|B|...> only when every
// member is a single segment, the only form a choice takes in the standard's
// message tables; any other is a sequence.
func apyElements(structure string, children []any, groups *pyDict) ([]*dict.Element, error) {
	var out []*dict.Element
	for _, c := range children {
		ch, err := apyChildOf(c)
		if err != nil {
			return nil, err
		}
		if ch.kind == "SEG" {
			out = append(out, &dict.Element{Name: ch.name, Min: ch.min, Max: ch.max})
			continue
		}
		if ch.kind != "GRP" {
			return nil, fmt.Errorf("child %s: kind %s", ch.name, ch.kind)
		}
		g, ok := groups.values[ch.name]
		if !ok {
			return nil, fmt.Errorf("group %s is not defined", ch.name)
		}
		kind, members, err := apyGroup(g)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", ch.name, err)
		}
		if kind == "choice" {
			if alts, ok := apyChoice(members); ok {
				out = append(out, &dict.Element{Name: strings.Join(alts, ","), Min: ch.min, Max: ch.max})
				continue
			}
		}
		sub, err := apyElements(structure, members, groups)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", ch.name, err)
		}
		out = append(out, &dict.Element{Name: strings.TrimPrefix(ch.name, structure+"_"), Min: ch.min, Max: ch.max, Children: sub})
	}
	return out, nil
}

func apyChoice(members []any) ([]string, bool) {
	var alts []string
	for _, m := range members {
		ch, err := apyChildOf(m)
		if err != nil || ch.kind != "SEG" || ch.min != 1 || ch.max != 1 {
			return nil, false
		}
		alts = append(alts, ch.name)
	}
	return alts, len(alts) > 1
}

// apyFields converts a segment's fields or a data type's components:
// ('PID_8', FIELDS['PID_8'], (0, 1), 'FIE') with FIELDS['PID_8'] =
// ('sequence', ..., 'CWE', 'ADMINISTRATIVE_SEX', 'HL70001', -1).
func apyFields(children []any, defs *pyDict) ([]dict.Field, error) {
	out := make([]dict.Field, 0, len(children))
	for _, c := range children {
		ch, err := apyChildOf(c)
		if err != nil {
			return nil, err
		}
		d, ok := defs.values[ch.name].([]any)
		if !ok || len(d) != 6 {
			return nil, fmt.Errorf("%s: want (kind, reference, type, name, table, length)", ch.name)
		}
		f := dict.Field{Opt: "O"}
		if ch.min > 0 {
			f.Opt = "R"
		}
		switch {
		case ch.max == dict.Unbounded:
			f.Rep = dict.Unbounded
		case ch.max > 1:
			f.Rep = ch.max
		}
		f.Type, _ = d[2].(string)
		if desc, ok := d[3].(string); ok {
			f.Desc = apyDesc(desc)
		}
		if t, ok := d[4].(string); ok {
			f.Table, _ = strconv.Atoi(strings.TrimPrefix(t, "HL7"))
		}
		if l, ok := d[5].(int); ok && l > 0 {
			f.Len = l
		}
		out = append(out, f)
	}
	return out, nil
}

// apyDesc writes "ADMINISTRATIVE_SEX" as "Administrative Sex".
func apyDesc(s string) string {
	words := strings.Split(strings.ToLower(s), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// mergeApy completes a version built on hl7v2-dictionary's 2.8 with what
// hl7apy's version v adds: its structures (replacing the base's), segments
// and data types the base lacks, and fields appended to a segment after the
// base's last. A structure the version's table 0354 lists and hl7apy's
// modules lack (ADT_A30 in 2.8) is taken from older, the newest version
// hl7-dictionary has. It returns one line per addition, for the generator's log.
func mergeApy(x *dict.Version, apy *apyVersion, table0354 []string, older map[string]*dict.Structure) []string {
	var added []string
	x.Structures = apy.structures
	for _, id := range table0354 {
		if _, ok := x.Structures[id]; !ok && older[id] != nil {
			x.Structures[id] = older[id]
			added = append(added, fmt.Sprintf("%s structure %s (table 0354 lists it; from hl7-dictionary 2.7.1)", x.Version, id))
		}
	}
	for _, name := range dict.SortedKeys(apy.segments) {
		a := apy.segments[name]
		b, ok := x.Segments[name]
		switch {
		case !ok:
			x.Segments[name] = a
			added = append(added, fmt.Sprintf("%s segment %s (%d fields)", x.Version, name, len(a.Fields)))
		case len(a.Fields) > len(b.Fields):
			added = append(added, fmt.Sprintf("%s segment %s fields %d-%d", x.Version, name, len(b.Fields)+1, len(a.Fields)))
			b.Fields = append(b.Fields, a.Fields[len(b.Fields):]...)
		}
	}
	for _, name := range dict.SortedKeys(apy.types) {
		if _, ok := x.Types[name]; !ok {
			x.Types[name] = apy.types[name]
			added = append(added, fmt.Sprintf("%s data type %s", x.Version, name))
		}
	}
	return added
}

// crossCheckApyStructures logs how many of a version's structures (from
// hl7-dictionary) hl7apy writes the same way: the evidence that hl7apy's
// structures, read as carecert reads them, can stand in where hl7-dictionary
// stops. Versions hl7apy lacks (2.7.1) are skipped.
func crossCheckApyStructures(root string, x *dict.Version) error {
	if _, err := os.Stat(apyDir(root, x.Version)); err != nil {
		return nil
	}
	mods, err := readApyModules(apyDir(root, x.Version), "MESSAGES", "GROUPS")
	if err != nil {
		return fmt.Errorf("hl7apy: %w", err)
	}
	structures, err := apyStructures(x.Version, mods)
	if err != nil {
		return fmt.Errorf("hl7apy: %w", err)
	}
	same, differ := 0, 0
	for _, id := range dict.SortedKeys(x.Structures) {
		a, ok := structures[id]
		if !ok {
			continue
		}
		if strings.Join(flatten(a.Elements), " ") == strings.Join(flatten(x.Structures[id].Elements), " ") {
			same++
			continue
		}
		differ++
	}
	log.Printf("%s structures: hl7apy and hl7-dictionary agree on %d, differ on %d", x.Version, same, differ)
	return nil
}

// readApyLicence reads the licence of the checkout the package folder is in.
func readApyLicence(pkg string) (string, error) {
	lic, err := os.ReadFile(filepath.Join(filepath.Dir(pkg), "LICENSE"))
	if err != nil {
		return "", fmt.Errorf("hl7apy licence: %w", err)
	}
	return "hl7apy (github.com/crs4/hl7apy), read from a checkout's Python data modules, never run; licence MIT (LICENSE).\n\n```\n" +
		strings.TrimSpace(string(lic)) + "\n```\n", nil
}

// apyTables reads the code tables of every version hl7apy has (2.2 and
// later), cleaned: hl7apy's lists carry a few entries that are not codes (a
// non-breaking space, a sentence cut off), which are dropped. A list with
// an ellipsis ("…", "...") stands for an outside list (IANA's MIME subtypes
// in 0291): such a table is open from the first version that marks it so.
func apyTables(root string, versions []string) (codes map[string]map[int][]string, open map[string][]int, err error) {
	codes, open = map[string]map[int][]string{}, map[string][]int{}
	openFrom := map[int]string{}
	for _, v := range versions {
		if _, err := os.Stat(apyDir(root, v)); err != nil {
			continue
		}
		mods, err := readApyModules(apyDir(root, v), "TABLES")
		if err != nil {
			return nil, nil, fmt.Errorf("hl7apy: %w", err)
		}
		codes[v] = map[int][]string{}
		for _, name := range mods["TABLES"].keys {
			n, err := strconv.Atoi(strings.TrimPrefix(name, "HL7"))
			if err != nil {
				continue // hl7apy also lists a few non-numbered tables
			}
			t, ok := mods["TABLES"].values[name].([]any)
			if !ok || len(t) != 2 {
				return nil, nil, fmt.Errorf("hl7apy %s table %s: want (description, codes)", v, name)
			}
			list, _ := t[1].([]any)
			for _, c := range list {
				s, _ := c.(string)
				switch {
				case strings.Contains(s, "…") || strings.Contains(s, "..."):
					if _, ok := openFrom[n]; !ok {
						openFrom[n] = v
					}
				case strings.Contains(s, ",") && !strings.Contains(s, " "):
					// "L,M,N": three codes the standard lists in one row.
					for _, part := range strings.Split(s, ",") {
						if isCode(part) {
							codes[v][n] = append(codes[v][n], part)
						}
					}
				case isCode(s):
					codes[v][n] = append(codes[v][n], s)
				}
			}
			if len(codes[v][n]) == 0 {
				delete(codes[v], n)
			}
		}
	}
	for _, v := range versions {
		for _, n := range slices.Sorted(maps.Keys(openFrom)) {
			if dict.CompareVersions(v, openFrom[n]) >= 0 {
				open[v] = append(open[v], n)
			}
		}
	}
	return codes, open, nil
}

// isCode tells a code ("F", "UNICODE UTF-8", "8859/1") from the other
// entries of hl7apy's lists: a lone non-breaking space, or the start of a
// sentence ("An Identifier for a provi") where a code with spaces has no
// lower-case letter.
func isCode(s string) bool {
	if s == "" || s != strings.TrimSpace(s) {
		return false
	}
	lower := false
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
		lower = lower || (s[i] >= 'a' && s[i] <= 'z')
	}
	return !(lower && strings.Contains(s, " "))
}

// userTables lists the tables an IS field or component binds in x: the
// standard's user-defined tables of that version.
func userTables(x *dict.Version) []int {
	set := map[int]bool{}
	add := func(fs []dict.Field) {
		for _, f := range fs {
			if f.Type == "IS" && f.Table > 0 {
				set[f.Table] = true
			}
		}
	}
	for _, s := range x.Segments {
		add(s.Fields)
	}
	for _, t := range x.Types {
		add(t.Components)
	}
	return slices.Sorted(maps.Keys(set))
}

// unionInts is a and b together, sorted, each number once.
func unionInts(a, b []int) []int {
	return slices.Compact(slices.Sorted(slices.Values(slices.Concat(a, b))))
}
