package livefhir

import (
	"net/url"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir"
)

// capabilities is what a server's CapabilityStatement declares, as the probe
// needs it: per resource type, the interactions and search parameters. The
// probe tests what is declared and skips, with the reason, what is not, as
// Inferno's suite generators build their tests from the statement. A nil
// *capabilities (no statement could be read) declares everything: with
// nothing to go by, every interaction the plan asks for is tried.
type capabilities struct {
	order   []string
	types   map[string]*declared
	formats []string
	// system are the rest-level interactions (transaction, batch,
	// history-system, search-system).
	system map[string]bool
	// operations are the operations declared at the rest level.
	operations []string
	// params are the search parameters declared for every type
	// (rest.searchParam).
	params map[string]bool
	// patchFormats are the statement's patchFormat media types.
	patchFormats []string
}

type declared struct {
	interactions map[string]bool
	params       map[string]bool
	// versioning is the type's versioning code; flags its boolean
	// capabilities (conditionalCreate, conditionalUpdate, updateCreate).
	versioning string
	flags      map[string]bool
	// conditionalDelete is the type's conditionalDelete code
	// (not-supported, single, multiple).
	conditionalDelete string
	// includes and revincludes are the searchInclude and searchRevInclude
	// values ("Observation:subject"); operations the operation names.
	includes, revincludes map[string]bool
	operations            []string
}

// readCapabilities reads the server rest entries of a CapabilityStatement;
// nil when cs is none.
func readCapabilities(cs map[string]any) *capabilities {
	if cs == nil || cs["resourceType"] != "CapabilityStatement" {
		return nil
	}
	c := &capabilities{types: map[string]*declared{}, system: map[string]bool{}, params: map[string]bool{}}
	c.formats = fhir.Strings(cs["format"])
	c.patchFormats = fhir.Strings(cs["patchFormat"])
	rests, _ := cs["rest"].([]any)
	for _, r := range rests {
		rm, _ := r.(map[string]any)
		if rm["mode"] != "server" {
			continue
		}
		system, _ := rm["interaction"].([]any)
		for _, i := range system {
			im, _ := i.(map[string]any)
			if code, _ := im["code"].(string); code != "" {
				c.system[code] = true
			}
		}
		c.operations = append(c.operations, operationNames(rm["operation"])...)
		for name := range paramNames(rm["searchParam"]) {
			c.params[name] = true
		}
		resources, _ := rm["resource"].([]any)
		for _, res := range resources {
			m, _ := res.(map[string]any)
			typ, _ := m["type"].(string)
			if typ == "" || c.types[typ] != nil {
				continue
			}
			d := &declared{interactions: map[string]bool{}, params: map[string]bool{}, flags: map[string]bool{}}
			d.versioning, _ = m["versioning"].(string)
			d.conditionalDelete, _ = m["conditionalDelete"].(string)
			for _, f := range []string{"conditionalCreate", "conditionalUpdate", "updateCreate"} {
				d.flags[f], _ = m[f].(bool)
			}
			d.includes, d.revincludes = stringSet(m["searchInclude"]), stringSet(m["searchRevInclude"])
			d.operations = operationNames(m["operation"])
			list, _ := m["interaction"].([]any)
			for _, i := range list {
				im, _ := i.(map[string]any)
				if code, _ := im["code"].(string); code != "" {
					d.interactions[code] = true
				}
			}
			d.params = paramNames(m["searchParam"])
			c.types[typ] = d
			c.order = append(c.order, typ)
		}
	}
	return c
}

// declaresFormat reports whether the statement lists a format ("xml" or a
// mime type naming it); nil declares none but JSON.
func (c *capabilities) declaresFormat(name string) bool {
	if c == nil {
		return false
	}
	for _, f := range c.formats {
		if f == name || strings.Contains(f, "+"+name) || strings.HasSuffix(f, "/"+name) {
			return true
		}
	}
	return false
}

// declares reports whether the statement declares an interaction for a type.
func (c *capabilities) declares(typ, interaction string) bool {
	if c == nil {
		return true
	}
	d := c.types[typ]
	return d != nil && d.interactions[interaction]
}

// declaresSystem reports whether the statement declares a rest-level
// interaction (transaction, batch).
func (c *capabilities) declaresSystem(interaction string) bool {
	return c == nil || c.system[interaction]
}

