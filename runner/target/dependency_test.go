package target_test

import (
	"os/exec"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const module = "github.com/carecert/carecert/"

// families are the target family packages, each with the families it may
// link: the ones that send or generate HL7 v2 messages read them with the
// hl7v2 family's reader.
var families = map[string][]string{
	"runner/target/fhirfiles":   nil,
	"runner/target/fixturefeed": {"runner/target/hl7v2files"},
	"runner/target/hl7v2files":  nil,
	"runner/target/mllptarget":  {"runner/target/hl7v2files"},
	"tabular/csvtarget":         nil,
	"livefhir":                  nil,
}

// linked returns the carecert packages each of pkgs links (its transitive
// imports, tests left out), as go list reports them, relative to the module.
func linked(pkgs ...string) map[string][]string {
	args := []string{"list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`}
	for _, p := range pkgs {
		args = append(args, module+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go list: %s", out)
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		deps[pkg] = []string{}
		for _, d := range fields[1:] {
			if rest, ok := strings.CutPrefix(d, module); ok {
				deps[pkg] = append(deps[pkg], rest)
			}
		}
	}
	return deps
}

var _ = Describe("the target contract's dependencies", func() {
	It("are the model and leaf helpers; a family links only its own, a reader or validator nothing of the runner", func() {
		var pkgs []string
		for f := range families {
			pkgs = append(pkgs, f)
		}
		readers := []string{"tabular", "hl7v2", "fhir", "fhir/fhirxml"}
		pkgs = append(pkgs, "runner/target", "runner")
		pkgs = append(pkgs, readers...)
		pkgs = append(pkgs, "validators/...")
		deps := linked(pkgs...)

		// The contract: records, located plan options, file listings, and
		// redaction of credentials in locations.
		Expect(deps["runner/target"]).To(ConsistOf("model", "internal/params", "internal/spelling", "internal/files", "internal/secret"))

		isFamily := func(p string) bool { _, ok := families[p]; return ok }
		generators := []string{"fixtures", "fixtures/hl7v2gen", "mllp"}
		for f, allowed := range families {
			linkedFamilies := slices.DeleteFunc(slices.Clone(deps[f]), func(p string) bool { return !isFamily(p) })
			Expect(linkedFamilies).To(ConsistOf(allowed), "%s links another family", f)
			if f == "tabular/csvtarget" || f == "livefhir" {
				Expect(deps[f]).NotTo(ContainElements(generators), "%s links a generator or MLLP", f)
			}
		}
		Expect(deps["runner"]).NotTo(ContainElement(Satisfy(isFamily)), "the runner links a family")
		Expect(deps["runner"]).NotTo(ContainElements(generators))

		validators := 0
		for p, d := range deps {
			if strings.HasPrefix(p, "validators/") || slices.Contains(readers, p) {
				validators++
				Expect(d).NotTo(ContainElement(Or(Equal("runner"), HavePrefix("runner/"))), "%s links the runner", p)
			}
		}
		Expect(validators).To(BeNumerically(">", len(readers)+5), "the validators were listed")
	})
})
