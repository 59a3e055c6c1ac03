package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

type fhirpathFlags struct {
	format, evidence string
	strict           bool
}

// fhirpathCommand evaluates a FHIRPath expression on FHIR files: a way to try
// the expressions that suites and profiles use on real data.
func (a *app) fhirpathCommand() *cobra.Command {
	var f fhirpathFlags
	cmd := &cobra.Command{
		Use:   "fhirpath EXPRESSION PATH...",
		Short: "Evaluate a FHIRPath expression on FHIR resources and show each result with its location",
		Long: `Evaluate a FHIRPath expression on every record of FHIR files (JSON or XML
resources, Bundles, NDJSON) and print each result with its file, line, record
and element path:

  carecert fhirpath "Patient.name.where(use = 'official').family" patient.xml
  carecert fhirpath "Observation.value > 100 'mg/dL'" feed.ndjson --format json

Records where the expression gives nothing are not shown; with --strict, an
element name the definitions do not have is an error rather than nothing. Values of elements
that identify a person are redacted unless --evidence full. Exit 0 when every
record was evaluated, 1 when the expression failed on some record (each
failure is printed), 2 for a malformed expression or an unreadable path.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.evalFHIRPath(args[0], args[1:], f)
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "output: text or json")
	cmd.Flags().StringVar(&f.evidence, "evidence", "redacted", "values of identifying elements: redacted or full")
	cmd.Flags().BoolVar(&f.strict, "strict", false, "report element names the FHIR R4 definitions do not have, instead of giving nothing")
	return cmd
}

// fhirpathResult is one value of the json output.
type fhirpathResult struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Record string `json:"record"`
	Path   string `json:"path,omitempty"` // empty for computed values and resolved resources
	Type   string `json:"type"`
	Value  any    `json:"value"`
}

func (a *app) evalFHIRPath(src string, paths []string, f fhirpathFlags) error {
	if f.format != "text" && f.format != "json" {
		return usageError("--format %q: want text or json", f.format)
	}
	if f.evidence != "redacted" && f.evidence != "full" {
		return usageError("--evidence %q: want redacted or full", f.evidence)
	}
	expr, err := fhirpath.Compile(src)
	if err != nil {
		return usageError("%v", err)
	}
	var results []fhirpathResult
	failures := 0
	for _, p := range paths {
		// ReadFile keeps a Bundle's tree whole: an expression may read
		// anything of the Bundle as %rootResource (resolve() among its
		// entries), which the entries' summaries do not hold.
		err := fhir.ReadFile(p, func(rec *model.Record) error {
			rec.Load()
			where := fmt.Sprintf("%s:%d", rec.Source, rec.Line)
			if rec.Problem != nil {
				failures++
				fmt.Fprintf(a.stderr, "%s: %s\n", where, rec.Problem.Message)
				return nil
			}
			res := rec.Resource()
			env := &fhirpath.Env{Resource: res, RootResource: res, Strict: f.strict}
			if rec.Container != nil {
				env.RootResource = rec.Container.Resource()
			}
			vals, err := expr.EvaluateTyped(env, res)
			if err != nil {
				failures++
				fmt.Fprintf(a.stderr, "%s: %s/%s: %v\n", where, rec.Type, rec.ID, err)
				return nil
			}
			for _, v := range vals {
				out := fhirpathResult{File: rec.Source, Line: rec.LineOf(v.Path), Record: rec.Type + "/" + rec.ID,
					Path: v.Path, Type: v.Type, Value: printable(v.V)}
				if f.evidence == "redacted" && identifying(rec.Type, v) {
					out.Value = personal.Redacted
				}
				results = append(results, out)
			}
			return nil
		})
		if err != nil {
			return usageError("%v", err)
		}
	}
	if f.format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if results == nil {
			results = []fhirpathResult{}
		}
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			path := ""
			if r.Path != "" { // computed values and resolved resources have none
				path = " " + r.Path
			}
			value, _ := json.Marshal(r.Value)
			fmt.Fprintf(a.stdout, "%s:%d %s%s = %s (%s)\n", r.File, r.Line, r.Record, path, value, r.Type)
		}
	}
	if failures > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("the expression could not be evaluated on %d record(s)", failures)}
	}
	return nil
}

// printable turns computed FHIRPath values into what JSON shows for them.
func printable(v any) any {
	switch x := v.(type) {
	case fhirpath.Decimal, fhirpath.Temporal, fhirpath.Quantity:
		return fmt.Sprint(x)
	case json.Number:
		return x
	}
	return v
}

// identifying reports a value that may identify a person: an element under an
// identifying path, or a computed text or date from a person's record.
func identifying(recordType string, v fhirpath.Value) bool {
	if v.Path != "" {
		return personal.FHIRPath(v.Path)
	}
	if !personal.PersonType(recordType) {
		return false
	}
	switch v.V.(type) {
	case bool, int64, fhirpath.Decimal:
		return false
	}
	return true
}
