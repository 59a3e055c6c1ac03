package profile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// resolve() in a profile's invariant answers what a reference resolves to
// everywhere else in the engine: a contained resource, or another entry of
// the record's Bundle by fullUrl, by Type/id against the entry's fullUrl
// and by version (R4 §2.36.4.1). What carecert cannot read (a resource on a
// server) is not the supplier's failure: a constraint that fails only for
// want of it is not decided. The Bundle gets the same verdicts in JSON and
// XML, read whole or apart, as an NDJSON line and inside a Parameters.
var _ = Describe("resolve() in a profile's invariant", func() {
	const url = "http://example.org/StructureDefinition/resolve-subject"
	engine := func() *profile.Engine {
		return newEngine(diffProfile(url, "Observation", `{"id": "Observation", "path": "Observation", "constraint": [{"key": "rs-1",
			"severity": "error", "human": "the subject has a name", "expression": "subject.resolve().name.exists()"}]}`))
	}
	type ref struct{ from, to, verdict string }
	// Each case is an Observation entry with fullUrl from whose subject is
	// the reference to; the Patients are below.
	const urnObs, httpObs = "urn:uuid:0b5e0000-0000-0000-0000-0000000000%02d", "http://example.org/fhir/Observation/o%d"
	cases := []ref{
		{urnObs, "urn:uuid:11111111-1111-1111-1111-111111111111", "holds"},      // fullUrl of a named Patient whose id is p1
		{urnObs, "urn:uuid:55555555-5555-5555-5555-555555555555", "fails"},      // fullUrl of a nameless Patient
		{urnObs, "urn:uuid:99999999-9999-9999-9999-999999999999", "fails"},      // a urn no entry has: nothing
		{urnObs, "http://example.org/fhir/Patient/p2", "holds"},                 // absolute fullUrl
		{httpObs, "Patient/p2", "holds"},                                        // relative, against the entry's base
		{httpObs, "Patient/p2/_history/1", "holds"},                             // versioned
		{httpObs, "Patient/p2/_history/7", "not decided"},                       // a version the Bundle does not hold
		{urnObs, "#c1", "holds"},                                                // contained, named
		{urnObs, "#c2", "fails"},                                                // contained, nameless
		{httpObs, "Patient/p404", "not decided"},                                // may be on the server
		{urnObs, "https://elsewhere.example.com/fhir/Patient/x", "not decided"}, // remote
	}
	bundle := func(kind string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `{"resourceType": "Bundle", "id": "b1", "type": %q, "entry": [
 {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111", "resource": {"resourceType": "Patient", "id": "p1", "name": [{"family": "Xi"}]}},
 {"fullUrl": "http://example.org/fhir/Patient/p2", "resource": {"resourceType": "Patient", "id": "p2", "meta": {"versionId": "1"}, "name": [{"family": "Yu"}]}},
 {"fullUrl": "urn:uuid:55555555-5555-5555-5555-555555555555", "resource": {"resourceType": "Patient", "id": "p3", "gender": "other"}}`, kind)
		for i, c := range cases {
			fmt.Fprintf(&b, `,
 {"fullUrl": %q, "resource": {"resourceType": "Observation", "id": "o%d", "meta": {"profile": [%q]},
  "contained": [{"resourceType": "Patient", "id": "c1", "name": [{"family": "Zo"}]}, {"resourceType": "Patient", "id": "c2", "gender": "other"}],
  "status": "final", "code": {"text": "x"}, "subject": {"reference": %q}, "focus": [{"reference": "#c1"}, {"reference": "#c2"}]}}`, fmt.Sprintf(c.from, i), i, url, c.to)
		}
		b.WriteString("]}")
		return b.String()
	}
	verdicts := func(e *profile.Engine, recs []*model.Record) map[string]string {
		GinkgoHelper()
		got := map[string]string{}
		for _, r := range recs {
			if r.Type == "Observation" {
				got[r.ID] = invariantVerdict(e, r, "rs-1")
			}
		}
		return got
	}
	want := map[string]string{}
	for i, c := range cases {
		want[fmt.Sprintf("o%d", i)] = c.verdict
	}
	write := func(name string, data []byte) string {
		path := filepath.Join(GinkgoT().TempDir(), name)
		Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
		return path
	}
	It("answers every kind of reference in JSON and XML, read whole and apart, and on an NDJSON line", func() {
		e := engine()
		src := bundle("collection")
		res, err := fhir.Decode([]byte(src))
		Expect(err).NotTo(HaveOccurred())
		xml, err := fhirxml.Encode(res)
		Expect(err).NotTo(HaveOccurred())
		for name, data := range map[string][]byte{"bundle.json": []byte(src), "bundle.xml": xml,
			"feed.ndjson": []byte(strings.ReplaceAll(src, "\n", "") + "\n")} {
			path := write(name, data)
			for how, read := range map[string]func(string, fhir.Emit) error{"whole": fhir.ReadFile, "apart": readApart} {
				if strings.HasSuffix(name, ".ndjson") && how == "apart" {
					continue
				}
				Expect(verdicts(e, readWith(read, path))).To(Equal(want), "%s read %s", name, how)
			}
		}
	})

	It("answers the same for the Bundle in a parameter", func() {
		e := engine()
		params := `{"resourceType": "Parameters", "parameter": [{"name": "feed", "resource": ` + bundle("collection") + `}]}`
		sink := &profile.Sink{}
		failed := map[string]bool{}
		for _, f := range e.ValidateRecord(record(params), "", sink) {
			if strings.Contains(f.Message, "rs-1") {
				failed[f.Path] = true
			}
		}
		wantFailed := map[string]bool{}
		for i, c := range cases {
			if c.verdict == "fails" {
				wantFailed[fmt.Sprintf("Parameters.parameter[0].resource.entry[%d].resource", 3+i)] = true
			}
		}
		Expect(failed).To(Equal(wantFailed))
		Expect(sink.Unevaluated).To(HaveKey("rs-1"), "the remote references leave rs-1 not decided")
	})
})

