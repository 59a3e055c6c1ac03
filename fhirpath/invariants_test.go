package fhirpath_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// coreInvariants returns every constraint expression in the embedded R4 core
// StructureDefinitions, by definition and key: the types and resources (from
// the element index, which holds their snapshots) and the other profiles and
// extension definitions (read here).
func coreInvariants() map[string]string {
	out := map[string]string{}
	ix := elements.MustR4()
	for _, name := range ix.Names() {
		for _, el := range ix.Definition(name).Elements {
			for _, c := range el.Constraints {
				if c.Expression != "" {
					out[name+" "+c.Key] = c.Expression
				}
			}
		}
	}
	for _, name := range []string{r4core.ProfilesOthers, r4core.ExtensionDefs} {
		data, err := r4core.ReadFile(name)
		Expect(err).NotTo(HaveOccurred())
		var bundle struct {
			Entry []struct {
				Resource struct {
					ID       string `json:"id"`
					Snapshot struct {
						Element []struct {
							Constraint []struct {
								Key        string `json:"key"`
								Expression string `json:"expression"`
							} `json:"constraint"`
						} `json:"element"`
					} `json:"snapshot"`
				} `json:"resource"`
			} `json:"entry"`
		}
		Expect(json.Unmarshal(data, &bundle)).To(Succeed())
		for _, e := range bundle.Entry {
			for _, el := range e.Resource.Snapshot.Element {
				for _, c := range el.Constraint {
					if c.Expression != "" {
						out[e.Resource.ID+" "+c.Key] = c.Expression
					}
				}
			}
		}
	}
	return out
}

var _ = Describe("the R4 core invariants", func() {
	It("all compile", func() {
		invs := coreInvariants()
		Expect(len(invs)).To(BeNumerically(">", 1000))
		var failed []string
		for key, expr := range invs {
			if _, err := fhirpath.Compile(expr); err != nil {
				failed = append(failed, key+": "+err.Error())
			}
		}
		sort.Strings(failed)
		AddReportEntry("R4 core invariants", fmt.Sprintf("%d compiled, %d failed", len(invs), len(failed)))
		GinkgoWriter.Printf("R4 core invariants: %d compiled, %d failed\n", len(invs), len(failed))
		Expect(failed).To(BeEmpty())
	})

	It("evaluate without error and hold on valid resources (Synthea, UK Core examples in XML)", func() {
		ix := elements.MustR4()
		var resources []map[string]any
		corpus, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range corpus[:1] {
			Expect(fhir.ReadFile(f, func(r *model.Record) error {
				resources = append(resources, r.Resource())
				return nil
			})).To(Succeed())
		}
		examples, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "examples", "*.xml"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range examples {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			res, err := fhirxml.Decode(data)
			Expect(err).NotTo(HaveOccurred(), f)
			resources = append(resources, res)
		}
		Expect(len(resources)).To(BeNumerically(">", 500))

		compiled := map[string]*fhirpath.Expr{}
		compile := func(s string) *fhirpath.Expr {
			if e, ok := compiled[s]; ok {
				return e
			}
			e := fhirpath.MustCompile(s)
			compiled[s] = e
			return e
		}
		evaluated := 0
		var problems []string
		for _, res := range resources {
			def := ix.Definition(res["resourceType"].(string))
			Expect(def).NotTo(BeNil())
			env := &fhirpath.Env{Resource: res, RootResource: res}
			for _, el := range def.Elements {
				if len(el.Constraints) == 0 {
					continue
				}
				nodes, err := compile(strings.ReplaceAll(el.Path, "[x]", "")).EvaluateTyped(env, res)
				Expect(err).NotTo(HaveOccurred(), el.Path)
				for _, node := range nodes {
					for _, c := range el.Constraints {
						if c.Expression == "" {
							continue
						}
						ok, known, err := compile(c.Expression).EvaluateBool(env, node)
						evaluated++
						switch {
						case err != nil:
							problems = append(problems, fmt.Sprintf("%s/%s %s %s: %v", res["resourceType"], res["id"], el.Path, c.Key, err))
						case c.Severity == "error" && known && !ok:
							problems = append(problems, fmt.Sprintf("%s/%s %s %s does not hold: %s", res["resourceType"], res["id"], el.Path, c.Key, c.Expression))
						}
					}
				}
			}
		}
		Expect(evaluated).To(BeNumerically(">", 5000))
		Expect(problems).To(BeEmpty())
	})
})

