package profile_test

import (
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// placement is one place a resource can be held in a record: alone, as a
// Bundle entry, contained, as a parameter's resource, as an entry of a
// parameter's Bundle. at is the resource's path in the record.
type placement struct {
	name, at string
	place    func(res string) string
}

// placements are the places a resource of type typ and id id is held in.
func placements(typ, id string) []placement {
	entry := `{"fullUrl": "http://example.org/fhir/` + typ + `/` + id + `", "resource": `
	return []placement{
		{"alone", typ, func(res string) string { return res }},
		{"a Bundle entry", typ, func(res string) string {
			return `{"resourceType": "Bundle", "type": "collection", "entry": [` + entry + res + `}]}`
		}},
		{"contained", "Basic.contained[0]", func(res string) string {
			return `{"resourceType": "Basic", "id": "b1", "contained": [` + res + `], "code": {"text": "carrier"}, "subject": {"reference": "#` + id + `"}}`
		}},
		{"a parameter's resource", "Parameters.parameter[0].resource", func(res string) string {
			return `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": ` + res + `}]}`
		}},
		{"an entry of a parameter's Bundle", "Parameters.parameter[0].resource.entry[0].resource", func(res string) string {
			return `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": {"resourceType": "Bundle", "type": "collection", "entry": [` + entry + res + `}]}}]}`
		}},
	}
}

// errors are the error findings ("code path") of resource res, written in
// format, held in this placement.
func (pl placement) errors(e *profile.Engine, format, res string) []string {
	got := []string{}
	for _, f := range bundleAllFindings(e, inFormat(format, pl.place(res))) {
		if f.Severity == model.Error {
			got = append(got, f.Code+" "+f.Path)
		}
	}
	return got
}

// paths writes findings given as "code .path-below-the-resource" at the
// resource's path in this placement.
func (pl placement) paths(findings []string) []string {
	out := []string{}
	for _, f := range findings {
		code, path, _ := strings.Cut(f, " ")
		out = append(out, code+" "+pl.at+path)
	}
	return out
}
