// Package dict holds the HL7 v2 definitions carecert validates against, for
// versions 2.1 to 2.8.2: message structures (segment groups with cardinality),
// segments (fields with data type, optionality, repetitions, length, table),
// data types (components) and code tables. The data is generated from two MIT
// licensed npm packages and the MIT licensed hl7apy's data modules by ./gen
// (see NOTICE.md) and embedded gzip-compressed, one file per version, loaded
// on first use.
package dict

import (
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./gen -out . -hl7apy ${HL7APY}

//go:embed data/*.json.gz
var dataFS embed.FS

// Versions are the HL7 v2 versions carecert has definitions for, oldest first.
var versions = [...]string{"2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"}

// released are the versions HL7 table 0104 lists: every one is a correct
// MSH-12, whether or not carecert has definitions of its own for it.
var released = [...]string{"2.0", "2.0D", "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2", "2.9"}

// Released reports whether v is a version HL7 released (table 0104).
func Released(v string) bool {
	for _, r := range released {
		if r == v {
			return true
		}
	}
	return false
}

// Versions lists the versions with definitions, oldest first.
func Versions() []string { return append([]string(nil), versions[:]...) }

// TablesVersion is the HL7 version the code tables come from (hl7-dictionary's newest).
const TablesVersion = "2.7.1"

// TablesDiffer reports whether version v is not the tables' version:
// codes were added and withdrawn between versions.
func TablesDiffer(v string) bool { return compareVersions(v, TablesVersion) != 0 }

// Unbounded is the Max of an element that may repeat without limit.
const Unbounded = -1

// Element is one segment or group in a message structure.
type Element struct {
	// Name is a segment id ("PID") or a group name ("PATIENT_RESULT").
	Name string `json:"name"`
	Min  int    `json:"min"`
	// Max is the most occurrences allowed; Unbounded for no limit.
	Max int `json:"max"`
	// Children are a group's elements in order; a segment has none.
	Children []*Element `json:"children,omitempty"`
}

// IsGroup reports whether the element is a segment group.
func (e *Element) IsGroup() bool { return len(e.Children) > 0 }

// Structure is a message structure such as ADT_A01.
type Structure struct {
	Desc     string     `json:"desc,omitempty"`
	Elements []*Element `json:"elements"`
}

// Field is a field of a segment or a component of a data type.
type Field struct {
	Desc string `json:"desc,omitempty"`
	Type string `json:"type"`
	// Opt is the optionality: R required, O optional, C conditional, B
	// backward compatible (kept for older versions), X not used.
	Opt string `json:"opt,omitempty"`
	// Rep is how many repetitions are allowed; Unbounded for no limit, 0 means 1.
	Rep   int `json:"rep,omitempty"`
	Len   int `json:"len,omitempty"`
	Table int `json:"table,omitempty"`
}

// MaxReps is the number of repetitions allowed, Unbounded for no limit.
func (f *Field) MaxReps() int {
	if f.Rep == 0 {
		return 1
	}
	return f.Rep
}

// Segment is a segment definition.
type Segment struct {
	Desc   string  `json:"desc,omitempty"`
	Fields []Field `json:"fields"`
}

// DataType is a data type; a primitive one has no components.
type DataType struct {
	Desc       string  `json:"desc,omitempty"`
	Components []Field `json:"components,omitempty"`
}

// Version is the definitions of one HL7 v2 version.
type Version struct {
	Version    string                `json:"version"`
	Structures map[string]*Structure `json:"structures"`
	Segments   map[string]*Segment   `json:"segments"`
	Types      map[string]*DataType  `json:"types"`
	// Tables holds the codes of the version's own HL7 tables, by number
	// ("0001"), where a source has them (2.2 and later).
	Tables map[string][]string `json:"tables,omitempty"`
	// OpenTables are tables whose list the version leaves open (it points
	// to an outside list, such as IANA's MIME subtypes for 0291): a code
	// outside the list is not known to be wrong.
	OpenTables []int `json:"open_tables,omitempty"`
	// UserTables are the tables the version leaves to each site: those an
	// IS field or component binds (IS is the standard's data type for
	// user-defined tables; from 2.7, where CWE replaced IS, 2.6's).
	UserTables []int `json:"user_tables,omitempty"`

	codes      map[int]*Table
	user, open map[int]bool
}

// CodeTable is a version's view of an HL7 table: its codes in that version
// when carecert has them (Exact), else HL7 2.7.1's.
type CodeTable struct {
	*Table
	// Exact is set when the codes are the version's own and its list is
	// closed: a code outside it is wrong in that version.
	Exact bool
	// User is set when the version leaves the table to each site, or sites
	// extend it by its own rule (0396).
	User bool
	// Version is the version the codes are from.
	Version string
	// Desc is the table's name.
	Desc string
}

// Has reports whether code is in the table.
func (t CodeTable) Has(code string) bool { return t.Table != nil && t.Table.Has(code) }

// CodeTable returns table n as version x defines it; its Table is nil when
// carecert has no codes for it at all.
func (d *Dictionary) CodeTable(x *Version, n int) CodeTable {
	base := d.Table(n)
	out := CodeTable{Table: base, Version: TablesVersion, User: x.user[n] || siteExtended[n]}
	if base != nil {
		out.Desc = base.Desc
	}
	if t, ok := x.codes[n]; ok {
		// A table only the version's source lists (0399, country codes
		// from ISO 3166) is an outside list HL7 points to: not closed.
		out.Table, out.Version, out.Exact = t, x.Version, base != nil && !x.open[n] && !suggested[n]
		return out
	}
	out.Exact = x.Version == TablesVersion && base != nil && !suggested[n]
	return out
}

// How open an HL7 table is, where the standard's text says more than the
// sources' lists do. This is the one place that decides it (with the
// version's OpenTables and UserTables, which the generator derives).
var (
	// suggested are HL7 tables whose list the standard offers "for
	// suggested values" in every version that binds them to an ID: a code
	// outside the list is not known to be wrong, so it is a warning. 0203
	// (identifier type) is user-defined in 2.3 and 2.3.1, where CX.5 is IS
	// ("refer to user-defined table 0203 for suggested values"); from 2.4,
	// where CX.5 became ID, HL7 publishes the table but its text still
	// offers the values as suggested ones, sites and national profiles add
	// their own (FHIR binds the same code system extensibly).
	suggested = map[int]bool{203: true}
	// siteExtended are HL7 tables whose codes sites extend by the table's
	// own rule: 0396's coding systems admit local "99zzz" and "L" systems.
	// A code outside is judged as a user-defined table's is.
	siteExtended = map[int]bool{396: true}
)

func intSet(list []int) map[int]bool {
	out := make(map[int]bool, len(list))
	for _, n := range list {
		out[n] = true
	}
	return out
}

// Table is an HL7 code table.
type Table struct {
	Desc  string            `json:"desc,omitempty"`
	Codes map[string]string `json:"codes"`
	// Elsewhere maps codes some other version lists (and this list lacks)
	// to the first version that lists them.
	Elsewhere map[string]string `json:"elsewhere,omitempty"`
}

// ListedElsewhere returns the first version that lists code in table n
// when some version does, else "".
func (d *Dictionary) ListedElsewhere(n int, code string) string {
	t := d.Table(n)
	switch {
	case t == nil:
		return ""
	case t.Has(code):
		return TablesVersion
	}
	return t.Elsewhere[code]
}

// Has reports whether code is in the table.
func (t *Table) Has(code string) bool { _, ok := t.Codes[code]; return ok }

// Dictionary loads versions and tables from the embedded data on first use.
// It is safe for concurrent use; build one per program or run.
type Dictionary struct {
	mu       sync.Mutex
	versions map[string]*Version
	tables   map[int]*Table
	events   map[string]string
}

// New returns an empty dictionary that loads what it is asked for.
func New() *Dictionary { return &Dictionary{versions: map[string]*Version{}} }

// Nearest maps a version as written in MSH-12 to the version whose definitions
// apply: itself when known, else the newest known version not newer than it
// ("2.8.2" → "2.8"). ok is false when the version is not 2.1 or later.
func Nearest(v string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, k := range versions {
		if k == v {
			return k, true
		}
	}
	best := ""
	for _, k := range versions {
		if compareVersions(k, v) <= 0 {
			best = k
		}
	}
	if best == "" || !looksLikeVersion(v) {
		return "", false
	}
	return best, false
}

func looksLikeVersion(v string) bool {
	if v == "" || v[0] < '2' || v[0] > '9' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if (v[i] < '0' || v[i] > '9') && v[i] != '.' {
			return false
		}
	}
	return true
}

