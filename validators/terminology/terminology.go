// Package terminology checks the codes in FHIR resources: codes of bound
// elements against their value sets, codes against their code systems
// (existence, display, status), the form of SNOMED CT, LOINC, dm+d and ICD-10
// codes, UCUM units, and how much of a feed's local coding maps to national
// code systems. The terminology engine is built once per run and shared.
package terminology

import (
	"context"
	"strconv"
	"sync"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/runengine"
)

// Register adds the terminology checks to a registry.
func Register(reg *check.Registry) {
	check.Define(reg, "fhir-value-set-binding", "codes of elements with a required or extensible binding are in the bound value set",
		bindingParams{}, newBindingCheck)
	check.Define(reg, "fhir-code-system", "codes exist in their code system, with its display, and are not inactive; code systems are known",
		codeSystemParams{}, newCodeSystemCheck)
	check.Define(reg, "fhir-code-format", "SNOMED CT, dm+d, LOINC and ICD-10 codes have a valid form and check digit",
		check.Terminology{}, newFormatCheck)
	check.Define(reg, "fhir-ucum-units", "UCUM units parse, and are comparable with the unit a profile fixes",
		unitsParams{}, newUnitsCheck)
	check.Define(reg, "mapping-coverage", "share of records whose codes are national or map to national codes, with the unmapped local codes",
		coverageParams{Threshold: 0.95, Top: 20, Examples: 3}, newCoverageCheck)
}

// Every terminology check takes the terminology settings (check.Terminology:
// snomed, server, server-timeout, server-cache) as parameters, which
// override the plan's terminology: for that requirement.

type bindingParams struct {
	check.Terminology
	Codes bool `param:"codes" doc:"also check plain code elements with a required binding (the JSON schema's enumerations check them by default)"`
}

// codeSystemParams are fhir-code-system's. The option keeps the name of the
// HL7 reference validator's, so that its users find it.
type codeSystemParams struct {
	check.Terminology
	DisplayWarnings bool `param:"display-issues-are-warnings" doc:"report a display that is not the code system's as a warning, not an error (the HL7 reference validator's -display-issues-are-warnings)"`
}

type unitsParams struct {
	check.Terminology
	Profile []string          `param:"profile" doc:"profiles (canonical URLs) whose fixed units every resource is held to"`
	Units   map[string]string `param:"units" doc:"UCUM unit fixed per LOINC code, beyond those core profiles fix"`
}

type coverageParams struct {
	check.Terminology
	Elements  []string `param:"elements,required" doc:"coded elements measured (Condition.code), or HL7 v2 fields (OBX-3)"`
	National  []string `param:"national" doc:"code systems counted as national"`
	Maps      []string `param:"maps" doc:"CSV files mapping local codes to national ones"`
	Threshold float64  `param:"threshold" doc:"share of records that must be national or mapped (0.95 or 95%)"`
	Top       int      `param:"top" doc:"unmapped local codes listed"`
	Examples  int      `param:"examples" doc:"example records kept per unmapped code"`
}

// Service is what the run's terminology checks share beside their engines
// (runengine.For): the element index, loaded on first use.
type Service struct {
	// shelf is the run's coded values (coded.Run), shared with the profile
	// engine's walk.
	shelf *coded.Shelf

	once sync.Once
	elem *Elements
	err  error
}

// Elements returns the element index, loading it on first use.
func (s *Service) Elements() (*Elements, error) {
	s.once.Do(func() { s.elem, s.err = LoadElements(s.shelf) })
	return s.elem, s.err
}

// Run is the run's terminology service: the element index.
var Run = check.NewService(func(env *check.Env) (*Service, error) {
	shelf, err := coded.Run.Get(env)
	if err != nil {
		return nil, err
	}
	return &Service{shelf: shelf}, nil
})

// prepare returns the engine of a requirement's terminology settings over
// the run's (runengine.For) and the shared element index.
func prepare(own check.Terminology, env *check.Env) (*terminology.Engine, *Elements, error) {
	s, err := Run.Get(env)
	if err != nil {
		return nil, nil, err
	}
	eng, err := runengine.For(env, own)
	if err != nil {
		return nil, nil, err
	}
	el, err := s.Elements()
	if err != nil {
		return nil, nil, err
	}
	// Content loads when the first terminology check of a run is compiled, so
	// that a broken guide stops the run with one clear error.
	if err := eng.Ready(); err != nil {
		return nil, nil, err
	}
	return eng, el, nil
}

func appliesFHIR(rec *model.Record) bool {
	// A deferred record was proven one resource from its bytes: it is not
	// decoded to say so.
	return rec.Kind == model.KindFHIR && rec.Type != "" && (rec.Deferred() || rec.Resource() != nil)
}

func ctxOf(env *check.Env) context.Context {
	if env.Context != nil {
		return env.Context
	}
	return context.Background()
}

// codingsBuf is the size of the array a check lends codings: few
// CodeableConcepts hold more codings than this.
const codingsBuf = 4

// codings returns the codings of a Coding or CodeableConcept value, with
// what gives each its instance path. They are appended to buf[:0], so that a
// caller holding a small array avoids allocating for every coded value.
func codings(c codedValue, buf []terminology.Coding) ([]terminology.Coding, codingPaths) {
	m, ok := c.Value.(map[string]any)
	if !ok {
		return nil, codingPaths{}
	}
	out := buf[:0]
	switch c.Type {
	case "Coding":
		return append(out, codingOf(m)), codingPaths{at: c.Path}
	case "CodeableConcept":
		codingList := list(m["coding"])
		for _, x := range codingList {
			cm, _ := x.(map[string]any)
			if cm == nil {
				continue
			}
			out = append(out, codingOf(cm))
		}
		if len(out) == 0 {
			out = nil
		}
		return out, codingPaths{at: c.Path, list: codingList}
	}
	if coded.IsQuantity(c.Type) {
		// A Quantity's code is a code of its system, checked as a Coding's
		// is; its unit is no display. A UCUM unit is the units check's.
		if cd := codingOf(m); cd.System != "" && cd.System != terminology.UCUM {
			cd.Display = ""
			return append(out, cd), codingPaths{at: c.Path}
		}
	}
	return nil, codingPaths{}
}

// codingPaths gives the instance paths of the codings codings returns,
// built only for a finding: most codings have none.
type codingPaths struct {
	// at is the path of the Coding or CodeableConcept.
	at coded.Path
	// list is a CodeableConcept's coding array (nil for a Coding), whose
	// entries that are not objects have no coding.
	list []any
}

// path is the instance path of the i-th coding.
func (p codingPaths) path(i int) string {
	if p.list == nil {
		return p.at.String()
	}
	for j, x := range p.list {
		if cm, _ := x.(map[string]any); cm != nil {
			if i == 0 {
				return p.at.String() + ".coding[" + strconv.Itoa(j) + "]"
			}
			i--
		}
	}
	return p.at.String()
}

func codingOf(m map[string]any) terminology.Coding {
	s, _ := m["system"].(string)
	c, _ := m["code"].(string)
	d, _ := m["display"].(string)
	return terminology.Coding{System: s, Code: c, Display: d}
}

func finding(rec *model.Record, sev model.Severity, code, path, msg, evidence string) model.Finding {
	f := rec.Finding(sev, code, path, msg)
	f.Evidence = evidence
	f.Sensitive = personal.FHIRPath(path)
	return f
}
