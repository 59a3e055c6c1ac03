package profile_test

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// core is the R4 core, read once for the suite.
var core = func() *definitions.Registry {
	r, err := definitions.New(definitions.Options{})
	if err != nil {
		panic(err)
	}
	return r
}()

// hooks are the ones production wires in (the run's terminology engine for
// bindings among them), built once for the suite.
var hooks = profile.DefaultHooks(&check.Env{})

// newEngine returns an engine over the core plus the given profiles, with
// production's hooks.
func newEngine(profiles ...map[string]any) *profile.Engine {
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	for _, p := range profiles {
		Expect(defs.Add(p, "test")).To(Succeed())
	}
	Expect(hooks.Codes).NotTo(BeNil(), "the terminology engine for bindings")
	return profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes})
}

// newEngineWithout returns an engine with no FHIRPath engine.
func newEngineWithout() *profile.Engine {
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	return profile.NewEngine(defs, profile.Options{})
}

// record parses a resource written in the spec into a record.
func record(src string) *model.Record {
	res, err := fhir.Decode([]byte(src))
	Expect(err).NotTo(HaveOccurred(), src)
	return &model.Record{Kind: model.KindFHIR, Source: "spec.json", Line: 1, Type: fhir.ResourceType(res), ID: fhir.ID(res), Value: res}
}

// validate returns the error and warning findings of a resource.
func validate(e *profile.Engine, src string, profileURL ...string) []model.Finding {
	url := ""
	if len(profileURL) > 0 {
		url = profileURL[0]
	}
	var out []model.Finding
	for _, f := range e.ValidateRecord(record(src), url, nil) {
		if f.Severity > model.Information {
			out = append(out, f)
		}
	}
	return out
}

// inFormat writes a resource given in JSON in the format named: "json" as
// it is, "xml" as FHIR XML (the same data in either).
func inFormat(format, src string) string {
	if format == "json" {
		return src
	}
	res, err := fhir.Decode([]byte(src))
	Expect(err).NotTo(HaveOccurred(), src)
	out, err := fhirxml.Encode(res)
	Expect(err).NotTo(HaveOccurred(), src)
	return string(out)
}

// at matches a finding by severity, code and path.
func at(sev model.Severity, code, path string) types.GomegaMatcher {
	return And(
		WithTransform(func(f model.Finding) model.Severity { return f.Severity }, Equal(sev)),
		WithTransform(func(f model.Finding) string { return f.Code }, Equal(code)),
		WithTransform(func(f model.Finding) string { return f.Path }, Equal(path)),
	)
}

func diffProfile(url, typ string, elements ...string) map[string]any {
	var list []any
	for _, e := range elements {
		var m map[string]any
		if err := json.Unmarshal([]byte(e), &m); err != nil {
			panic(fmt.Sprintf("%s: %v", e, err))
		}
		list = append(list, m)
	}
	return map[string]any{
		"resourceType": "StructureDefinition", "url": url, "type": typ, "kind": "resource", "name": "Test",
		"baseDefinition": "http://hl7.org/fhir/StructureDefinition/" + typ, "derivation": "constraint",
		"differential": map[string]any{"element": list},
	}
}