// compareVersions compares dotted versions numerically, part by part (a
// missing or non-numeric part counts as 0). It runs for table look-ups on
// every message, so it parses by hand.
func compareVersions(a, b string) int {
	for a != "" || b != "" {
		var x, y int
		x, a = leadingNumber(a)
		y, b = leadingNumber(b)
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// leadingNumber reads the number before the first dot of s and returns it
// with what follows the dot.
func leadingNumber(s string) (int, string) {
	n, i := 0, 0
	for ; i < len(s) && s[i] != '.'; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
		}
	}
	if i < len(s) {
		i++
	}
	return n, s[i:]
}

// Version returns the definitions of a known version (one of Versions).
func (d *Dictionary) Version(v string) (*Version, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if x, ok := d.versions[v]; ok {
		return x, nil
	}
	known := false
	for _, k := range versions {
		known = known || k == v
	}
	if !known {
		return nil, fmt.Errorf("hl7v2 dictionary: no definitions for version %q (known: %s)", v, strings.Join(versions[:], ", "))
	}
	var x Version
	if err := readGzipJSON("data/"+v+".json.gz", &x); err != nil {
		return nil, err
	}
	Correct(&x)
	x.user, x.open = intSet(x.UserTables), intSet(x.OpenTables)
	x.codes = make(map[int]*Table, len(x.Tables))
	for k, codes := range x.Tables {
		var n int
		fmt.Sscanf(k, "%d", &n)
		t := &Table{Codes: make(map[string]string, len(codes))}
		for _, c := range codes {
			t.Codes[c] = ""
		}
		x.codes[n] = t
	}
	d.versions[v] = &x
	return &x, nil
}

