package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// An element R4 does not define is unknown wherever the resource holding it
// is placed, whatever its format. carecert's definitions once came with
// elements a third party adds to some of R4's types (Meta.project,
// Binary.url, ResearchStudy.name...), so the engine accepted them and,
// proving such a record well shaped, spared it the schema's check: no error
// at all. R4's own elements beside them stay accepted.
var _ = Describe("elements R4 does not define on its own types", func() {
	e := newEngine()
	st := profile.NewStreamer(e)
	DescribeTable("are unknown in every format and placement",
		func(res map[string]any, element string) {
			errs := errorsByPlacement(e, st, res)
			Expect(errs).To(HaveLen(7))
			want := []string{}
			if element != "" {
				want = append(want, profile.CodeUnknownElement+" "+element)
			}
			for name, got := range errs {
				Expect(got).To(ConsistOf(want), name)
			}
		},
		Entry("Meta.project", map[string]any{"resourceType": "Patient", "id": "p", "meta": map[string]any{"project": "x"}}, "project"),
		Entry("Binary.url", map[string]any{"resourceType": "Binary", "id": "b", "contentType": "text/plain", "url": "http://example.org/b"}, "url"),
		Entry("ResearchStudy.name", map[string]any{"resourceType": "ResearchStudy", "id": "r", "status": "active", "name": "x"}, "name"),
		Entry("DeviceDefinition.bodySite", map[string]any{"resourceType": "DeviceDefinition", "id": "d", "bodySite": map[string]any{"text": "x"}}, "bodySite"),
		Entry("HealthcareService.offeredIn", map[string]any{"resourceType": "HealthcareService", "id": "h", "offeredIn": map[string]any{"reference": "HealthcareService/x"}}, "offeredIn"),
		Entry("ObservationDefinition.publisher", map[string]any{"resourceType": "ObservationDefinition", "id": "o", "code": map[string]any{"text": "x"}, "publisher": "x"}, "publisher"),
		Entry("R4's own Meta.source beside them: accepted", map[string]any{"resourceType": "Patient", "id": "p", "meta": map[string]any{"source": "http://example.org/s"}}, ""),
		Entry("R4's own Binary.securityContext: accepted", map[string]any{"resourceType": "Binary", "id": "b", "contentType": "text/plain", "securityContext": map[string]any{"reference": "Patient/p"}}, ""),
	)
})

// errorsByPlacement validates a resource in seven placements (streamed,
// walked as a map, contained, a parameter's resource, a JSON Bundle entry,
// XML alone and an XML Bundle entry) and returns, by placement, each error
// finding as its code and the last step of its path.
func errorsByPlacement(e *profile.Engine, st *profile.Streamer, res map[string]any) map[string][]string {
	typ := res["resourceType"].(string)
	id := res["id"].(string)
	errs := map[string][]string{}
	show := func(name string, fs []model.Finding) {
		errs[name] = []string{}
		for _, f := range fs {
			if f.Severity == model.Error {
				errs[name] = append(errs[name], f.Code+" "+f.Path[strings.LastIndex(f.Path, ".")+1:])
			}
		}
	}
	src := line(res)
	rec := lineRecord(src, 0)
	var fs []model.Finding
	if !st.Prove(rec, &profile.Sink{}) {
		rec.Load()
		fs = e.ValidateRecord(rec, "", &profile.Sink{})
	}
	show("stream", fs)
	show("map walk", e.ValidateRecord(lineRecord(src, 0), "", &profile.Sink{}))
	show("contained", e.ValidateRecord(lineRecord(line(map[string]any{"resourceType": "List", "id": "l", "status": "current", "mode": "working",
		"contained": []any{res}, "entry": []any{map[string]any{"item": map[string]any{"reference": "#" + id}}}}), 0), "", &profile.Sink{}))
	show("parameter", e.ValidateRecord(lineRecord(line(map[string]any{"resourceType": "Parameters",
		"parameter": []any{map[string]any{"name": "r", "resource": res}}}), 0), "", &profile.Sink{}))
	for name, doc := range documentsOf(res, "http://example.org/fhir/"+typ+"/"+id) {
		if name != "alone.json" {
			show(name, findingsFor(e, name, doc, typ))
		}
	}
	return errs
}
