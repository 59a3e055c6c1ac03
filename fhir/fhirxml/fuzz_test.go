package fhirxml_test

import (
	"testing"

	"github.com/carecert/carecert/fhir/fhirxml"
)

// FuzzDecode checks that no input makes the converter or the locator panic:
// broken XML must become a *SyntaxError.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`<Patient xmlns="http://hl7.org/fhir"><id value="x"/><name><given value="A"/><given id="g"><extension url="u"><valueString value="v"/></extension></given></name></Patient>`,
		`<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Observation><valueQuantity><value value="1.5"/></valueQuantity></Observation></resource></entry></Bundle>`,
		`<Patient xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml"><p>&nbsp;x</p></div></text><contained><Organization/></contained></Patient>`,
		`<Questionnaire xmlns="http://hl7.org/fhir"><item><item><linkId value="1"/></item></item></Questionnaire>`,
		`<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/><multipleBirthInteger value="x"/><unknown/></Patient>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = fhirxml.Decode(data)
		fhirxml.NewDocument(data, 1).Locator("entry[0].resource").Line("Patient.name[0].given[1]")
	})
}