// Table returns a code table by number, or nil when there is none.
func (d *Dictionary) Table(n int) *Table {
	if err := d.loadTables(); err != nil {
		return nil
	}
	return d.tables[n]
}

// StructureFor returns the message structure id for a message type and
// trigger event ("ADT", "A04" → "ADT_A01") from HL7 table 0354, or "".
func (d *Dictionary) StructureFor(typ, event string) string {
	if err := d.loadTables(); err != nil {
		return ""
	}
	return d.events[typ+"^"+event]
}

func (d *Dictionary) loadTables() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tables != nil {
		return nil
	}
	var raw map[string]*Table
	if err := readGzipJSON("data/tables.json.gz", &raw); err != nil {
		return err
	}
	d.tables = make(map[int]*Table, len(raw))
	for k, t := range raw {
		var n int
		fmt.Sscanf(k, "%d", &n)
		d.tables[n] = t
	}
	d.events = map[string]string{}
	if t := d.tables[354]; t != nil {
		// Table 0354 lists, per structure, the events it carries: "A01, A04, A08".
		ids := make([]string, 0, len(t.Codes))
		for id := range t.Codes {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			typ, _, ok := strings.Cut(id, "_")
			if !ok {
				continue
			}
			for _, ev := range strings.Split(t.Codes[id], ",") {
				ev = strings.TrimSpace(ev)
				if ev != "" && ev != "Varies" {
					if _, dup := d.events[typ+"^"+ev]; !dup {
						d.events[typ+"^"+ev] = id
					}
				}
			}
		}
	}
	return nil
}

func readGzipJSON(name string, v any) error {
	f, err := dataFS.Open(name)
	if err != nil {
		return fmt.Errorf("hl7v2 dictionary: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("hl7v2 dictionary %s: %w", name, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("hl7v2 dictionary %s: %w", name, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("hl7v2 dictionary %s: %w", name, err)
	}
	return nil
}
