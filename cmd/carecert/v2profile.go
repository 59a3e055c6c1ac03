package main

import (
	"os"
	"path/filepath"

	"github.com/carecert/carecert/suites"
)

// v2ProfilesAsSuites takes the HL7 v2 XML conformance profiles out of the
// --ig arguments: an implementation guide is FHIR's, and a v2 profile's
// rules are checked as a suite (suites.FromV2Profile), so such an --ig is
// used as a --suite rather than ignored. Paths become absolute, since a
// plan's suites are read relative to the plan.
func v2ProfilesAsSuites(igs []string) (fhirIGs, profiles []string) {
	for _, ig := range igs {
		data, err := os.ReadFile(ig)
		if err == nil && suites.IsV2Profile(data) {
			if abs, err := filepath.Abs(ig); err == nil {
				ig = abs
			}
			profiles = append(profiles, ig)
			continue
		}
		fhirIGs = append(fhirIGs, ig)
	}
	return fhirIGs, profiles
}
