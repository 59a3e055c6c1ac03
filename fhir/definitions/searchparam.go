package definitions

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/carecert/carecert/fhir/r4core"
)

// CoreSearchParameterBase is the canonical URL prefix of the FHIR core
// SearchParameters ("http://hl7.org/fhir/SearchParameter/Patient-name").
const CoreSearchParameterBase = "http://hl7.org/fhir/SearchParameter/"

// SearchParameter is the part of a FHIR SearchParameter that validation reads.
type SearchParameter struct {
	URL         string   `json:"url"`
	Version     string   `json:"version,omitempty"`
	Name        string   `json:"name,omitempty"`
	Code        string   `json:"code,omitempty"`
	Base        []string `json:"base,omitempty"`
	Type        string   `json:"type,omitempty"`
	Expression  string   `json:"expression,omitempty"`
	DerivedFrom string   `json:"derivedFrom,omitempty"`
	Target      []string `json:"target,omitempty"`
}

// Canonical is the URL with its version ("url|4.0.1"), or the URL alone when
// the parameter has no version.
func (sp *SearchParameter) Canonical() string {
	if sp.Version == "" {
		return sp.URL
	}
	return sp.URL + "|" + sp.Version
}

// HasBase reports whether the parameter lists typ among its bases.
func (sp *SearchParameter) HasBase(typ string) bool { return slices.Contains(sp.Base, typ) }

// coreSP indexes the embedded SearchParameters once, on the first lookup of
// a URL under CoreSearchParameterBase.
func (r *Registry) coreSP() error {
	if r.opts.NoCore || r.opts.Parent != nil {
		return nil
	}
	r.coreSPOnce.Do(func() {
		r.coreSPErr = r.loadCore(r4core.SearchParameters)
	})
	return r.coreSPErr
}

// SearchParameter returns the SearchParameter of a canonical URL ("url" or
// "url|version"), from the core or a loaded guide, decoded on first use.
func (r *Registry) SearchParameter(canonical string) (*SearchParameter, error) {
	e, ok := r.Lookup(canonical)
	if !ok {
		return nil, &NotFoundError{Canonical: canonical}
	}
	if e.ResourceType != "SearchParameter" {
		return nil, fmt.Errorf("%s is a %s, not a SearchParameter", canonical, e.ResourceType)
	}
	e.spOnce.Do(func() {
		var sp SearchParameter
		raw, err := e.bytes()
		if err == nil {
			err = json.Unmarshal(raw, &sp)
		}
		if err != nil {
			e.spErr = fmt.Errorf("SearchParameter %s (%s): %w", e.URL, e.Source, err)
			return
		}
		e.sp = &sp
	})
	return e.sp, e.spErr
}
