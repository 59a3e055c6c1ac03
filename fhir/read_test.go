package fhir_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// readAll reads a stream and returns its records with deferred parsing done.
func readAll(name string, data []byte) []*model.Record {
	var out []*model.Record
	err := fhir.ReadStream(name, bytes.NewReader(data), func(r *model.Record) error {
		r.Load()
		out = append(out, r)
		return nil
	})
	Expect(err).NotTo(HaveOccurred())
	return out
}

// readApart writes data to a file named name and reads it as a run's checks
// do (ReadFileApart), returning its records as they are emitted, not loaded.
func readApart(name string, data []byte) []*model.Record {
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
	var out []*model.Record
	Expect(fhir.ReadFileApart(path, 0, func(r *model.Record) error {
		out = append(out, r)
		return nil
	})).To(Succeed())
	return out
}

func problems(recs []*model.Record) []*model.Finding {
	var out []*model.Finding
	for _, r := range recs {
		if r.Problem != nil {
			out = append(out, r.Problem)
		}
	}
	return out
}

const patient = `{
  "resourceType": "Patient",
  "id": "p1",
  "identifier": [
    {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
    {"system": "urn:local", "value": "A1"}
  ],
  "birthDate": "1970-01-01",
  "_birthDate": {"extension": [{"url": "http://example.org/x", "valueString": "y"}]},
  "deceasedBoolean": false
}`

