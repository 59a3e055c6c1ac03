package fhirxml_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
)

// sharedXML lists every UK Core XML file and every XML file of the FHIRPath
// test suite.
func sharedXML() []string {
	ukcore, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "*", "*.xml"))
	Expect(err).NotTo(HaveOccurred())
	fhirpath, err := filepath.Glob(sharedtest.Path("fhirpath-tests", "*.xml"))
	Expect(err).NotTo(HaveOccurred())
	Expect(len(ukcore)).To(BeNumerically(">", 500))
	Expect(len(fhirpath)).To(BeNumerically(">=", 8))
	return append(ukcore, fhirpath...)
}

// sameAsLegacy asserts that the converter gives what the converter before
// RawToken gave for data: the same resource (so the same JSON), the same
// error and the same path→line index.
func sameAsLegacy(data []byte, what string) (ok bool) {
	got, gotErr := fhirxml.Decode(data)
	want, wantErr := fhirxml.LegacyDecode(data)
	if wantErr != nil {
		ExpectWithOffset(1, gotErr).To(MatchError(wantErr.Error()), what)
	} else {
		ExpectWithOffset(1, gotErr).NotTo(HaveOccurred(), what)
	}
	ExpectWithOffset(1, got).To(Equal(want), what)
	ExpectWithOffset(1, fhirxml.Lines(data)).To(Equal(fhirxml.LegacyLines(data)), what)
	return wantErr == nil
}

var _ = Describe("the converter", func() {
	It("gives the resources, errors and lines of the converter before RawToken for every shared XML file", func() {
		decoded := 0
		files := sharedXML()
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			if sameAsLegacy(data, f) {
				decoded++
			}
		}
		// the broken UK Core code system and the FHIRPath test cases (not a
		// resource) are refused by both
		Expect(decoded).To(Equal(len(files) - 2))
	})

	It("fails like the converter before RawToken on every shared XML file cut short or with a byte broken", func() {
		for _, f := range sharedXML() {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			for _, at := range []int{len(data) / 5, len(data) / 2, len(data) * 4 / 5} {
				sameAsLegacy(data[:at], f+" cut short")
				for _, b := range []byte{'<', '>', '"', '/', '&', 'x'} {
					broken := append([]byte(nil), data...)
					broken[at] = b
					sameAsLegacy(broken, f+" with a byte broken")
				}
			}
		}
	})
})
