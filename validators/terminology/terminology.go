// Package terminology checks the codes in FHIR resources: codes of bound
// elements against their value sets, codes against their code systems
// (existence, display, status), the form of SNOMED CT, LOINC, dm+d and ICD-10
// codes, UCUM units, and how much of a feed's local coding maps to national
// code systems. The terminology engine is built once per run and shared.
package terminology

import (
	"context"
	"fmt"
	"sync"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// Register adds the terminology checks to a registry.
func Register(reg *check.Registry) {
	reg.Register("fhir-value-set-binding", "codes of elements with a required or extensible binding are in the bound value set", newBindingCheck)
	reg.Register("fhir-code-system", "codes exist in their code system, with its display, and are not inactive; code systems are known", newCodeSystemCheck)
	reg.Register("fhir-code-format", "SNOMED CT, dm+d, LOINC and ICD-10 codes have a valid form and check digit", newFormatCheck)
	reg.Register("fhir-ucum-units", "UCUM units parse, and are comparable with the unit a profile fixes", newUnitsCheck)
	reg.Register("mapping-coverage", "share of records whose codes are national or map to national codes, with the unmapped local codes", newCoverageCheck)
}

// ServiceName is the Env service holding the run's *Service.
const ServiceName = "terminology"

// Service is the run's shared terminology: the engine and the element index,
// each loaded on first use.
type Service struct {
	Engine *terminology.Engine

	once sync.Once
	elem *Elements
	err  error
}

// Elements returns the element index, loading it on first use.
func (s *Service) Elements() (*Elements, error) {
	s.once.Do(func() { s.elem, s.err = LoadElements() })
	return s.elem, s.err
}

// Shared returns the run's terminology service, building it on first use:
// the R4 core content plus the implementation guides the run loads.
func Shared(env *check.Env) (*Service, error) {
	v, err := env.Service(ServiceName, func() (any, error) {
		igs := append([]string(nil), env.IGs...)
		eng := terminology.NewCore(func(e *terminology.Engine) error {
			for _, ig := range igs {
				if err := e.LoadIG(ig); err != nil {
					return err
				}
			}
			return nil
		})
		return &Service{Engine: eng}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Service), nil
}

// prepare loads the shared content at compile time, so a broken IG fails the
// run's compilation with a clear error rather than every record.
func prepare(spec check.Spec, env *check.Env, known ...string) (*Service, *Elements, error) {
	if err := spec.Params.Reject(known...); err != nil {
		return nil, nil, err
	}
	s, err := Shared(env)
	if err != nil {
		return nil, nil, err
	}
	el, err := s.Elements()
	if err != nil {
		return nil, nil, err
	}
	return s, el, nil
}

func appliesFHIR(rec *model.Record) bool {
	return rec.Kind == model.KindFHIR && rec.Type != "" && rec.Resource() != nil
}

func ctxOf(env *check.Env) context.Context {
	if env.Context != nil {
		return env.Context
	}
	return context.Background()
}

// codings returns the codings of a Coding or CodeableConcept value with their
// instance paths.
func codings(c coded) ([]terminology.Coding, []string) {
	m, ok := c.Value.(map[string]any)
	if !ok {
		return nil, nil
	}
	switch c.Type {
	case "Coding":
		return []terminology.Coding{codingOf(m)}, []string{c.Path}
	case "CodeableConcept":
		var out []terminology.Coding
		var paths []string
		for i, x := range list(m["coding"]) {
			cm, _ := x.(map[string]any)
			if cm == nil {
				continue
			}
			out = append(out, codingOf(cm))
			paths = append(paths, fmt.Sprintf("%s.coding[%d]", c.Path, i))
		}
		return out, paths
	}
	return nil, nil
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
	f.Sensitive = fhir.IsIdentifying(path)
	return f
}