var _ = Describe("reading FHIR JSON", func() {
	It("reads a single resource with decimals kept exactly", func() {
		recs := readAll("obs.json", []byte(`{"resourceType":"Observation","id":"o1","valueQuantity":{"value":1.50}}`))
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].Name()).To(Equal("Observation/o1"))
		q := recs[0].Resource()["valueQuantity"].(map[string]any)
		Expect(q["value"]).To(Equal(json.Number("1.50")))
	})

	It("reads past JSON comments but reports each, as the reference validator does by default, naming its line", func() {
		recs := readAll("c.json", []byte("{\"resourceType\": \"Patient\",\n  // the id, \"quoted\"\n  \"id\": \"a\", \"text\": {\"status\": \"empty\", \"div\": \"<div>http://x // not a comment</div>\"}}"))
		Expect(problems(recs)).To(BeEmpty())
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].ID).To(Equal("a"))
		Expect(recs[0].Syntax).To(ConsistOf(And(HaveField("Code", fhir.CodeJSONComment), HaveField("Location.Line", 2), HaveField("Severity", model.Error))))
		Expect(recs[0].Resource()["text"].(map[string]any)["div"]).To(ContainSubstring("// not a comment"))
		recs = readAll("c.ndjson", []byte("{\"resourceType\": \"Patient\", /* x */ \"id\": \"a\"}\n{\"resourceType\": \"Patient\", \"id\": \"b\"}\n"))
		Expect(recs).To(HaveLen(2))
		Expect(recs[0].Syntax).To(ConsistOf(And(HaveField("Code", fhir.CodeJSONComment), HaveField("Location.Line", 1))))
		Expect(recs[1].Syntax).To(BeEmpty())
	})

	It("still rejects JSON that does not parse once its comments are blanked, at the real fault", func() {
		recs := readAll("c.json", []byte("{\"resourceType\": \"Patient\", // note\n  \"id\": }"))
		Expect(problems(recs)).To(ConsistOf(And(HaveField("Code", "input.json"), HaveField("Location.Line", 1))))
	})

	It("makes every Bundle entry a record of its own, located in the file", func() {
		bundle := `{
  "resourceType": "Bundle",
  "type": "collection",
  "entry": [
    {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "a"}},
    {"fullUrl": "urn:uuid:2",
     "resource": {
       "resourceType": "Observation",
       "id": "b",
       "status": "final"
     }}
  ]
}`
		read := readApart("bundle.json", []byte(bundle))
		By("leaving each entry's resource out of the Bundle's tree, read for a run's checks: a record of its own, decoded from its bytes when asked")
		Expect(read).To(HaveLen(3))
		Expect(read[0].Deferred()).To(BeFalse())
		Expect(string(read[0].Raw)).To(Equal(bundle))
		for i, entry := range read[0].Resource()["entry"].([]any) {
			Expect(entry).NotTo(HaveKey("resource"))
			e := read[0].Entries[i]
			Expect(e.Record).To(Equal(read[i+1].Index))
			Expect(read[i+1].Deferred()).To(BeTrue(), "entry %d waits for a check to ask for it", i)
			Expect(string(read[i+1].Raw)).To(Equal(bundle[e.Start:e.End]))
			Expect(read[i+1].Container).To(BeIdenticalTo(read[0]))
		}
		Expect(read[2].Name()).To(Equal("Observation/b"), "named before it is decoded")
		Expect(fhir.EntriesApart(read[0])).To(BeTrue())
		By("keeping the whole tree for whoever reads the Bundle as one (ReadFile, ReadStream)")
		recs := readAll("bundle.json", []byte(bundle))
		Expect(fhir.EntriesApart(recs[0])).To(BeFalse())
		for i, entry := range recs[0].Resource()["entry"].([]any) {
			Expect(reflect.ValueOf(entry.(map[string]any)["resource"]).Pointer()).To(Equal(reflect.ValueOf(recs[i+1].Resource()).Pointer()), "the entry's record holds the tree's resource")
		}
		Expect(recs).To(HaveLen(3))
		Expect(recs[0].Type).To(Equal("Bundle"))
		Expect(recs[1].Name()).To(Equal("Patient/a"))
		Expect(recs[1].Line).To(Equal(5))
		Expect(recs[1].Container).To(BeIdenticalTo(recs[0]))
		Expect(recs[2].Line).To(Equal(7))
		Expect(recs[2].LineOf("Observation.status")).To(Equal(10))
		for i, r := range read[1:] {
			r.Load()
			Expect(r.Resource()).To(Equal(recs[i+1].Resource()))
			Expect(r.Line).To(Equal(recs[i+1].Line))
		}
		Expect(read[2].LineOf("Observation.status")).To(Equal(10))
		By("summarising the entries as it reads them, where each entry's resource lies too")
		Expect(read[0].Entries).To(HaveLen(2))
		whole, err := fhir.Decode([]byte(bundle))
		Expect(err).NotTo(HaveOccurred())
		for i, e := range read[0].Entries {
			res, err := fhir.Decode([]byte(bundle[e.Start:e.End]))
			Expect(err).NotTo(HaveOccurred())
			Expect(res).To(Equal(recs[i+1].Resource()))
			e.Start, e.End, e.Record = 0, 0, 0
			want := fhir.SummarizeEntries(whole)[i]
			want.Resource = nil
			Expect(e).To(Equal(want))
		}
		Expect(read[0].Entries[1].FullURL).To(Equal("urn:uuid:2"))
	})

	DescribeTable("keeps the whole tree of a Bundle whose rules read across its entries, read for a run's checks too",
		func(bundle string) {
			recs := readApart("bundle.json", []byte(bundle))
			Expect(recs).To(HaveLen(2))
			Expect(recs[1].Resource()).To(HaveKeyWithValue("id", "a"))
			entry := recs[0].Resource()["entry"].([]any)[0]
			Expect(entry).To(HaveKeyWithValue("resource", recs[1].Resource()))
			Expect(recs[0].Raw).To(BeNil(), "no entry is read from the bytes")
		},
		Entry("a signed Bundle", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"a"}}],"signature":{"type":[]}}`),
		Entry("a document", `{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Patient","id":"a"}}]}`),
		Entry("a message", `{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"Patient","id":"a"}}]}`),
	)

	It("reads a small file through a buffer of its size, and a larger one as before", func() {
		dir := GinkgoT().TempDir()
		// allocated while reading a file, averaged over runs (TotalAlloc is
		// the process's: the average keeps what else runs out of the answer)
		allocated := func(path string, records int) uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 20 {
				n := 0
				Expect(fhir.ReadFile(path, func(r *model.Record) error { r.Load(); n++; return nil })).To(Succeed())
				Expect(n).To(Equal(records))
			}
			runtime.ReadMemStats(&after)
			return (after.TotalAlloc - before.TotalAlloc) / 20
		}
		small := filepath.Join(dir, "patient.json")
		Expect(os.WriteFile(small, []byte(`{"resourceType":"Patient","id":"p1","name":[{"family":"Smith"}]}`), 0o644)).To(Succeed())
		Expect(allocated(small, 1)).To(BeNumerically("<", 16<<10), "a 64 KiB buffer for a file of 70 bytes")
		// a small file's content is sniffed whole, as through 64 KiB: NDJSON
		// in a .json file is still NDJSON
		ndjson := filepath.Join(dir, "feed.json")
		Expect(os.WriteFile(ndjson, []byte("{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n"), 0o644)).To(Succeed())
		Expect(allocated(ndjson, 2)).To(BeNumerically("<", 16<<10))
		var ids []string
		Expect(fhir.ReadFile(ndjson, func(r *model.Record) error { r.Load(); ids = append(ids, fmt.Sprint(r.ID, "@", r.Line)); return nil })).To(Succeed())
		Expect(ids).To(Equal([]string{"a@1", "b@2"}))
	})

	It("reads NDJSON, plain and gzip, with one record per line", func() {
		lines := "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\r\n"
		recs := readAll("feed.ndjson", []byte(lines))
		Expect(recs).To(HaveLen(2))
		Expect(recs[1].Line).To(Equal(3))
		Expect(recs[1].ID).To(Equal("b"))
		// A record on one line: every element, present or not, is on it.
		Expect(recs[1].LineOf("Patient.id")).To(Equal(3))
		Expect(recs[1].LineOf("Patient.name[2].given")).To(Equal(3))

		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(lines))
		zw.Close()
		recs = readAll("feed.ndjson.gz", gz.Bytes())
		Expect(recs).To(HaveLen(2))
		Expect(recs[0].ID).To(Equal("a"))
	})

	It("makes the entries of a Bundle on an NDJSON line records of their own, as in a JSON file, and leaves a Bundle held otherwise in its line's record", func() {
		lines := `{"resourceType":"Patient","id":"a"}` + "\n" +
			`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"b"}},` +
			`{"fullUrl":"urn:uuid:2","resource":{"resourceType":"Observation","id":"c","status":"final"}}]}` + "\n" +
			`{"resourceType":"Parameters","id":"d","parameter":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection"}}]}` + "\n" +
			`{"resourceType":"Patient","id":"e","name":[{"text":"Bundle"}]}` + "\n"
		recs := readAll("feed.ndjson", []byte(lines))
		var got []string
		for _, r := range recs {
			container := ""
			if r.Container != nil {
				container = " in " + r.Container.Type
			}
			got = append(got, fmt.Sprintf("%d %d %s/%s%s", r.Line, r.Index, r.Type, r.ID, container))
		}
		Expect(got).To(Equal([]string{"1 0 Patient/a", "2 1 Bundle/", "2 2 Patient/b in Bundle", "2 3 Observation/c in Bundle", "3 4 Parameters/d", "4 5 Patient/e"}))
		Expect(recs[2].Container).To(BeIdenticalTo(recs[1]))
		Expect(recs[3].LineOf("Observation.status")).To(Equal(2))
		Expect(problems(recs)).To(BeEmpty())
	})

	DescribeTable("reads an NDJSON line at once only when its root's resourceType may say Bundle, so that any other line keeps its bytes and its parsing deferred",
		func(line string, records []string, deferred bool) {
			var got []string
			var first *model.Record
			err := fhir.ReadStream("feed.ndjson", strings.NewReader(line+"\n"+`{"resourceType":"Patient","id":"z"}`+"\n"), func(r *model.Record) error {
				if first == nil {
					first = r
					Expect(r.Deferred()).To(Equal(deferred), "deferred")
					if deferred {
						Expect(string(r.Raw)).To(Equal(line))
					}
				}
				r.Load()
				s := r.Type + "/" + r.ID
				if r.Container != nil {
					s += " in " + r.Container.Type
				}
				if r.Problem != nil {
					s = r.Problem.Code
				}
				got = append(got, s)
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(append(records, "Patient/z")))
		},
		Entry("a Bundle, its type first", `{"resourceType":"Bundle","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Bundle, its type last and spaced", `{"id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}], "resourceType" : "Bundle" }`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Bundle whose type is escaped", `{"resourceType":"Bund\u006ce","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Bundle whose resourceType key is escaped", `{"resourceTyp\u0065":"Bundle","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Patient naming Bundle in a string", `{"resourceType":"Patient","id":"p","name":[{"text":"Bundle"}]}`,
			[]string{"Patient/p"}, true),
		Entry("a Patient with a key named Bundle", `{"resourceType":"Patient","id":"p","Bundle":1}`,
			[]string{"Patient/p"}, true),
		Entry("a Parameters holding a Bundle", `{"resourceType":"Parameters","id":"d","parameter":[{"name":"b","resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"q"}}]}}]}`,
			[]string{"Parameters/d"}, true),
		Entry("a Bundle whose key and type are both escaped, naming Bundle nowhere plainly", `{"resourc\u0065Type":"Bundl\u0065","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Patient whose narrative holds escaped quotes and a slash", `{"resourceType":"Patient","id":"p","text":{"status":"generated","div":"<div xmlns=\"http:\/\/www.w3.org\/1999\/xhtml\">a<\/div>"}}`,
			[]string{"Patient/p"}, true),
		Entry("an Observation with an escape elsewhere", `{"resourceType":"Observation","id":"o","status":"final","code":{"text":"caf\u00e9"}}`,
			[]string{"Observation/o"}, true),
		Entry("a line that is not JSON, naming Bundle", `{"resourceType":"Bundle","entry":[`,
			[]string{"input.json"}, false),
		Entry("a string that does not end", `{"resourceType":"Patient","name":"Bundle`,
			[]string{"input.json"}, true),
		Entry("a Bundle with a comment before its type", `{"resourceType": /* the type */ "Bundle","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Bundle with a comment before its key", `{/* "x": { */ "resourceType":"Bundle","id":"b","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Bundle after a comment holding a bracket", `{"id":"b", /* [ */ "resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}}]}`,
			[]string{"Bundle/b", "Patient/p in Bundle"}, false),
		Entry("a Patient naming a URL and Bundle", `{"resourceType":"Patient","id":"p","name":[{"text":"Bundle"}],"telecom":[{"system":"url","value":"http://ex.org/a/b"}]}`,
			[]string{"Patient/p"}, true),
	)

	It("recognises NDJSON content in a .json file", func() {
		recs := readAll("export.json", []byte("{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n"))
		Expect(recs).To(HaveLen(2))
		Expect(problems(recs)).To(BeEmpty())
	})

	It("locates element paths, including primitive extensions, on their lines", func() {
		recs := readAll("p.json", []byte(patient))
		r := recs[0]
		Expect(r.LineOf("Patient.identifier[1].system")).To(Equal(6))
		Expect(r.LineOf("Patient.identifier[0]")).To(Equal(5))
		Expect(r.LineOf("Patient.birthDate")).To(Equal(8))
		Expect(r.LineOf("Patient.deceasedBoolean")).To(Equal(10))
		// An element that is not there falls back to its nearest ancestor.
		Expect(r.LineOf("Patient.identifier[1].period.start")).To(Equal(6))
	})

	Context("with input a user can get wrong", func() {
		It("reports a malformed NDJSON line at its line and keeps reading", func() {
			feed := "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",\"id\":\n{\"resourceType\":\"Patient\",\"id\":\"c\"}\n"
			recs := readAll("feed.ndjson", []byte(feed))
			Expect(recs).To(HaveLen(3))
			ps := problems(recs)
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Line).To(Equal(2))
			Expect(ps[0].Code).To(Equal("input.json"))
			Expect(ps[0].Message).To(ContainSubstring("truncated"))
			Expect(recs[2].ID).To(Equal("c"))
		})

		DescribeTable("reads as blank only a line of JSON whitespace; a line with any other space is a record whose error names the character and the line",
			func(line, char string) {
				feed := "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n" + line + "\n{\"resourceType\":\"Patient\",\"id\":\"c\"}\n"
				recs := readAll("feed.ndjson", []byte(feed))
				if char == "" {
					Expect(recs).To(HaveLen(2))
					Expect(problems(recs)).To(BeEmpty())
					Expect(recs[1].Index).To(Equal(int64(1)))
					return
				}
				Expect(recs).To(HaveLen(3))
				ps := problems(recs)
				Expect(ps).To(HaveLen(1))
				Expect(ps[0].Line).To(Equal(2))
				Expect(ps[0].Code).To(Equal("input.json"))
				Expect(ps[0].Message).To(Equal("malformed JSON: invalid character " + char + ", a space JSON does not allow: only space, tab, CR and LF separate JSON values"))
				Expect(recs[2].ID).To(Equal("c"))
				Expect(recs[2].Index).To(Equal(int64(2)))
			},
			Entry("spaces, tabs and a CR", " \t \r", ""),
			Entry("a no-break space", "\u00a0", "U+00A0"),
			Entry("a form feed", "\f", "U+000C"),
			Entry("a vertical tab after spaces", "  \v", "U+000B"),
			Entry("an em space", "\u2003", "U+2003"),
			Entry("a next-line character", "\u0085", "U+0085"),
			Entry("a line separator", "\u2028", "U+2028"),
			Entry("a no-break space before a resource", "\u00a0{\"resourceType\":\"Patient\",\"id\":\"b\"}", "U+00A0"),
		)

		It("names a space JSON does not allow inside a JSON file, but not in a string, where a no-break space is text", func() {
			ps := problems(readAll("p.json", []byte("{\n  \"resourceType\": \"Patient\",\u00a0\"id\": \"x\"\n}")))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Line).To(Equal(2))
			Expect(ps[0].Message).To(ContainSubstring("invalid character U+00A0, a space JSON does not allow"))
			recs := readAll("p.json", []byte("{\"resourceType\": \"Patient\", \"id\": \"x\", \"gender\": \"\u00a0\"}"))
			Expect(problems(recs)).To(BeEmpty())
			ps = problems(readAll("p.json", []byte("{\"resourceType\": \"Patient\", \"id\": \"x\f\"}")))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Message).To(ContainSubstring("in string literal"), "a control character in a string is encoding/json's to word")
		})

		It("reads a file of spaces JSON does not allow as malformed, not as empty", func() {
			ps := problems(readAll("p.json", []byte("\u00a0\n")))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Code).To(Equal("input.json"))
			Expect(ps[0].Message).To(ContainSubstring("U+00A0"))
			ps = problems(readAll("p.json", []byte(" \n\t")))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Code).To(Equal("input.empty"))
		})

		It("reports a truncated JSON file with the line where it ends", func() {
			recs := readAll("cut.json", []byte(patient[:120]))
			ps := problems(recs)
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].File).To(Equal("cut.json"))
			Expect(ps[0].Line).To(Equal(5)) // the first 120 bytes end inside line 5
			Expect(ps[0].Message).To(ContainSubstring("truncated JSON"))
		})

		It("reports a syntax error at its line", func() {
			recs := readAll("bad.json", []byte("{\n  \"resourceType\": \"Patient\",\n  \"id\": \"x\" \"oops\"\n}"))
			ps := problems(recs)
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Line).To(Equal(3))
			Expect(ps[0].Message).To(ContainSubstring("malformed JSON"))
		})

		It("refuses nesting deeper than MaxDepth at its line, in a file, an NDJSON line and a Bundle entry, and reads what is within it", func() {
			nested := func(levels int) string {
				ext := `{"url":"http://x/e","valueString":"v"}`
				for range levels {
					ext = `{"url":"http://x/e",` + "\n" + `"extension":[` + ext + `]}`
				}
				return `{"resourceType":"Patient","id":"p","extension":[` + ext + `]}`
			}
			deep := nested(fhir.MaxDepth / 2) // two levels (object, array) per extension
			ps := problems(readAll("deep.json", []byte(deep)))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Message).To(ContainSubstring(fmt.Sprintf("nests deeper than %d levels", fhir.MaxDepth)))
			Expect(ps[0].Line).To(Equal(fhir.MaxDepth / 2)) // the line of the extension that passes it

			ndjson := readAll("deep.ndjson", []byte(strings.ReplaceAll(nested(10), "\n", "")+"\n"+strings.ReplaceAll(deep, "\n", "")+"\n"))
			Expect(ndjson).To(HaveLen(2))
			Expect(ndjson[0].Problem).To(BeNil())
			Expect(ndjson[1].Problem.Message).To(ContainSubstring("nests deeper"))

			bundle := `{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + deep + `}]}`
			Expect(problems(readAll("bundle.json", []byte(bundle)))).To(ConsistOf(HaveField("Message", ContainSubstring("nests deeper"))))
		})

		It("reports an empty file", func() {
			ps := problems(readAll("empty.json", []byte("  \n")))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Code).To(Equal("input.empty"))
		})

		It("reports invalid UTF-8 (a Windows-1252 export) at its line, keeping the other lines", func() {
			feed := "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",\"id\":\"b\",\"name\":[{\"family\":\"Fran\xe7ois\"}]}\n{\"resourceType\":\"Patient\",\"id\":\"c\"}\n"
			recs := readAll("feed.ndjson", []byte(feed))
			ps := problems(recs)
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Line).To(Equal(2))
			Expect(ps[0].Code).To(Equal("input.encoding"))
			Expect(ps[0].Message).To(ContainSubstring("UTF-8"))
			Expect(recs[2].ID).To(Equal("c"))
		})

		It("reports UTF-16 and binary files instead of parsing them", func() {
			ps := problems(readAll("u16.json", []byte{0xff, 0xfe, '{', 0, '}', 0}))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Message).To(ContainSubstring("UTF-16"))
			ps = problems(readAll("blob.json", []byte{0x89, 'P', 'N', 'G', 0, 0, 1, 2}))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Code).To(Equal("input.binary"))
		})

		It("accepts a UTF-8 byte-order mark", func() {
			recs := readAll("bom.json", append([]byte("\xef\xbb\xbf"), []byte(patient)...))
			Expect(problems(recs)).To(BeEmpty())
			Expect(recs[0].ID).To(Equal("p1"))
		})

		It("rejects JSON that is not an object", func() {
			ps := problems(readAll("arr.json", []byte(`[{"resourceType":"Patient"}]`)))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Message).To(ContainSubstring("must be a JSON object, got an array"))
		})

		It("reports a corrupt gzip stream", func() {
			ps := problems(readAll("feed.ndjson.gz", []byte{0x1f, 0x8b, 0, 1, 2, 3}))
			Expect(ps).To(HaveLen(1))
			Expect(ps[0].Code).To(Equal("input.gzip"))
		})

		It("names the path it cannot open", func() {
			err := fhir.ReadFile("/no/such/feed.ndjson", func(*model.Record) error { return nil })
			Expect(err).To(MatchError(ContainSubstring("/no/such/feed.ndjson")))
		})
	})

	It("reads every Synthea bundle of the shared corpus without a problem", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">=", 30))
		total := 0
		for _, f := range files[:5] {
			err := fhir.ReadFile(f, func(r *model.Record) error {
				r.Load()
				Expect(r.Problem).To(BeNil(), f)
				Expect(r.Line).To(BeNumerically(">", 0))
				total++
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(total).To(BeNumerically(">", 500))
	})

	It("finds the same line for an entry's element as a text search does", func() {
		files, _ := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		data, err := os.ReadFile(files[0])
		Expect(err).NotTo(HaveOccurred())
		lines := strings.Split(string(data), "\n")
		checked := 0
		fhir.ReadFile(files[0], func(r *model.Record) error {
			if r.Type != "Patient" {
				return nil
			}
			l := r.LineOf("Patient.birthDate")
			Expect(lines[l-1]).To(ContainSubstring(`"birthDate"`))
			checked++
			return nil
		})
		Expect(checked).To(Equal(1))
	})
})

var _ = Describe("what a run's checks read apart", func() {
	It("reads an XML Bundle apart only above fhir.XMLApartAbove bytes, and a JSON Bundle apart at any size", func() {
		const xmlBundle = `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
