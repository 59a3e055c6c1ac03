package profile_test

import (
	"fmt"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("the Synthea corpus (false-alarm check)", func() {
	It("raises no error on resources that independent validators judge valid, once the guides it cannot load are accepted", func() {
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
					if fd.Severity == model.Error {
						errs = append(errs, fmt.Sprintf("%s:%d %s %s: %s", filepath.Base(f), fd.Line, fd.Record, fd.Path, fd.Message))
					}
				}
				return nil
			})).To(Succeed())
		}
		Expect(records).To(BeNumerically(">", 10000))
		Expect(bundles).To(Equal(len(files)), "each file is a transaction Bundle, validated with its entries")
		Expect(errs).To(BeEmpty())
		Expect(unknown).To(BeNumerically(">=", len(files)), "without acceptance each patient's US Core extensions are errors")
	})
})
