package livefhir_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// xmlServer serves one Patient in JSON and, when asked, in FHIR XML (xml),
// from a CapabilityStatement that declares both.
func xmlServer(xml string) string {
	return hostile(func(w http.ResponseWriter, r *http.Request) {
		wantsXML := r.URL.Query().Get("_format") == "xml" || strings.Contains(r.Header.Get("Accept"), "xml")
		switch {
		case r.URL.Path == "/metadata":
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"CapabilityStatement","status":"active","kind":"instance","fhirVersion":"4.0.1","format":["json","xml"],` +
				`"rest":[{"mode":"server","resource":[{"type":"Patient","interaction":[{"code":"read"},{"code":"search-type"}]}]}]}`))
		case r.URL.Path == "/Patient":
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","total":1,"entry":[{"fullUrl":"http://x/Patient/p1","search":{"mode":"match"},` +
				`"resource":{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-01-01","name":[{"family":"Shaw","given":["Ann","Marie"]}]}}]}`))
		case r.URL.Path == "/Patient/p1" && wantsXML:
			w.Header().Set("Content-Type", "application/fhir+xml")
			w.Write([]byte(xml))
		case r.URL.Path == "/Patient/p1":
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Header().Set("ETag", `W/"1"`)
			w.Write([]byte(`{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-01-01","name":[{"family":"Shaw","given":["Ann","Marie"]}]}`))
		default:
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`))
		}
	})
}

var _ = Describe("FHIR XML on a live server", func() {
	xmlTarget := func(url string) map[string]any {
		return map[string]any{"name": "api", "type": "fhir-server", "url": url, "timeout": "5s", "interactions": []any{"capabilities", "search", "read", "xml"}}
	}

	It("passes a server that declares XML and serves, as XML, the resource it serves as JSON", func() {
		url := xmlServer(`<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><name><family value="Shaw"/><given value="Ann"/><given value="Marie"/></name>` +
			`<gender value="female"/><birthDate value="1970-01-01"/></Patient>`)
		rep := run([]map[string]any{xmlTarget(url)}, "fhir-rest-api")
		x := result(rep, "api", "API-16")
		Expect(x.Outcome).To(Equal(model.Pass), x.Message)
		Expect(x.Evaluated).To(Equal(int64(2)), "_format=xml and Accept: application/fhir+xml")
		Expect(result(rep, "api", "API-13").Outcome).To(Equal(model.Pass), "XML is the answer due, not a transport failure")
	})

	It("fails an XML answer that is not the JSON resource, naming the first element that differs", func() {
		url := xmlServer(`<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><name><family value="Shaw"/><given value="Ann"/></name>` +
			`<gender value="female"/><birthDate value="1970-01-01"/></Patient>`)
		x := result(run([]map[string]any{xmlTarget(url)}, "fhir-rest-api"), "api", "API-16")
		Expect(x.Outcome).To(Equal(model.Fail))
		Expect(codes(x)).To(HaveEach("api.xml-mismatch"))
		Expect(x.Findings[0].Path).To(Equal("name[0].given[1]"))
	})

	It("fails XML that is no FHIR resource", func() {
		x := result(run([]map[string]any{xmlTarget(xmlServer(`<Patient><id value="p1"/>`))}, "fhir-rest-api"), "api", "API-16")
		Expect(codes(x)).To(HaveEach("api.xml-invalid"))
	})
})
