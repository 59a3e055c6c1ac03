package quality

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// Node is one selected element: its path inside the record (FHIRPath-style
// with indices for FHIR, a column for CSV, a field for HL7 v2) and its value.
// It is what the FHIRPath engine's Select gives, so FHIR selections are used
// as they come.
type Node = fhirpath.Selected

// Selector picks elements out of a record. It is compiled once and must be
// safe for concurrent use. An error means the expression could not be
// evaluated on this record (a FHIRPath type error, say); checks report it
// rather than take it for an absent element.
type Selector interface {
	Select(rec *model.Record) ([]Node, error)
}

// picker selects elements of one record for a check, collecting evaluation
// errors as findings.
type picker struct {
	r    *rule
	rec  *model.Record
	errs []model.Finding
}

func (r *rule) picker(rec *model.Record) *picker { return &picker{r: r, rec: rec} }

// get returns the nodes sel selects, or none after recording its error.
func (p *picker) get(sel Selector) []Node {
	nodes, err := sel.Select(p.rec)
	if err != nil {
		f := p.rec.Finding(model.Error, "quality.selection", "", "cannot evaluate a selection of requirement "+p.r.req+": "+err.Error())
		p.errs = append(p.errs, f)
		return nil
	}
	return nodes
}

// Language compiles selection expressions for the records of one kind. The
// CSV and HL7 v2 packages give theirs to Register so that suites can apply the
// same quality checks to rows and messages.
type Language struct {
	Kind model.Kind
	// Compile turns an expression written in a suite into a Selector.
	Compile func(expr string) (Selector, error)
	// Sensitive reports whether a selected path identifies a person, so that
	// evidence quoting it is redacted by default. May be nil.
	Sensitive func(path string) bool
}

// FHIRPaths is the built-in language for FHIR resources: FHIRPath, with the
// expression starting with the resource type ("Patient.birthDate"). Every
// selected element carries its own path with indices
// ("Patient.identifier[1].value") for findings; a computed value is located
// at the expression.
func FHIRPaths() Language {
	return Language{Kind: model.KindFHIR, Compile: compileFHIRPath, Sensitive: personal.FHIRPath}
}

func compileFHIRPath(expr string) (Selector, error) {
	expr = strings.TrimSpace(expr)
	if typeFromExpr(expr) == "" {
		return nil, fmt.Errorf("an expression starts with the resource type (\"Patient.birthDate\")")
	}
	e, err := fhirpath.Compile(expr)
	if err != nil {
		return nil, err
	}
	return &fhirpathExpr{expr: e}, nil
}

// fhirpathExpr selects with the FHIRPath engine.
type fhirpathExpr struct {
	expr *fhirpath.Expr
}

func (f *fhirpathExpr) Select(rec *model.Record) ([]Node, error) {
	// A run reads a JSON Bundle with its entries' resources out of the
	// Bundle record's tree (fhir.ReadFileApart); an expression on the
	// Bundle reads it as written, entries and all.
	whole, err := fhir.WholeBundle(rec)
	if err != nil {
		return nil, fmt.Errorf("Bundle entries not read: %w", err)
	}
	res := whole.Resource()
	if res == nil {
		return nil, nil
	}
	nodes, err := f.expr.Select(res)
	for i := range nodes {
		if nodes[i].Path == "" {
			nodes[i].Path = f.expr.String() // a computed value is located at its expression
		}
	}
	return nodes, err
}

// scalar returns a primitive value as text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case fmt.Stringer:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// present reports whether a selected value is present and non-empty: a string
// with something other than blanks, or a complex element with such a value
// somewhere inside.
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	case map[string]any:
		for k, e := range x {
			if k != "extension" && k != "id" && present(e) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if present(e) {
				return true
			}
		}
		return false
	}
	return true
}

// anyPresent reports whether any selected node is present and non-empty.
func anyPresent(nodes []Node) bool {
	for _, n := range nodes {
		if present(n.Value) {
			return true
		}
	}
	return false
}
