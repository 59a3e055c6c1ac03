package quality_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// A run's fhir target reads a JSON Bundle apart (fhir.ReadFileApart): each
// entry's resource is a record of its own and the Bundle record's tree holds
// the rest (JSON and XML alike). A suite's rule on Bundle records selects on the Bundle as written,
// entries and all, so it must come to the same result whichever way the file
// was read.
var _ = Describe("a rule on a Bundle read with its entries apart", func() {
	const bundle = `{"resourceType":"Bundle","id":"b1","type":"collection","entry":[
 {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Xi"}]}},
 {"fullUrl":"urn:uuid:22222222-2222-2222-2222-222222222222","resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"}}},
 {"fullUrl":"urn:uuid:33333333-3333-3333-3333-333333333333","resource":{"resourceType":"Patient","id":"p1"}}
]}
`
	const bundleXML = `<Bundle xmlns="http://hl7.org/fhir"><id value="b1"/><type value="collection"/>
 <entry><fullUrl value="urn:uuid:11111111-1111-1111-1111-111111111111"/><resource><Patient><id value="p1"/><name><family value="Xi"/></name></Patient></resource></entry>
 <entry><fullUrl value="urn:uuid:22222222-2222-2222-2222-222222222222"/><resource><Observation><id value="o1"/><status value="final"/><code><text value="x"/></code></Observation></resource></entry>
 <entry><fullUrl value="urn:uuid:33333333-3333-3333-3333-333333333333"/><resource><Patient><id value="p1"/></Patient></resource></entry>
</Bundle>
`
	read := func(name, text string, apart bool) []*model.Record {
		recs := readBundleFile(name, text, apart)
		Expect(recs).To(HaveLen(4))
		Expect(fhir.EntriesApart(recs[0])).To(Equal(apart), "the Bundle record's entries apart")
		return recs
	}

	DescribeTable("finds what the whole Bundle holds",
		func(typ string, p params.Params, wantErrors int64, wantOutcome model.Outcome) {
			for name, text := range map[string]string{"bundle.json": bundle, "bundle.xml": bundleXML} {
				for _, apart := range []bool{false, true} {
					t, o, msg := run(typ, p, read(name, text, apart))
					Expect(t.Errors).To(Equal(wantErrors), "%s apart %v: %s", name, apart, msg)
					Expect(o).To(Equal(wantOutcome), "%s apart %v: %s", name, apart, msg)
				}
			}
		},
		Entry("an element every entry has", "dq-completeness", params.Params{"element": "Bundle.entry.resource", "severity": "error"}, int64(0), model.Pass),
		Entry("an element of an entry's resource", "dq-completeness", params.Params{"element": "Bundle.entry.resource.name.family", "severity": "error"}, int64(0), model.Pass),
		Entry("a missing element of the entries", "dq-completeness", params.Params{"element": "Bundle.entry.resource.telecom", "severity": "error"}, int64(1), model.Fail),
		Entry("a FHIRPath test over the entries", "dq-completeness", params.Params{"element": "Bundle.entry.where(resource.ofType(Observation).exists()).fullUrl", "severity": "error"}, int64(0), model.Pass),
		Entry("a key made of the entries' ids", "dq-unique", params.Params{"key": []any{"Bundle.entry.resource.ofType(Patient).id"}, "severity": "error", "per_file": true}, int64(0), model.Pass),
	)

	// The whole Bundle is decoded once for the record, whatever number of
	// rules select on it: after the first rule, its bytes are spoiled, so
	// that a rule that decoded them again would fail.
	It("reads a Bundle again whole once, for every rule that selects on it", func() {
		missing := params.Params{"element": "Bundle.entry.resource.telecom", "severity": "error"}
		undated := params.Params{"element": "Bundle.entry.resource.ofType(Patient).birthDate", "severity": "error"}
		for name, text := range map[string]string{"bundle.json": bundle, "bundle.xml": bundleXML} {
			whole, split := read(name, text, false), read(name, text, true)
			want, _, _ := run("dq-completeness", missing, whole)
			got, _, msg := run("dq-completeness", missing, split)
			Expect(got.Errors).To(Equal(want.Errors), "%s: %s", name, msg)
			split[0].Raw = []byte("spoiled after the first rule read them")
			want, wantOutcome, _ := run("dq-completeness", undated, whole)
			got, outcome, msg := run("dq-completeness", undated, split)
			Expect(got.Errors).To(Equal(want.Errors), "%s: %s", name, msg)
			Expect(outcome).To(Equal(wantOutcome), "%s: %s", name, msg)
			Expect(want.Errors).To(Equal(int64(1)), "no Patient has a birthDate")
		}
	})
})

// readJSONBundleAs reads a Bundle written as JSON text from a file called
// name, as XML when xml is set (converted) and as an NDJSON line when name
// ends in .ndjson, whole or with its entries apart (readBundleFile).
func readJSONBundleAs(name, text string, xml, apart bool) []*model.Record {
	GinkgoHelper()
	if xml {
		var tree map[string]any
		d := json.NewDecoder(strings.NewReader(text))
		d.UseNumber()
		Expect(d.Decode(&tree)).To(Succeed())
		x, err := fhirxml.Encode(tree)
		Expect(err).NotTo(HaveOccurred())
		text = string(x)
	}
	if strings.HasSuffix(name, ".ndjson") {
		text += "\n"
	}
	return readBundleFile(name, text, apart)
}

// readBundleFile writes text to a file called name and reads its records,
// whole (fhir.ReadFile) or with a Bundle's entries apart at any size, as a
// run reads a large Bundle; each record is loaded as the runner loads it.
func readBundleFile(name, text string, apart bool) []*model.Record {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, []byte(text), 0o600)).To(Succeed())
	readFile := fhir.ReadFile
	if apart {
		readFile = func(p string, emit fhir.Emit) error { return fhir.ReadFileApart(p, 0, emit) }
	}
	var recs []*model.Record
	Expect(readFile(path, func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	})).To(Succeed())
	return recs
}
