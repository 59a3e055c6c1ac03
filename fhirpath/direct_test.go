package fhirpath_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// sharedInstances reads every shared example instance: the Synthea corpus,
// the UK Core examples, the conformance cases (valid and invalid) and the
// FHIRPath test inputs, each resource (a Bundle's entries too, as
// descendants) once.
func sharedInstances() []map[string]any {
	var out []map[string]any
	read := func(pattern string) {
		files, err := filepath.Glob(sharedtest.Path(pattern))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files {
			if strings.HasSuffix(f, ".xml") {
				data, err := os.ReadFile(f)
				Expect(err).NotTo(HaveOccurred())
				if res, err := fhirxml.Decode(data); err == nil && res["resourceType"] != nil {
					out = append(out, res)
				}
				continue
			}
			_ = fhir.ReadFile(f, func(r *model.Record) error { // a broken case is no input
				if res := r.Resource(); res != nil {
					out = append(out, res)
				}
				return nil
			})
		}
	}
	read("corpus/synthea-r4/*.json")
	read("fhir/uk-core/examples/*.xml")
	read("conformance-cases/cases/*/*.json")
	read("conformance-cases/cases/*/*.xml")
	read("conformance-cases/cases/*.json")
	read("fhirpath-tests/*.json")
	read("fhirpath-tests/*.xml")
	return out
}

var _ = Describe("direct checks", func() {
	It("give the evaluator's answer for every R4 core constraint they compile, on every element of the shared instances", func() {
		var exprs []*fhirpath.Expr
		seen := map[string]bool{}
		for _, src := range coreInvariants() {
			if !seen[src] {
				seen[src] = true
				exprs = append(exprs, fhirpath.MustCompile(src))
			}
		}
		slices.SortFunc(exprs, func(a, b *fhirpath.Expr) int { return strings.Compare(a.String(), b.String()) })
		resources := sharedInstances()
		Expect(len(resources)).To(BeNumerically(">", 1000))

		everything := fhirpath.MustCompile("descendants()")
		byPath := map[string][]*fhirpath.Expr{} // the expressions with a direct form there
		compiledAnywhere := map[string]bool{}
		decided, undecided := 0, 0
		var problems []string
		for _, res := range resources {
			env := &fhirpath.Env{Resource: res, RootResource: res}
			rt := res["resourceType"].(string)
			// a case past the evaluator's budget (a string over 1 MB) is
			// checked at its root only
			values, _ := everything.EvaluateTyped(env, res)
			values = append(values, fhirpath.Element(res, nil, rt, rt))
			for _, v := range values {
				p := fhirpath.DefPath(v)
				if _, isObject := v.V.(map[string]any); !isObject || p == "" {
					continue
				}
				list, known := byPath[p]
				if !known {
					for _, e := range exprs {
						if fhirpath.HasDirect(e, p) {
							list = append(list, e)
							compiledAnywhere[e.String()] = true
						}
					}
					byPath[p] = list
				}
				for _, e := range list {
					value, ok, isDecided := fhirpath.DirectBool(e, env, v)
					if !isDecided {
						undecided++
						continue
					}
					decided++
					wantValue, wantOK, err := fhirpath.EvaluatorBool(e, env, v)
					if err != nil || value != wantValue || ok != wantOK {
						problems = append(problems, fmt.Sprintf("%s/%s %s %s: direct %v/%v, evaluator %v/%v %v",
							rt, res["id"], p, e, value, ok, wantValue, wantOK, err))
					}
				}
			}
		}
		AddReportEntry("direct checks", fmt.Sprintf("%d of %d core expressions compile for some type; %d decided, %d left to the evaluator",
			len(compiledAnywhere), len(exprs), decided, undecided))
		Expect(problems).To(BeEmpty())
		Expect(len(compiledAnywhere)).To(BeNumerically(">=", 100))
		Expect(decided).To(BeNumerically(">", 500000))
	})
})
