package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// EvidenceVariable.characteristic as R4 publishes it: definition[x] (one of
// six types, required), usageContext, exclude, participantEffective[x],
// timeFromStart and groupMeasure. The redistribution carecert's core
// definitions come from had a later version's characteristic (linkId,
// definitionId, definitionByTypeAndValue..., no definition[x] as one choice),
// so R4 data using R4's elements got false errors and the later elements
// passed. Each is judged as R4 publishes it, in every format and placement.
var _ = Describe("EvidenceVariable.characteristic as R4 publishes it", func() {
	e := newEngine()
	st := profile.NewStreamer(e)
	variable := func(characteristic map[string]any) map[string]any {
		return map[string]any{"resourceType": "EvidenceVariable", "id": "ev", "status": "active",
			"characteristic": []any{characteristic}}
	}
	group := map[string]any{"reference": "Group/g"}
	duration := map[string]any{"value": 2, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"}
	DescribeTable("in every format and placement",
		func(res map[string]any, want ...string) {
			errs := errorsByPlacement(e, st, res)
			Expect(errs).To(HaveLen(7))
			for name, got := range errs {
				Expect(got).To(ConsistOf(want), name)
			}
		},
		Entry("definitionReference to a Group, with description and exclude",
			variable(map[string]any{"description": "adults", "definitionReference": group, "exclude": true})),
		Entry("definitionCanonical of an ActivityDefinition",
			variable(map[string]any{"definitionCanonical": "http://hl7.org/fhir/ActivityDefinition/referralPrimaryCareMentalHealth"})),
		Entry("definitionCodeableConcept with a usageContext",
			variable(map[string]any{"definitionCodeableConcept": map[string]any{"text": "smokers"},
				"usageContext": []any{map[string]any{
					"code":                 map[string]any{"system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "age"},
					"valueCodeableConcept": map[string]any{"text": "adult"}}}})),
		Entry("definitionExpression",
			variable(map[string]any{"definitionExpression": map[string]any{"language": "text/fhirpath", "expression": "Patient.active"}})),
		Entry("definitionDataRequirement",
			variable(map[string]any{"definitionDataRequirement": map[string]any{"type": "Condition"}})),
		Entry("definitionTriggerDefinition",
			variable(map[string]any{"definitionTriggerDefinition": map[string]any{"type": "named-event", "name": "admission"}})),
		Entry("participantEffectiveDateTime", variable(map[string]any{"definitionReference": group, "participantEffectiveDateTime": "2020-01-01"})),
		Entry("participantEffectivePeriod", variable(map[string]any{"definitionReference": group,
			"participantEffectivePeriod": map[string]any{"start": "2020-01-01", "end": "2020-12-31"}})),
		Entry("participantEffectiveDuration", variable(map[string]any{"definitionReference": group, "participantEffectiveDuration": duration})),
		Entry("participantEffectiveTiming", variable(map[string]any{"definitionReference": group,
			"participantEffectiveTiming": map[string]any{"event": []any{"2020-01-01"}}})),
		Entry("timeFromStart and groupMeasure", variable(map[string]any{"definitionReference": group,
			"timeFromStart": duration, "groupMeasure": "median-of-mean"})),

		Entry("a characteristic without definition[x] is short of R4's minimum",
			variable(map[string]any{"description": "adults"}), profile.CodeCardinality+" definition[x]"),
		Entry("an EvidenceVariable without a characteristic is short of R4's minimum",
			map[string]any{"resourceType": "EvidenceVariable", "id": "ev", "status": "active"}, profile.CodeCardinality+" characteristic"),
		Entry("definitionReference to a Patient is no R4 target",
			variable(map[string]any{"definitionReference": map[string]any{"reference": "Patient/p"}}), profile.CodeReference+" reference"),
		Entry("groupMeasure outside R4's group-measure codes",
			variable(map[string]any{"definitionReference": group, "groupMeasure": "average"}), profile.CodeBinding+" groupMeasure"),
		Entry("timeFromStart given as a Period is no Duration",
			variable(map[string]any{"definitionReference": group, "timeFromStart": map[string]any{"start": "2020-01-01"}}), profile.CodeUnknownElement+" start"),
		Entry("participantEffectiveDateTime that is no dateTime",
			variable(map[string]any{"definitionReference": group, "participantEffectiveDateTime": "soon"}), profile.CodeFormat+" participantEffectiveDateTime"),
		Entry("a later version's linkId is unknown in R4",
			variable(map[string]any{"definitionReference": group, "linkId": "a"}), profile.CodeUnknownElement+" linkId"),
		Entry("a later version's definitionId is unknown in R4",
			variable(map[string]any{"definitionId": "a"}), profile.CodeUnknownElement+" definitionId", profile.CodeCardinality+" definition[x]"),
	)
})
