package profile

import (
	"testing"

	"github.com/carecert/carecert/fhir/definitions"
)

// BenchmarkLayoutRole sets a layout's key table against a Go map of the
// same keys, on the layouts of six Synthea types' elements three levels
// deep, every key looked up once per op (copies of the keys, as a scan's
// come from a record's bytes).
//
//	go test ./validators/profile -run X -bench LayoutRole -cpu 1
func BenchmarkLayoutRole(b *testing.B) {
	defs, _ := definitions.New(definitions.Options{})
	e := NewEngine(defs, Options{})
	var lays []*layout
	var keys [][]string
	var maps []map[string]*keyRole
	for _, typ := range []string{"Observation", "Patient", "Encounter", "Claim", "ExplanationOfBenefit", "Condition"} {
		p, err := e.CompiledType(typ)
		if err != nil {
			b.Fatal(err)
		}
		var visit func(n *node, depth int)
		visit = func(n *node, depth int) {
			l := n.ownLayout()
			if l == nil || depth > 2 {
				return
			}
			var ks []string
			m := map[string]*keyRole{}
			for _, en := range l.keys.entries {
				if en.key != "" && en.key[0] != '_' {
					ks = append(ks, string([]byte(en.key)))
					m[en.key] = en.role
				}
			}
			if len(ks) == 0 {
				return
			}
			lays, keys, maps = append(lays, l), append(keys, ks), append(maps, m)
			for _, k := range n.children {
				if len(k.children) > 0 {
					visit(k, depth+1)
				}
			}
		}
		visit(p.root, 0)
	}
	b.Run("table", func(b *testing.B) {
		n := 0
		for b.Loop() {
			for i, l := range lays {
				for _, k := range keys[i] {
					if l.role(k) != nil {
						n++
					}
				}
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		n := 0
		for b.Loop() {
			for i, m := range maps {
				for _, k := range keys[i] {
					if m[k] != nil {
						n++
					}
				}
			}
		}
	})
}
