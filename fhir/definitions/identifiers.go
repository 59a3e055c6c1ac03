package definitions

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// CodeSystemsByOID returns the canonical URLs of the code systems whose
// identifier is the OID given ("urn:oid:…"), sorted: the core's, the guides'
// and the parent registry's. The index is built on first use from each code
// system's identifiers only, so nothing else of them stays in memory; a code
// system added after that first use is not in it.
func (r *Registry) CodeSystemsByOID(oid string) []string {
	r.oidOnce.Do(func() {
		r.coreTx() //nolint:errcheck // without the core, only guides' code systems are indexed
		r.mu.RLock()
		var entries []*Entry
		for _, es := range r.byURL {
			for _, e := range es {
				if e.ResourceType == "CodeSystem" {
					entries = append(entries, e)
				}
			}
		}
		r.mu.RUnlock()
		r.oids = map[string][]string{}
		for _, e := range entries {
			raw, err := e.bytes()
			if err != nil {
				continue
			}
			var cs struct {
				Identifier json.RawMessage `json:"identifier"`
			}
			if json.Unmarshal(raw, &cs) != nil || len(cs.Identifier) == 0 {
				continue
			}
			// R4 lists identifiers; DSTU2-era content has one object.
			type identifier struct {
				Value string `json:"value"`
			}
			var ids []identifier
			if strings.HasPrefix(strings.TrimSpace(string(cs.Identifier)), "{") {
				ids = make([]identifier, 1)
				json.Unmarshal(cs.Identifier, &ids[0]) //nolint:errcheck // an unreadable identifier indexes nothing
			} else {
				json.Unmarshal(cs.Identifier, &ids) //nolint:errcheck // as above
			}
			for _, id := range ids {
				if strings.HasPrefix(id.Value, "urn:oid:") && !slices.Contains(r.oids[id.Value], e.URL) {
					r.oids[id.Value] = append(r.oids[id.Value], e.URL)
				}
			}
		}
		for _, urls := range r.oids {
			sort.Strings(urls)
		}
	})
	urls := slices.Clone(r.oids[oid]) // callers and the parent's merge never touch the index
	if r.opts.Parent != nil {
		for _, u := range r.opts.Parent.CodeSystemsByOID(oid) {
			if !slices.Contains(urls, u) {
				urls = append(urls, u)
			}
		}
		sort.Strings(urls)
	}
	return urls
}
