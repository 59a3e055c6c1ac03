package profile_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// ElementDefinition.minValue[x] and maxValue[x]: inclusive bounds on the
// types R4 allows them on (date, dateTime, instant, time, decimal, integer
// and its kinds, Quantity), and a Duration bounding a date relative to now
// (subtracted for a minimum, added for a maximum). The profiles are our
// own, one per type, on elements of that type.
var _ = Describe("minValue and maxValue of every type", func() {
	const ns = "http://registry.acme-health.test/StructureDefinition/"
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ucumQty := func(value, code string) string {
		return `{"value": ` + value + `, "system": "http://unitsofmeasure.org", "code": "` + code + `"}`
	}
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	for _, p := range []map[string]any{
		diffProfile(ns+"births", "Patient",
			`{"id": "Patient.multipleBirth[x]", "path": "Patient.multipleBirth[x]", "type": [{"code": "integer"}], "minValueInteger": 1, "maxValueInteger": 6}`,
			`{"id": "Patient.birthDate", "path": "Patient.birthDate", "minValueDate": "1900-01-01", "maxValueDate": "2025-12-31"}`,
			`{"id": "Patient.deceased[x]", "path": "Patient.deceased[x]", "type": [{"code": "dateTime"}], "maxValueDateTime": "2030-01-01T00:00:00Z"}`),
		diffProfile(ns+"recent-birth", "Patient",
			`{"id": "Patient.birthDate", "path": "Patient.birthDate", "minValueDuration": `+ucumQty("100", "a")+`, "maxValueDuration": `+ucumQty("10", "a")+`}`),
		diffProfile(ns+"odd-durations", "Patient",
			`{"id": "Patient.birthDate", "path": "Patient.birthDate", "minValueDuration": {"value": 100, "comparator": "<", "system": "http://unitsofmeasure.org", "code": "a"},
			  "maxValueDuration": `+ucumQty("10", "g")+`}`),
		diffProfile(ns+"site", "Location",
			`{"id": "Location.position.latitude", "path": "Location.position.latitude", "minValueDecimal": -90, "maxValueDecimal": 0.3}`,
			`{"id": "Location.hoursOfOperation.openingTime", "path": "Location.hoursOfOperation.openingTime", "minValueTime": "06:00:00"}`,
			`{"id": "Location.hoursOfOperation.closingTime", "path": "Location.hoursOfOperation.closingTime", "maxValueTime": "22:00:00"}`),
		diffProfile(ns+"weight", "Observation",
			`{"id": "Observation.value[x]", "path": "Observation.value[x]", "type": [{"code": "Quantity"}], "maxValueQuantity": `+ucumQty("300", "kg")+`, "minValueQuantity": `+ucumQty("0.5", "kg")+`}`,
			`{"id": "Observation.issued", "path": "Observation.issued", "minValueInstant": "2000-01-01T00:00:00Z"}`),
	} {
		Expect(defs.Add(p, "test")).To(Succeed())
	}
	e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, AsOf: asOf})
	boundFindings := func(src, url string) []model.Finding {
		var out []model.Finding
		for _, f := range validate(e, src, ns+url) {
			if f.Code == profile.CodeFixed {
				out = append(out, f)
			}
		}
		return out
	}
	patient := func(body string) string { return `{"resourceType": "Patient", ` + body + `}` }
	location := func(body string) string { return `{"resourceType": "Location", ` + body + `}` }
	weight := func(body string) string {
		return `{"resourceType": "Observation", "status": "final", "code": {"text": "weight"}, ` + body + `}`
	}

	It("bounds integers, both bounds inclusive", func() {
		Expect(boundFindings(patient(`"multipleBirthInteger": 1`), "births")).To(BeEmpty())
		Expect(boundFindings(patient(`"multipleBirthInteger": 6`), "births")).To(BeEmpty())
		Expect(boundFindings(patient(`"multipleBirthInteger": 0`), "births")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Patient.multipleBirthInteger", "value 0 is less than the minimum 1")))
		Expect(boundFindings(patient(`"multipleBirthInteger": 7`), "births")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Patient.multipleBirthInteger", "value 7 is more than the maximum 6")))
	})

	It("bounds decimals exactly, whatever their precision", func() {
		Expect(boundFindings(location(`"position": {"latitude": 0.30000, "longitude": 1}`), "site")).To(BeEmpty())
		Expect(boundFindings(location(`"position": {"latitude": -90, "longitude": 1}`), "site")).To(BeEmpty())
		// Equal to 0.3 as a float64, but more than 0.3.
		Expect(boundFindings(location(`"position": {"latitude": 0.30000000000000000001, "longitude": 1}`), "site")).To(ConsistOf(
			at(model.Error, profile.CodeFixed, "Location.position.latitude")))
		Expect(boundFindings(location(`"position": {"latitude": -90.5, "longitude": 1}`), "site")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Location.position.latitude", "less than the minimum -90")))
	})

	It("bounds dates by the moment they start, at any precision", func() {
		Expect(boundFindings(patient(`"birthDate": "1900"`), "births")).To(BeEmpty())
		Expect(boundFindings(patient(`"birthDate": "2025-12"`), "births")).To(BeEmpty())
		Expect(boundFindings(patient(`"birthDate": "1899-12"`), "births")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Patient.birthDate", `less than the minimum "1900-01-01"`)))
		Expect(boundFindings(patient(`"birthDate": "2026"`), "births")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Patient.birthDate", `more than the maximum "2025-12-31"`)))
	})

	It("bounds dateTimes and instants as moments, across time zones", func() {
		// 01:00 at +02:00 is 23:00 the day before in UTC: within the bound.
		Expect(boundFindings(patient(`"deceasedDateTime": "2030-01-01T01:00:00+02:00"`), "births")).To(BeEmpty())
		// 20:00 at -05:00 is 01:00 the next day in UTC: past it.
		Expect(boundFindings(patient(`"deceasedDateTime": "2029-12-31T20:00:00-05:00"`), "births")).To(ConsistOf(
			at(model.Error, profile.CodeFixed, "Patient.deceasedDateTime")))
		Expect(boundFindings(weight(`"issued": "2000-01-01T00:30:00.000+01:00"`), "weight")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Observation.issued", "less than the minimum")))
		Expect(boundFindings(weight(`"issued": "2000-01-01T00:30:00.000-01:00"`), "weight")).To(BeEmpty())
	})

	It("bounds times of day, fractions of seconds included", func() {
		Expect(boundFindings(location(`"hoursOfOperation": [{"openingTime": "06:00:00", "closingTime": "22:00:00"}]`), "site")).To(BeEmpty())
		Expect(boundFindings(location(`"hoursOfOperation": [{"openingTime": "05:59:59.5", "closingTime": "22:00:00.25"}]`), "site")).To(ConsistOf(
			at(model.Error, profile.CodeFixed, "Location.hoursOfOperation[0].openingTime"),
			at(model.Error, profile.CodeFixed, "Location.hoursOfOperation[0].closingTime")))
	})

	It("bounds Quantities in the bound's unit, converting UCUM units of the same kind", func() {
		Expect(boundFindings(weight(`"valueQuantity": `+ucumQty("72.5", "kg")), "weight")).To(BeEmpty())
		Expect(boundFindings(weight(`"valueQuantity": `+ucumQty("250000", "g")), "weight")).To(BeEmpty())
		Expect(boundFindings(weight(`"valueQuantity": `+ucumQty("301", "kg")), "weight")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Observation.valueQuantity", "more than the maximum 300 (kg)")))
		// 700 pounds is about 318 kg; 400 g is less than half a kilogram.
		Expect(boundFindings(weight(`"valueQuantity": `+ucumQty("700", "[lb_av]")), "weight")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Observation.valueQuantity", "more than the maximum")))
		Expect(boundFindings(weight(`"valueQuantity": `+ucumQty("400", "g")), "weight")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Observation.valueQuantity", "less than the minimum 0.5 (kg)")))
	})

	It("says when a Quantity bound cannot be applied, without failing the value", func() {
		for body, why := range map[string]string{
			`"valueQuantity": {"value": 80, "unit": "kilos"}`:                                         "a unit given only as text",
			`"valueQuantity": ` + ucumQty("80", "m"):                                                  "m and kg are not units of the same kind",
			`"valueQuantity": {"value": 80, "system": "http://snomed.info/sct", "code": "258683005"}`: "different systems",
		} {
			fs := boundFindings(weight(body), "weight")
			Expect(fs).To(HaveLen(2), body)
			Expect(fs).To(HaveEach(saying(model.Warning, profile.CodeFixed, "Observation.valueQuantity", why)), body)
		}
	})

	It("bounds a date by a Duration: a minimum reaches back from now, a maximum forward", func() {
		Expect(boundFindings(patient(`"birthDate": "1950-01-01"`), "recent-birth")).To(BeEmpty())
		Expect(boundFindings(patient(`"birthDate": "1926-01-01"`), "recent-birth")).To(BeEmpty())
		Expect(boundFindings(patient(`"birthDate": "2035-12-31"`), "recent-birth")).To(BeEmpty())
		Expect(boundFindings(patient(`"birthDate": "1925-12-31"`), "recent-birth")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Patient.birthDate", "is before the minimum: 100 a before 2026-01-01, that is 1926-01-01")))
		Expect(boundFindings(patient(`"birthDate": "2036-01-02"`), "recent-birth")).To(ConsistOf(
			saying(model.Error, profile.CodeFixed, "Patient.birthDate", "is after the maximum: 10 a after 2026-01-01, that is 2036-01-01")))
	})

	It("says when a Duration cannot bound a date: a comparator, a unit that is not of time", func() {
		Expect(boundFindings(patient(`"birthDate": "1800-01-01"`), "odd-durations")).To(ConsistOf(
			saying(model.Warning, profile.CodeFixed, "Patient.birthDate", "cannot have the comparator <"),
			saying(model.Warning, profile.CodeFixed, "Patient.birthDate", "10 g is not a span of time")))
	})
})