// invariantVerdict validates a record and says what became of the
// invariant key: "holds", "fails" (a finding names it), or "not decided"
// (the sink has it unevaluated for want of a resource not in the input);
// no other finding may be an error.
func invariantVerdict(e *profile.Engine, r *model.Record, key string) string {
	GinkgoHelper()
	sink := &profile.Sink{}
	v := "holds"
	for _, f := range e.ValidateRecord(r, "", sink) {
		if strings.Contains(f.Message, key) {
			v = "fails"
		} else {
			Expect(f.Severity).NotTo(Equal(model.Error), "%s: %s", r.ID, f.Message)
		}
	}
	if why, ok := sink.Unevaluated[key]; ok {
		Expect(v).To(Equal("holds"), "%s: not decided and failed", r.ID)
		Expect(why).To(ContainSubstring("not in the input"))
		v = "not decided"
	}
	return v
}

// resolve() in an invariant of the Bundle itself (its expression reaching
// into the entries) answers through the engine's one resolution of
// references, as an entry's invariants do, not a simpler match of its own:
// by fullUrl exactly (an absolute URL on another server is not the entry
// whose Type/id it ends with), by Type/id, by version; what the input
// cannot answer leaves the constraint not decided. No entry's fullUrl is
// known to resolve a relative reference against here, so it is matched by
// Type/id. The same in JSON and XML, read whole and apart, and as NDJSON.
var _ = Describe("resolve() in an invariant of the Bundle", func() {
	const url = "http://example.org/StructureDefinition/resolve-bundle"
	engine := func() *profile.Engine {
		return newEngine(diffProfile(url, "Bundle", `{"id": "Bundle", "path": "Bundle", "constraint": [{"key": "rb-1",
			"severity": "error", "human": "every observation's subject has a name", "expression": "entry.resource.ofType(Observation).all(subject.resolve().name.exists())"}]}`))
	}
	type ref struct{ from, to, verdict string }
	const urnObs, httpObs = "urn:uuid:0b5e0000-0000-0000-0000-000000000001", "http://example.org/fhir/Observation/o1"
	cases := []ref{
		{urnObs, "urn:uuid:11111111-1111-1111-1111-111111111111", "holds"},            // fullUrl of a named Patient whose id is p1
		{urnObs, "urn:uuid:55555555-5555-5555-5555-555555555555", "fails"},            // fullUrl of a nameless Patient
		{urnObs, "urn:uuid:99999999-9999-9999-9999-999999999999", "fails"},            // a urn no entry has: nothing
		{urnObs, "http://example.org/fhir/Patient/p2", "holds"},                       // absolute fullUrl
		{httpObs, "Patient/p2", "holds"},                                              // relative: by Type/id
		{httpObs, "Patient/p2/_history/1", "holds"},                                   // versioned
		{httpObs, "Patient/p2/_history/7", "not decided"},                             // a version the Bundle does not hold
		{httpObs, "Patient/p404", "not decided"},                                      // may be on the server
		{urnObs, "https://elsewhere.example.com/fhir/Patient/p2", "not decided"},      // another server's p2, not the entry
		{urnObs, "http://b.example.org/fhir/Patient/p9", "fails"},                     // the nameless p9, not the named one of another base
		{urnObs, "http://a.example.org/fhir/Patient/p9/_history/2", "holds"},          // the named p9, by version
		{urnObs, "https://elsewhere.example.com/fhir/Patient/x", "not decided"},       // remote
		{httpObs, "http://example.org/fhir/Patient/p2/_history/1", "holds"},           // absolute and versioned
		{urnObs, "urn:uuid:11111111-1111-1111-1111-111111111111/_history/1", "fails"}, // a urn names no version
	}
	bundle := func(c ref) string {
		return fmt.Sprintf(`{"resourceType": "Bundle", "id": "b1", "meta": {"profile": [%q]}, "type": "collection", "entry": [`+
			`{"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111", "resource": {"resourceType": "Patient", "id": "p1", "name": [{"family": "Xi"}]}},`+
			`{"fullUrl": "http://example.org/fhir/Patient/p2", "resource": {"resourceType": "Patient", "id": "p2", "meta": {"versionId": "1"}, "name": [{"family": "Yu"}]}},`+
			`{"fullUrl": "urn:uuid:55555555-5555-5555-5555-555555555555", "resource": {"resourceType": "Patient", "id": "p3", "gender": "other"}},`+
			`{"fullUrl": "http://a.example.org/fhir/Patient/p9", "resource": {"resourceType": "Patient", "id": "p9", "meta": {"versionId": "2"}, "name": [{"family": "Za"}]}},`+
			`{"fullUrl": "http://b.example.org/fhir/Patient/p9", "resource": {"resourceType": "Patient", "id": "p9", "meta": {"versionId": "2"}, "gender": "other"}},`+
			`{"fullUrl": %q, "resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}, "subject": {"reference": %q}}}]}`,
			url, c.from, c.to)
	}
	// verdicts returns rb-1's verdict of each Bundle record, in file order.
	verdicts := func(e *profile.Engine, recs []*model.Record) []string {
		GinkgoHelper()
		var got []string
		for _, r := range recs {
			if r.Type == "Bundle" {
				got = append(got, invariantVerdict(e, r, "rb-1"))
			}
		}
		return got
	}
	e := engine()
	dir := GinkgoT().TempDir
	It("answers every kind of reference as the engine resolves it, in JSON and XML, whole and apart, and as NDJSON", func() {
		var want, lines []string
		for i, c := range cases {
			want = append(want, c.verdict)
			src := bundle(c)
			lines = append(lines, src)
			res, err := fhir.Decode([]byte(src))
			Expect(err).NotTo(HaveOccurred())
			xml, err := fhirxml.Encode(res)
			Expect(err).NotTo(HaveOccurred())
			for name, data := range map[string][]byte{"bundle.json": []byte(src), "bundle.xml": xml} {
				path := filepath.Join(dir(), name)
				Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
				for how, read := range map[string]func(string, fhir.Emit) error{"whole": fhir.ReadFile, "apart": readApart} {
					Expect(verdicts(e, readWith(read, path))).To(Equal([]string{c.verdict}), "case %d, %s to %s, %s read %s", i, c.from, c.to, name, how)
				}
			}
		}
		path := filepath.Join(dir(), "feed.ndjson")
		Expect(os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)).To(Succeed())
		Expect(verdicts(e, readWith(fhir.ReadFile, path))).To(Equal(want), "NDJSON")
	})
})

