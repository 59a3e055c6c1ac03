package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// R4's own values where the redistribution carecert's core definitions come
// from changed them (fhir/r4core/NOTICE.md): reference targets it widened,
// Bundle.entry.response.outcome it narrowed to OperationOutcome, and
// DetectedIssue.status it bound to a later value set. Each is judged as R4
// publishes it, in every format and placement.
var _ = Describe("R4's own values restored in the core definitions", func() {
	e := newEngine()
	st := profile.NewStreamer(e)
	ref := func(s string) map[string]any { return map[string]any{"reference": s} }
	auditEvent := func(observer string) map[string]any {
		return map[string]any{"resourceType": "AuditEvent", "id": "a",
			"type":     map[string]any{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110100"},
			"recorded": "2020-01-01T00:00:00Z",
			"agent":    []any{map[string]any{"requestor": true, "who": ref("Practitioner/p")}},
			"source":   map[string]any{"observer": ref(observer)}}
	}
	measureReport := func(subject string) map[string]any {
		return map[string]any{"resourceType": "MeasureReport", "id": "m", "status": "complete", "type": "individual",
			"measure": "https://measures.acme-health.net/Measure/m", "period": map[string]any{"start": "2020-01-01"}, "subject": ref(subject)}
	}
	researchStudy := func(site string) map[string]any {
		return map[string]any{"resourceType": "ResearchStudy", "id": "r", "status": "active", "site": []any{ref(site)}}
	}
	responseBundle := func(outcome map[string]any) map[string]any {
		return map[string]any{"resourceType": "Bundle", "id": "b", "type": "batch-response",
			"entry": []any{map[string]any{"response": map[string]any{"status": "200", "outcome": outcome}}}}
	}
	detectedIssue := func(status string) map[string]any {
		return map[string]any{"resourceType": "DetectedIssue", "id": "d", "status": status}
	}
	DescribeTable("in every format and placement",
		func(res map[string]any, want ...string) {
			errs := errorsByPlacement(e, st, res)
			Expect(errs).To(HaveLen(7))
			for name, got := range errs {
				Expect(got).To(ConsistOf(want), name)
			}
		},
		Entry("AuditEvent.source.observer: a Subscription is no R4 target", auditEvent("Subscription/s"), profile.CodeReference+" reference"),
		Entry("AuditEvent.source.observer: a Device is", auditEvent("Device/d")),
		Entry("MeasureReport.subject: an Organization is no R4 target", measureReport("Organization/o"), profile.CodeReference+" reference"),
		Entry("MeasureReport.subject: a CareTeam is no R4 target", measureReport("CareTeam/c"), profile.CodeReference+" reference"),
		Entry("MeasureReport.subject: a Group is", measureReport("Group/g")),
		Entry("ResearchStudy.site: an Organization is no R4 target", researchStudy("Organization/o"), profile.CodeReference+" reference"),
		Entry("ResearchStudy.site: a Location is", researchStudy("Location/l")),
		Entry("Bundle.entry.response.outcome: any resource in R4", responseBundle(map[string]any{"resourceType": "Basic", "code": map[string]any{"text": "x"}})),
		Entry("Bundle.entry.response.outcome: an OperationOutcome too", responseBundle(map[string]any{"resourceType": "OperationOutcome",
			"issue": []any{map[string]any{"severity": "information", "code": "informational"}}})),
		Entry("DetectedIssue.status: registered is an R4 status (observation-status)", detectedIssue("registered")),
		Entry("DetectedIssue.status: cancelled too", detectedIssue("cancelled")),
		Entry("DetectedIssue.status: mitigated is a later status, not R4's", detectedIssue("mitigated"), profile.CodeBinding+" status"),
	)
})
