package livefhir

import (
	"context"
	"net/http"
	"net/url"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirclient"
)

// xmlMediaType is FHIR XML's media type (R4 http.html, Content Types).
const xmlMediaType = "application/fhir+xml"

// xmlWrites creates a tagged copy of the sample as FHIR XML and updates it
// as FHIR XML, asking for XML answers, then reads it in JSON and with
// _format=xml: each must be the resource sent. Only where the statement
// declares XML (a server that does not is not tested for it) and the type
// declares create; the copy is deleted with the rest of carecert's.
func (w *writeRun) xmlWrites(ctx context.Context) {
	if !w.asked(fhirclient.XMLWrite) {
		return
	}
	skip := func(reason string) { w.p.notSent(fhirclient.XMLWrite, w.typ+" as XML", w.typ, reason) }
	switch {
	case w.caps == nil:
		skip("no CapabilityStatement was read to say whether the server takes FHIR XML")
		return
	case !w.caps.declaresFormat("xml"):
		skip("the server's CapabilityStatement declares no XML format, so writes in FHIR XML are not tested")
		return
	case !w.caps.declares(w.typ, "create"):
		skip("the server does not declare create for " + w.typ)
		return
	}
	sent := w.copyOf()
	body, err := fhirxml.Encode(sent)
	if err != nil {
		skip("carecert cannot write its copy of " + w.typ + "/" + w.sampled().id + " as FHIR XML: " + err.Error())
		return
	}
	xmlHeader := func() http.Header {
		return http.Header{"Content-Type": {xmlMediaType}, "Accept": {xmlMediaType}, "Prefer": {"return=representation"}}
	}
	ex := w.send(ctx, fhirclient.XMLWrite, "create", fhirclient.Request{Label: w.typ + " (FHIR XML)", Method: http.MethodPost, Path: w.typ,
		Body: body, Header: xmlHeader(), KeepBody: true}, func(ex *fhirclient.Exchange) { ex.JSON = sent })
	mine := w.created(ex)
	if mine == nil {
		return // the create's finding says why
	}
	w.made = append(w.made, mine.path())
	read := func(step, label string, q url.Values, header http.Header, sent map[string]any) {
		w.send(ctx, fhirclient.XMLWrite, step, fhirclient.Request{Label: mine.path() + label, Path: mine.path(), Query: q, Header: header, KeepBody: true},
			func(ex *fhirclient.Exchange) { ex.ID, ex.JSON = mine.id, sent })
	}
	// The JSON the server serves shows what it read of the XML.
	read("read", " (after its create in FHIR XML)", nil, nil, sent)
	if !w.caps.declares(w.typ, "update") {
		return
	}
	updated := w.copyOf()
	updated["id"] = mine.id
	if body, err = fhirxml.Encode(updated); err != nil {
		return // the create's body was written: only the id differs
	}
	prior := mine.version
	ex = w.send(ctx, fhirclient.XMLWrite, "update", fhirclient.Request{Label: mine.path() + " (FHIR XML)", Method: http.MethodPut, Path: mine.path(),
		Body: body, Header: xmlHeader(), KeepBody: true}, func(ex *fhirclient.Exchange) { ex.ID, ex.VersionID, ex.JSON = mine.id, prior, updated })
	mine.advance(ex)
	read("read-xml", "?_format=xml (after its update in FHIR XML)", url.Values{"_format": {"xml"}}, http.Header{"Accept": {"*/*"}}, updated)
}