// Two entries may share a fullUrl when meta.versionId tells them apart
// (bdl-7): a reference to that fullUrl still finds its target, never
// "missing", and gets the same answer from an invariant of the Bundle as
// from an invariant of the entry that makes it (one resolution). The same in
// JSON and XML, read whole and apart.
var _ = Describe("resolve() of a fullUrl that two versions share", func() {
	const bundleURL, compURL = "http://example.org/StructureDefinition/doc-subject", "http://example.org/StructureDefinition/comp-subject"
	e := newEngine(
		diffProfile(bundleURL, "Bundle", `{"id": "Bundle", "path": "Bundle", "constraint": [{"key": "rv-1",
			"severity": "error", "human": "the composition's subject is held", "expression": "entry.resource.ofType(Composition).subject.resolve().exists()"}]}`),
		diffProfile(compURL, "Composition", `{"id": "Composition", "path": "Composition", "constraint": [{"key": "rv-2",
			"severity": "error", "human": "the subject is held", "expression": "subject.resolve().exists()"}]}`))
	// verdict says what became of key in record r: "fails" when a finding
	// names it, "not decided" when the sink has it unevaluated, else "holds".
	verdict := func(r *model.Record, key string) string {
		sink := &profile.Sink{}
		for _, f := range e.ValidateRecord(r, "", sink) {
			if strings.Contains(f.Message, key) {
				return "fails"
			}
		}
		if _, ok := sink.Unevaluated[key]; ok {
			return "not decided"
		}
		return "holds"
	}
	document := func(compFullURL, fullURL, ref string) string {
		patient := func(version, family string) string {
			return fmt.Sprintf(`{"fullUrl": %q, "resource": {"resourceType": "Patient", "id": "p5", "meta": {"versionId": %q}, "name": [{"family": %q}]}}`, fullURL, version, family)
		}
		return fmt.Sprintf(`{"resourceType": "Bundle", "id": "d1", "meta": {"profile": [%q]}, "type": "document",
 "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:d0000000-0000-0000-0000-000000000001"}, "timestamp": "2024-01-01T00:00:00Z", "entry": [
 {"fullUrl": %q, "resource": {"resourceType": "Composition", "id": "c1", "meta": {"profile": [%q]}, "status": "final", "type": {"text": "note"},
  "date": "2024-01-01", "title": "Note", "author": [{"display": "A"}], "subject": {"reference": %q}}},
 %s, %s]}`, bundleURL, compFullURL, compURL, ref, patient("1", "Old"), patient("2", "New"))
	}
	const urn, urnComp = "urn:uuid:77777777-7777-7777-7777-777777777777", "urn:uuid:c0000000-0000-0000-0000-000000000001"
	const http, httpComp = "http://example.org/fhir/Patient/p5", "http://example.org/fhir/Composition/c1"
	cases := []struct{ compFullURL, fullURL, ref, verdict string }{
		{urnComp, urn, urn, "holds"},                                             // a urn:uuid two versions share
		{httpComp, http, http, "holds"},                                          // an absolute fullUrl two versions share
		{httpComp, http, "Patient/p5", "holds"},                                  // relative, to the same
		{httpComp, http, "Patient/p5/_history/2", "holds"},                       // one of the versions
		{urnComp, urn, "urn:uuid:99999999-9999-9999-9999-999999999999", "fails"}, // a urn no entry has
	}
	It("finds the target, from the Bundle's invariant and from the entry's alike, in JSON and XML, whole and apart", func() {
		for i, c := range cases {
			src := document(c.compFullURL, c.fullURL, c.ref)
			res, err := fhir.Decode([]byte(src))
			Expect(err).NotTo(HaveOccurred())
			xml, err := fhirxml.Encode(res)
			Expect(err).NotTo(HaveOccurred())
			for name, data := range map[string][]byte{"bundle.json": []byte(src), "bundle.xml": xml} {
				path := filepath.Join(GinkgoT().TempDir(), name)
				Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
				for how, read := range map[string]func(string, fhir.Emit) error{"whole": fhir.ReadFile, "apart": readApart} {
					got := map[string]string{}
					for _, r := range readWith(read, path) {
						switch r.Type {
						case "Bundle":
							got["bundle"] = verdict(r, "rv-1")
						case "Composition":
							got["entry"] = verdict(r, "rv-2")
						}
					}
					Expect(got).To(Equal(map[string]string{"bundle": c.verdict, "entry": c.verdict}), "case %d, %s, %s read %s", i, c.ref, name, how)
				}
			}
		}
	})
})
