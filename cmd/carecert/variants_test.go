package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile/agreement"
)

// variantSets are the family-pair folders the variant harness reads.
var variantSets = []string{"dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7"}

// variantExceptions are the families whose verdict may differ in a variant
// of a kind, each with the reason: a rule about the format or the placement
// itself. Every other variant must get its instance's verdict, and every
// exception here must still be one (the spec fails on a stale entry).
//
// A variant that cannot carry the data at all is not made, and says why
// (agreement.MakeVariants): a file that does not parse, a JSON-only or
// XML-only fault the other format cannot write (a repeated key, element
// order), what fhirxml.Encode refuses, a Bundle or a resource with contained
// resources of its own as a contained resource.
var variantExceptions = map[string]map[agreement.VariantKind]string{
	// The instance that keeps the rule has security labels, none repeated:
	// contained, it breaks dom-5 (a contained resource has no security
	// labels of its own; the container's apply).
	"meta-security-duplicate": {agreement.Contained: "dom-5: a contained resource carries no meta.security"},
	// The instance that keeps the rule has a meta.lastUpdated of full
	// precision: contained, it breaks dom-4 (no meta.versionId or
	// meta.lastUpdated; a contained resource has no life of its own).
	"instant-precision": {agreement.Contained: "dom-4: a contained resource carries no meta.lastUpdated"},
	// The instance that keeps the rule is a List that refers to another
	// List by Type/id: alone, a reference to a server; in a Parameters that
	// carries Lists, a reference among the resources sent together, which
	// must resolve there (localrefs.go, resolveInParameters).
	"extension-context-invariant": {agreement.InParameters: "a rule of Parameters: a reference to a type it carries resolves among its resources"},
}

// variantsOpen are disagreements where carecert is wrong in one placement
// and not yet fixed, each with the fault; like the exceptions, each must
// still disagree (fixing one means taking it off). None is open: the last
// five (references inside a Bundle that is a parameter's resource, not
// resolved against it) were fixed with the nested Bundle's own index.
var variantsOpen = map[string]map[agreement.VariantKind]string{}

// verdicts validates folders with the default suites in one run, as
// `carecert validate` does, and returns which of their files (by name) have
// an error.
func verdicts(dirs ...string) map[string]bool {
	code, out, errOut := carecert(append(append([]string{"validate"}, dirs...), "--format", "json", "--max-findings", "1000000", "-q")...)
	Expect(code).To(BeElementOf(exitOK, exitFailed), errOut)
	var rep model.Report
	Expect(json.Unmarshal([]byte(out), &rep)).To(Succeed())
	got := map[string]bool{}
	for f := range agreement.ErrorsByFile(&rep) {
		got[f] = true
	}
	return got
}

var _ = Describe("the same family pair gets the same verdict in every format and placement", func() {
	It("gives every variant of every family-pair instance (other format, Bundle entry in either format, contained, a parameter's resource) its instance's verdict, but for the named exceptions and open faults", func() {
		work := GinkgoT().TempDir()
		type key struct {
			family string
			kind   agreement.VariantKind
		}
		disagree := map[key][]string{}
		run, agreeing := 0, 0
		byKind := map[agreement.VariantKind]int{}
		unmade := map[string]int{}
		for _, set := range variantSets {
			dir := filepath.Join("..", "..", "validators", "profile", "agreement", "testdata", "family-pairs", set)
			pairs, err := agreement.FamilyPairs(dir)
			Expect(err).NotTo(HaveOccurred())
			orig := filepath.Join(work, set, "original")
			folders := map[agreement.VariantKind]string{}
			var made []agreement.Variant
			Expect(os.MkdirAll(orig, 0o755)).To(Succeed())
			for _, p := range pairs {
				data, err := os.ReadFile(filepath.Join(dir, p.File))
				Expect(err).NotTo(HaveOccurred())
				Expect(os.WriteFile(filepath.Join(orig, p.File), data, 0o644)).To(Succeed())
				vs, ums, err := agreement.MakeVariants(dir, p)
				Expect(err).NotTo(HaveOccurred())
				for _, u := range ums {
					unmade[string(u.Kind)+": "+firstLine(u.Why)]++
				}
				for _, v := range vs {
					f, ok := folders[v.Kind]
					if !ok {
						f = filepath.Join(work, set, string(v.Kind))
						Expect(os.MkdirAll(f, 0o755)).To(Succeed())
						folders[v.Kind] = f
					}
					Expect(os.WriteFile(filepath.Join(f, v.File), v.Data, 0o644)).To(Succeed())
					made = append(made, v)
				}
			}
			// one run for the set: variant files are named apart from
			// their instances (kind before the extension)
			dirs := []string{orig}
			for _, f := range folders {
				dirs = append(dirs, f)
			}
			got := verdicts(dirs...)
			for _, v := range made {
				run++
				byKind[v.Kind]++
				if got[v.Of.File] == got[v.File] {
					agreeing++
					continue
				}
				k := key{v.Of.Family, v.Kind}
				disagree[k] = append(disagree[k], fmt.Sprintf("%s/%s: %v as written, %v as %s", set, v.Of.File, got[v.Of.File], got[v.File], v.Kind))
			}
		}
		var lines, found, want []string
		for k, ds := range disagree {
			found = append(found, k.family+" "+string(k.kind))
			lines = append(lines, strings.Join(ds, "\n"))
		}
		excepted, open := 0, 0
		for _, table := range []map[string]map[agreement.VariantKind]string{variantExceptions, variantsOpen} {
			for f, kinds := range table {
				for k := range kinds {
					want = append(want, f+" "+string(k))
					n := len(disagree[key{f, k}])
					if _, ok := variantsOpen[f][k]; ok {
						open += n
					} else {
						excepted += n
					}
				}
			}
		}
		var unmadeLines []string
		for why, n := range unmade {
			unmadeLines = append(unmadeLines, fmt.Sprintf("%4d %s", n, why))
		}
		sort.Strings(lines)
		sort.Strings(found)
		sort.Strings(want)
		sort.Strings(unmadeLines)
		summary := fmt.Sprintf("%d variants run (%d xml, %d json, %d bundle-entry, %d other-format-bundle-entry, %d contained, %d parameter), %d agreeing, %d disagreeing in %d family and kind pairs (%d excepted, %d open)\nnot made:\n%s",
			run, byKind[agreement.AsXML], byKind[agreement.AsJSON], byKind[agreement.InBundle], byKind[agreement.OtherInBundle], byKind[agreement.Contained], byKind[agreement.InParameters],
			agreeing, run-agreeing, len(disagree), excepted, open, strings.Join(unmadeLines, "\n"))
		AddReportEntry("variants", summary)
		GinkgoWriter.Printf("%s\n%s\n", summary, strings.Join(lines, "\n"))
		// a harness that made nothing of a kind would agree on nothing
		Expect(byKind).To(HaveEach(BeNumerically(">", 100)))
		Expect(byKind).To(HaveLen(6))
		Expect(found).To(Equal(want), strings.Join(lines, "\n"))
	})
})

// firstLine is a reason up to its first line break.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