// flag reports whether a type declares a boolean capability
// (conditionalCreate, conditionalUpdate, updateCreate).
func (c *capabilities) flag(typ, name string) bool {
	if c == nil {
		return true
	}
	d := c.types[typ]
	return d != nil && d.flags[name]
}

// versionedUpdate reports whether a type declares versioning
// versioned-update, under which a server must honour If-Match.
func (c *capabilities) versionedUpdate(typ string) bool {
	if c == nil {
		return true
	}
	d := c.types[typ]
	return d != nil && d.versioning == "versioned-update"
}

// searchable lists the types that declare search-type, in the statement's
// order, at most max of them.
func (c *capabilities) searchable(max int) []string {
	var out []string
	for _, t := range c.order {
		if c.declares(t, "search-type") {
			out = append(out, t)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// first returns the first of types that declares an interaction, or "".
func (c *capabilities) first(types []string, interaction string) string {
	for _, t := range types {
		if c.declares(t, interaction) {
			return t
		}
	}
	return ""
}

// undeclaredSearch says why a search of the plan's is not made, or "": its
// type declares no search, or a filter parameter the type does not list
// (when it lists any filter; result parameters such as _count are not filters).
func (c *capabilities) undeclaredSearch(typ string, q url.Values) string {
	if c == nil {
		return ""
	}
	if !c.declares(typ, "search-type") {
		return "the server does not declare search-type for " + typ
	}
	d := c.types[typ]
	filters := false
	for name := range d.params {
		filters = filters || !strings.HasPrefix(name, "_")
	}
	if !filters {
		return "" // a type that lists only result parameters says nothing of its filters
	}
	for k := range q {
		name, _, _ := strings.Cut(k, ":")
		name, _, _ = strings.Cut(name, ".")
		if strings.HasPrefix(name, "_") && name != "_id" && name != "_lastUpdated" {
			continue
		}
		if !d.params[name] && !(name == "_id" || name == "_lastUpdated") {
			return "the server does not declare the search parameter " + name + " for " + typ
		}
	}
	return ""
}

// deletesByCondition reports whether a type declares conditionalDelete
// (single or multiple); nil declares it.
func (c *capabilities) deletesByCondition(typ string) bool {
	if c == nil {
		return true
	}
	d := c.types[typ]
	return d != nil && (d.conditionalDelete == "single" || d.conditionalDelete == "multiple")
}

// declaresPatchFormat reports whether the statement lists a patch format
// (a media type); nil lists none.
func (c *capabilities) declaresPatchFormat(mediaType string) bool {
	return c != nil && slices.Contains(c.patchFormats, mediaType)
}

// paramNames are the names of a searchParam list.
func paramNames(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, p := range list {
		pm, _ := p.(map[string]any)
		if name, _ := pm["name"].(string); name != "" {
			out[name] = true
		}
	}
	return out
}

// declaresParam reports whether the statement lists a search parameter
// for a type or for every type; nil declares every one. Result parameters
// (_sort, _summary, _elements) are tested only where listed.
func (c *capabilities) declaresParam(typ, name string) bool {
	if c == nil || c.params[name] {
		return true
	}
	d := c.types[typ]
	return d != nil && d.params[name]
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out[s] = true
		}
	}
	return out
}

func operationNames(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		if name, _ := m["name"].(string); name != "" {
			out = append(out, strings.TrimPrefix(name, "$"))
		}
	}
	return out
}

// declaresInclude reports whether a type declares an _include (rev false)
// or _revinclude (rev true) value; nil declares every one.
func (c *capabilities) declaresInclude(typ, value string, rev bool) bool {
	if c == nil {
		return true
	}
	d := c.types[typ]
	if d == nil {
		return false
	}
	if rev {
		return d.revincludes[value]
	}
	return d.includes[value]
}

// declaresOperation reports whether an operation is declared for a type or
// at the rest level; nil declares none (an operation is never guessed).
func (c *capabilities) declaresOperation(typ, name string) bool {
	if c == nil {
		return false
	}
	if d := c.types[typ]; d != nil && slices.Contains(d.operations, name) {
		return true
	}
	return slices.Contains(c.operations, name)
}

// allOperations lists every declared operation as "Type/$name" or "$name".
func (c *capabilities) allOperations() []string {
	if c == nil {
		return nil
	}
	var out []string
	for _, t := range c.order {
		for _, o := range c.types[t].operations {
			out = append(out, t+"/$"+o)
		}
	}
	for _, o := range c.operations {
		out = append(out, "$"+o)
	}
	return out
}
