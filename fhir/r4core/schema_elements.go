package r4core

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SchemaElements is what the official R4 JSON schema says an element holds:
// for each of its definitions, each property's name and the definition the
// property refers to (a backbone element's, a data type's, or "" for none).
// The definition bundles are redistributed by a third party that adds
// elements of its own to a few of R4's types (docs/fhir-rule-families.md,
// "The R4 specification's own examples"); the schema, published by HL7 and
// embedded unchanged, says which elements R4 defines.
type SchemaElements map[string]map[string]string

// NewSchemaElements reads a JSON schema's definitions.
func NewSchemaElements(schema []byte) (SchemaElements, error) {
	var doc struct {
		Definitions map[string]struct {
			Properties map[string]struct {
				Ref   string `json:"$ref"`
				Items struct {
					Ref string `json:"$ref"`
				} `json:"items"`
			} `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, fmt.Errorf("fhir schema: %w", err)
	}
	out := SchemaElements{}
	for name, d := range doc.Definitions {
		props := map[string]string{}
		for p, v := range d.Properties {
			ref := v.Ref
			if ref == "" {
				ref = v.Items.Ref
			}
			props[p] = strings.TrimPrefix(ref, "#/definitions/")
		}
		out[name] = props
	}
	return out, nil
}

// Judges reports whether the schema defines typ as an element-bearing type
// (a resource or a complex data type), whose element paths Defines judges.
func (s SchemaElements) Judges(typ string) bool {
	return len(s[typ]) > 0
}

// Defines reports whether an element path of a type the schema judges
// (Meta.profile, EvidenceVariable.characteristic.definition[x]) names an
// element R4 defines: each step a property of the definition the step
// before it refers to, a choice by its [x] name or, as FHIRPath names it,
// its stem (Observation.effective), matched by any of its typed names.
func (s SchemaElements) Defines(path string) bool {
	steps := strings.Split(path, ".")
	def := steps[0]
	for _, step := range steps[1:] {
		props, ok := s[def]
		if !ok {
			return false
		}
		next, found := props[step]
		if stem, choice := strings.CutSuffix(step, "[x]"); choice || !found {
			found = false
			for p, ref := range props {
				if len(p) > len(stem) && strings.HasPrefix(p, stem) && p[len(stem)] >= 'A' && p[len(stem)] <= 'Z' {
					found, next = true, ref
					break
				}
			}
		}
		if !found {
			return false
		}
		def = next
	}
	return true
}
