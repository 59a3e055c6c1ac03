package profile

import (
	"encoding/json"
	"fmt"
	"slices"
)

// extImposeProfile is the extension by which a profile says that what
// conforms to it must conform to another profile as well (a profile built
// on two others, or one an authority requires beside its own).
const extImposeProfile = "http://hl7.org/fhir/StructureDefinition/structuredefinition-imposeProfile"

// imposedProfiles reads the canonicals a definition imposes.
func imposedProfiles(exts []json.RawMessage) []string {
	var out []string
	for _, raw := range exts {
		var x struct {
			URL            string `json:"url"`
			ValueCanonical string `json:"valueCanonical"`
		}
		if json.Unmarshal(raw, &x) == nil && x.URL == extImposeProfile && x.ValueCanonical != "" {
			out = append(out, x.ValueCanonical)
		}
	}
	return out
}

// withImposed adds to the profiles a resource is validated against those
// they impose, and those these impose in turn, each once. An imposed profile
// that is not loaded is a warning at the resource (path): what it asks is
// not checked (carecert's limit, not the resource's failure).
func (e *Engine) withImposed(compiled []*Compiled, path string, warn warnFunc) []*Compiled {
	for i := 0; i < len(compiled); i++ {
		for _, url := range compiled[i].imposed {
			q, err := e.Compiled(url)
			if err != nil {
				warn(path, fmt.Sprintf("profile %s imposes %s, which is not loaded, so what it asks was not checked: %v", compiled[i].URL, url, err))
				continue
			}
			if !slices.Contains(compiled, q) {
				compiled = append(compiled, q)
			}
		}
	}
	return compiled
}
