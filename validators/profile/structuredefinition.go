package profile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// CodeSnapshot marks a profile (a StructureDefinition validated as a
// resource) whose differential cannot be applied to its base as it stands.
const CodeSnapshot = "profile.snapshot"

// maxDifferentialChecks bounds how many distinct profiles an engine keeps the
// outcome of: a feed of profiles beyond that is checked one by one, so memory
// stays flat however many it holds.
const maxDifferentialChecks = 4096

// differentialChecks caches, per canonical URL and content, what applying a
// profile's differential found, so a feed of many copies of one profile costs
// one snapshot generation.
type differentialChecks struct {
	m sync.Map // key → *differentialCheck
	n atomic.Int64
}

type differentialCheck struct {
	once   sync.Once
	issues []differentialIssue
}

// differentialIssue is a finding relative to the StructureDefinition.
type differentialIssue struct {
	severity model.Severity
	code     string
	path     string // after the resource's own path
	message  string
}

// structureDefinitionRules generates the snapshot of a constraining profile
// from its differential, as the definitions registry would when the profile
// is loaded, and reports each differential element that cannot be applied
// (and why) as an error on the profile: a guide's author learns it when the
// profile is validated, not when someone first validates data against it.
// Profiles without a differential, and specialisations (which define new
// elements rather than constrain their base's), are left alone; a base that
// cannot be resolved is one warning.
func (w *walker) structureDefinitionRules(m map[string]any, path string) {
	diff, _ := m["differential"].(map[string]any)
	if elems, _ := diff["element"].([]any); len(elems) == 0 || m["derivation"] == "specialization" {
		return
	}
	for _, is := range w.e.differentialIssues(m) {
		w.add(is.severity, is.code, path+is.path, is.message, "")
	}
	w.profileAuthoring(m, path)
}

// differentialIssues returns what applying the differential of the profile m
// finds, generating its snapshot once per canonical URL and content.
func (e *Engine) differentialIssues(m map[string]any) []differentialIssue {
	raw, err := json.Marshal(m)
	if err != nil {
		return []differentialIssue{{model.Error, CodeSnapshot, "", fmt.Sprintf("the profile cannot be read to check its differential: %v", err)}}
	}
	url, _ := m["url"].(string)
	version, _ := m["version"].(string)
	sum := sha256.Sum256(raw)
	key := url + "|" + version + "|" + hex.EncodeToString(sum[:])
	c, ok := e.sdChecks.m.Load(key)
	if !ok {
		if e.sdChecks.n.Load() >= maxDifferentialChecks {
			return checkDifferential(e.defs, raw)
		}
		var loaded bool
		if c, loaded = e.sdChecks.m.LoadOrStore(key, &differentialCheck{}); !loaded {
			e.sdChecks.n.Add(1)
		}
	}
	dc := c.(*differentialCheck)
	dc.once.Do(func() { dc.issues = checkDifferential(e.defs, raw) })
	return dc.issues
}

// checkDifferential generates the snapshot of the profile raw and turns each
// problem into an issue at the differential element at fault.
func checkDifferential(defs *definitions.Registry, raw []byte) []differentialIssue {
	var sd definitions.StructureDefinition
	if err := json.Unmarshal(raw, &sd); err != nil {
		return []differentialIssue{{model.Error, CodeSnapshot, ".differential", fmt.Sprintf("the differential cannot be read: %v", err)}}
	}
	problems, err := defs.Expand(&sd)
	if err != nil {
		return []differentialIssue{{model.Warning, CodeProfile, ".baseDefinition",
			fmt.Sprintf("the differential was not checked: %v", err)}}
	}
	out := make([]differentialIssue, 0, len(problems))
	for _, p := range problems {
		at := ""
		if p.Index >= 0 {
			at = ".differential.element[" + strconv.Itoa(p.Index) + "]"
			if p.Field != "" {
				at += "." + p.Field
			}
		}
		msg := fmt.Sprintf("differential element %s: %s", p.Element, p.Reason)
		if p.Fatal {
			msg = fmt.Sprintf("the snapshot cannot be generated: differential element %s: %s", p.Element, p.Reason)
		}
		out = append(out, differentialIssue{model.Error, CodeSnapshot, at, msg})
	}
	return out
}