<entry><fullUrl value="urn:uuid:p1"/><resource><Patient><id value="p1"/><birthDate value="2020-13-01"/></Patient></resource></entry>
<entry><fullUrl value="urn:uuid:o1"/><resource><Observation><status value="final"/><code><text value="x"/></code></Observation></resource></entry>
</Bundle>`
		dir := GinkgoT().TempDir()
		read := func(name string, data []byte) []*model.Record {
			path := filepath.Join(dir, name)
			Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
			var out []*model.Record
			Expect(fhir.ReadFileApart(path, fhir.XMLApartAbove, func(r *model.Record) error {
				out = append(out, r)
				return nil
			})).To(Succeed())
			return out
		}
		// spaces after the root element: the same document on the same lines
		pad := func(size int) []byte { return []byte(xmlBundle + strings.Repeat(" ", size-len(xmlBundle))) }
		whole, apart := read("at.xml", pad(fhir.XMLApartAbove)), read("above.xml", pad(fhir.XMLApartAbove+1))
		Expect(fhir.EntriesApart(whole[0])).To(BeFalse(), "a document of XMLApartAbove bytes is read whole")
		Expect(fhir.EntriesApart(apart[0])).To(BeTrue(), "one byte more is read apart")
		Expect(apart).To(HaveLen(len(whole)))
		for i := range whole {
			apart[i].Load()
			Expect(apart[i].Name()).To(Equal(whole[i].Name()))
			Expect(apart[i].Line).To(Equal(whole[i].Line))
			Expect(apart[i].Syntax).To(Equal(whole[i].Syntax))
			if i > 0 {
				Expect(apart[i].Resource()).To(Equal(whole[i].Resource()), "entry %d", i)
			}
		}
		small := read("small.json", []byte(`{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient", "id": "p1"}}]}`))
		Expect(fhir.EntriesApart(small[0])).To(BeTrue(), "a JSON Bundle's apart read costs no CPU: read apart at any size")
	})
})

