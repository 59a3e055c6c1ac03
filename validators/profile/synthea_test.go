package profile_test

import (
	"fmt"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("the Synthea corpus (false-alarm check)", func() {
	It("raises no error on resources that independent validators judge valid, once the guides it cannot load are accepted, but the vital signs coded only more specifically", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		// Synthea writes US Core and its own extensions, whose guides are not
		// loaded here: they are errors unless their domains are accepted.
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes,
			AcceptExtensions: []string{"http://hl7.org/fhir/us/core/", "http://synthetichealth.github.io/synthea/"}})
		strict := newEngine()
		unknown := 0
		records, bundles := 0, 0
		var errs []string
		// Synthea codes its blood pressures 55284-4 and some temperatures
		// 8331-1 (oral) without the sign's own LOINC code, which R4 §8.1.1
		// asks for: the reference validator holds them to bp and bodytemp
		// (implied_codes_test.go), and so does carecert. The validators that
		// judged the corpus valid predate that.
		vitals := map[string]int{}
		for _, f := range files {
			Expect(fhir.ReadFile(f, func(r *model.Record) error {
				r.Load()
				Expect(r.Problem).To(BeNil())
				records++
				if r.Type == "Bundle" {
					bundles++
				}
				if r.Type == "Patient" {
					for _, fd := range strict.ValidateRecord(r, "", nil) {
						if fd.Code == profile.CodeUnknownExtension && fd.Severity == model.Error {
							unknown++
						}
					}
				}
				for _, fd := range e.ValidateRecord(r, "", nil) {
					if fd.Severity != model.Error {
						continue
					}
					if sign := moreSpecificVitalSign(fd.Message); sign != "" {
						vitals[sign]++
						continue
					}
					errs = append(errs, fmt.Sprintf("%s:%d %s %s: %s", filepath.Base(f), fd.Line, fd.Record, fd.Path, fd.Message))
				}
				return nil
			})).To(Succeed())
		}
		Expect(records).To(BeNumerically(">", 10000))
		Expect(bundles).To(Equal(len(files)), "each file is a transaction Bundle, validated with its entries")
		Expect(errs).To(BeEmpty())
		Expect(vitals).To(Equal(map[string]int{"bp 55284-4": 330, "bodytemp 8331-1": 24}))
		Expect(unknown).To(BeNumerically(">=", len(files)), "without acceptance each patient's US Core extensions are errors")
	})
})

// moreSpecificVitalSign names the implied profile and code of a finding that
// a vital sign lacks its sign's own LOINC coding, or "".
func moreSpecificVitalSign(message string) string {
	for _, c := range []struct{ profile, slice, code string }{{"bp", "BPCode", "55284-4"}, {"bodytemp", "BodyTempCode", "8331-1"}} {
		if strings.Contains(message, `slice "`+c.slice+`" of coding requires at least 1`) && strings.Contains(message, `code is "`+c.code+`"`) &&
			strings.HasSuffix(message, "(profile http://hl7.org/fhir/StructureDefinition/"+c.profile+", implied by LOINC "+c.code+", R4 §8.1.1 vital signs)") {
			return c.profile + " " + c.code
		}
	}
	return ""
}
