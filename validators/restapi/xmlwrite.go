package restapi

import (
	"net/http"
	"strings"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// xmlWrite judges carecert's copy written as FHIR XML, where the statement
// declares XML: the create (201 and a Location) and the update (200 or 201
// and a new version), each answered, when with a body, in the FHIR XML
// asked for; and the reads after them, in JSON and with _format=xml, which
// must give the resource sent (meta and narrative aside): the server read
// the XML as it was written.
func xmlWrite(ex *fhirclient.Exchange) []model.Finding {
	path := ex.Type + "/" + ex.ID
	switch ex.Step {
	case "create":
		what := "create " + ex.Type + " in FHIR XML"
		if f := status(ex, "api.xml-write-status", what, http.StatusCreated); f != nil {
			return f
		}
		if f := locationOf(ex, what); f != nil {
			return f
		}
		return xmlAnswer(ex, what)
	case "update":
		what := "update " + path + " in FHIR XML"
		if f := status(ex, "api.xml-write-status", what, http.StatusOK, http.StatusCreated); f != nil {
			return f
		}
		if f := xmlAnswer(ex, what); f != nil {
			return f
		}
		return versionMoved(ex, what)
	case "read":
		what := "read of " + path + " after its create in FHIR XML"
		if f := status(ex, "api.xml-write-status", what, http.StatusOK); f != nil {
			return f
		}
		return sameAsSent(ex, ex.Resource, what)
	}
	what := "read of " + path + " with _format=xml after its update in FHIR XML"
	if f := status(ex, "api.xml-write-status", what, http.StatusOK); f != nil {
		return f
	}
	if !isXML(ex) {
		return fail(ex, "api.xml-content-type", "%s returned content-type %q, want application/fhir+xml", what, ex.Header("content-type"))
	}
	return xmlBody(ex, what)
}

// xmlAnswer judges the body of an answer to a write in XML, which asked
// for XML back: none (a server may leave Prefer aside), or FHIR XML of the
// resource sent.
func xmlAnswer(ex *fhirclient.Exchange, what string) []model.Finding {
	if ex.BodyBytes == 0 {
		return nil
	}
	if !isXML(ex) {
		return fail(ex, "api.xml-content-type", "%s asked for application/fhir+xml (Accept) and got content-type %q", what, ex.Header("content-type"))
	}
	return xmlBody(ex, what)
}

func xmlBody(ex *fhirclient.Exchange, what string) []model.Finding {
	res, err := fhirxml.Decode(ex.Raw)
	if err != nil {
		return fail(ex, "api.xml-invalid", "%s: the XML is not a FHIR resource: %v", what, err)
	}
	return sameAsSent(ex, res, what)
}

// sameAsSent compares what the server gave with the resource carecert sent
// (ex.JSON), meta and narrative aside, and the id where carecert sent none.
func sameAsSent(ex *fhirclient.Exchange, got map[string]any, what string) []model.Finding {
	want, have := comparable(ex.JSON), comparable(got)
	if _, sent := want["id"]; !sent {
		delete(have, "id")
	}
	if path := firstDifference(want, have, ""); path != "" {
		return []model.Finding{at(finding(ex, model.Error, "api.xml-write-mismatch", "%s: the resource differs from the one carecert sent in FHIR XML at %s: the server did not read the XML as written", what, path), path)}
	}
	return nil
}

// locationOf judges the Location of a 201 Created: it names Type/[id].
func locationOf(ex *fhirclient.Exchange, what string) []model.Finding {
	loc := ex.Header("location")
	if loc == "" {
		return fail(ex, "api.create-location", "%s returned 201 without a Location header", what)
	}
	if !strings.Contains(loc, ex.Type+"/") {
		return fail(ex, "api.create-location", "%s returned the Location %q, which names no %s/[id]", what, loc, ex.Type)
	}
	return nil
}