var _ = Describe("a single compressed document", func() {
	It("larger than carecert parses whole is a finding, not tens of GB of memory", func() {
		var gz bytes.Buffer
		zw, err := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		Expect(err).NotTo(HaveOccurred())
		zw.Write([]byte(`{"resourceType":"Patient","id":"p",`))
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for i := 0; i <= fhir.MaxDocument>>20; i++ {
			zw.Write(chunk)
		}
		zw.Write([]byte(`"gender":"female"}`))
		Expect(zw.Close()).To(Succeed())
		Expect(gz.Len()).To(BeNumerically("<", 2<<20), "a small file")
		recs := readAll("bomb.json.gz", gz.Bytes())
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].Problem.Code).To(Equal("input.size"))
		Expect(recs[0].Problem.Message).To(ContainSubstring("larger than 256 MiB"))
	})
})

var _ = Describe("Clone", func() {
	It("copies every object and array, so changing the copy leaves the original as it was", func() {
		orig, err := fhir.Decode([]byte(`{"resourceType":"Patient","name":[{"given":["Ann"]}],"active":true,"multipleBirthInteger":2}`))
		Expect(err).NotTo(HaveOccurred())
		want, err := fhir.Decode([]byte(`{"resourceType":"Patient","name":[{"given":["Ann"]}],"active":true,"multipleBirthInteger":2}`))
		Expect(err).NotTo(HaveOccurred())
		cp := fhir.Clone(orig).(map[string]any)
		Expect(cp).To(Equal(orig))
		name := cp["name"].([]any)
		name[0].(map[string]any)["given"].([]any)[0] = "Bea"
		cp["name"] = append(name, map[string]any{"family": "Lee"})
		cp["active"] = false
		Expect(orig).To(Equal(want))
	})
})