var _ = Describe("core invariants on broken resources", func() {
	ix := elements.MustR4()
	invariant := func(typ, key string) string {
		for _, el := range ix.Definition(typ).Elements {
			for _, c := range el.Constraints {
				if c.Key == key {
					return c.Expression
				}
			}
		}
		Fail("no invariant " + key + " on " + typ)
		return ""
	}
	holds := func(expr string, res map[string]any, node any) bool {
		ok, known, err := fhirpath.MustCompile(expr).EvaluateBool(&fhirpath.Env{Resource: res}, node)
		Expect(err).NotTo(HaveOccurred(), expr)
		Expect(known).To(BeTrue(), expr)
		return ok
	}

	It("obs-6: dataAbsentReason only when there is no value", func() {
		obs := decode(observationJSON)
		Expect(holds(invariant("Observation", "obs-6"), obs, obs)).To(BeTrue())
		obs["dataAbsentReason"] = map[string]any{"text": "unknown"}
		Expect(holds(invariant("Observation", "obs-6"), obs, obs)).To(BeFalse())
	})

	It("dom-3: a contained resource must be referenced", func() {
		p := decode(patientJSON)
		Expect(holds(invariant("Patient", "dom-3"), p, p)).To(BeTrue())
		delete(p, "managingOrganization")
		Expect(holds(invariant("Patient", "dom-3"), p, p)).To(BeFalse())
	})

	It("ele-1: an element needs a value or children", func() {
		expr := invariant("Patient", "ele-1")
		p := decode(`{"resourceType": "Patient", "name": [{"id": "n1"}], "birthDate": "2000-01-01"}`)
		name := fhirpath.Element(p["name"].([]any)[0], nil, "HumanName", "HumanName")
		Expect(holds(expr, p, name)).To(BeFalse())
		birth := fhirpath.Element("2000-01-01", nil, "date", "date")
		Expect(holds(expr, p, birth)).To(BeTrue())
	})

	It("per-1: a period starts before it ends, at the precision given", func() {
		expr := invariant("Period", "per-1")
		ok := func(start, end string) bool {
			period := fhirpath.Element(map[string]any{"start": start, "end": end}, nil, "Period", "Period")
			return holds(expr, nil, period)
		}
		Expect(ok("2020-01-01", "2020-02-01")).To(BeTrue())
		Expect(ok("2020-03-01T10:00:00Z", "2020-02-01")).To(BeFalse())
	})

	It("pat-1: a contact needs details", func() {
		p := decode(`{"resourceType": "Patient", "contact": [{"gender": "male"}]}`)
		contact := fhirpath.Element(p["contact"].([]any)[0], nil, "BackboneElement", "Patient.contact")
		Expect(holds(invariant("Patient", "pat-1"), p, contact)).To(BeFalse())
	})
})

var _ = Describe("the UK Core invariants", func() {
	It("all compile (read from the XML profiles)", func() {
		files, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "structuredefinitions", "*.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		compiled := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			sd, err := fhirxml.Decode(data)
			Expect(err).NotTo(HaveOccurred(), f)
			diff, _ := sd["differential"].(map[string]any)
			els, _ := diff["element"].([]any)
			for _, e := range els {
				cons, _ := e.(map[string]any)["constraint"].([]any)
				for _, c := range cons {
					if expr, ok := c.(map[string]any)["expression"].(string); ok {
						_, err := fhirpath.Compile(expr)
						Expect(err).NotTo(HaveOccurred(), f+": "+expr)
						compiled++
					}
				}
			}
		}
		Expect(compiled).To(BeNumerically(">=", 8))
	})
})
