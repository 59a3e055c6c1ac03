package fhir_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/golden"
	"github.com/carecert/carecert/internal/lineindex"
	"github.com/carecert/carecert/internal/sharedtest"
)

// The JSON path index is held to recorded answers (testdata/golden): for
// each document, the line of every path asked, or that the document has no
// such path. The paths asked are those encoding/json reads in the document
// (or, for a damaged one, in the document it was damaged from) or, for the
// hand-picked documents, many of them broken, those the index locates when
// every member name the text holds and every index is tried under each path
// located. Each path is asked again with what would make it another path
// ("p.nothing", "p[0]", "_p", ...). The answers were recorded while the
// map of every path this index replaced, the specs' oracle until then,
// gave the same answers.

// variants are paths near p that a document rarely has.
func variants(p string) []string {
	return []string{p + ".nothing", p + "[0]", p + "[1]", p + "[01]", p + ".", "_" + p, strings.ToUpper(p)}
}

// answers asks the index of raw for each path and its variants, and for two
// paths no document has, one answer a line ("name[0]=3", "name[0].x -").
func answers(raw []byte, paths []string) []string {
	index := fhir.JSONLines(raw)
	var out []string
	ask := func(p string) {
		if line, ok := index.Line(p); ok {
			out = append(out, fmt.Sprintf("%s=%d", p, line))
		} else {
			out = append(out, p+" -")
		}
	}
	for _, p := range paths {
		ask(p)
		for _, v := range variants(p) {
			ask(v)
		}
	}
	ask("nothing")
	ask("[0]")
	return out
}

// jsonPaths lists the paths of a decoded document, as the index names them:
// no resource type, "_name" under "name", "[i]" for array items.
func jsonPaths(v any, path string, out []string) []string {
	out = append(out, path)
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = jsonPaths(v[k], lineindex.Join(path, strings.TrimPrefix(k, "_")), out)
		}
	case []any:
		for i, item := range v {
			out = jsonPaths(item, path+"["+strconv.Itoa(i)+"]", out)
		}
	}
	return out
}

// pathsOf is jsonPaths of a well-formed document.
func pathsOf(raw []byte) []string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	ExpectWithOffset(1, dec.Decode(&v)).To(Succeed())
	return jsonPaths(v, "", nil)
}

// located finds the paths the index of raw locates by trying, under each
// path located (the root first), every member name written in raw (less a
// leading "_") and the indices from 0 until four in a row are missing (so
// that an array with a few holes, "[,1,,2]", is walked whole).
func located(raw []byte) []string {
	index := fhir.JSONLines(raw)
	var names []string
	for _, m := range jsonString.FindAll(raw, -1) {
		name := strings.TrimPrefix(string(m[1:len(m)-1]), "_")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	has := func(p string) bool {
		_, ok := index.Line(p)
		return ok
	}
	if !has("") {
		return nil
	}
	found := []string{""}
	seen := map[string]bool{"": true}
	for next := 0; next < len(found); next++ {
		p := found[next]
		try := func(q string) bool {
			if !has(q) {
				return false
			}
			if !seen[q] {
				seen[q] = true
				found = append(found, q)
			}
			return true
		}
		for _, n := range names {
			try(lineindex.Join(p, n))
		}
		for i, misses := 0, 0; misses < 4; i++ {
			if try(p + "[" + strconv.Itoa(i) + "]") {
				misses = 0
			} else {
				misses++
			}
		}
	}
	return found
}

// jsonString matches a JSON string, escapes and all.
var jsonString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// digest is a short hash of answers, for recording those of many paths.
func digest(answers []string) string {
	h := sha256.Sum256([]byte(strings.Join(answers, "\n")))
	return hex.EncodeToString(h[:8])
}

var _ = Describe("the JSON path index", func() {
	It("gives the recorded lines on hand-picked documents", func() {
		var record strings.Builder
		for i, doc := range []string{
			``, `{}`, `[]`, `"x"`, `1`, "{\n\"a\": 1,\n\"a\": {\n\"b\": 2}}", "{\"birthDate\":\"x\",\n\"_birthDate\":{\"extension\":[\n{\"url\":\"u\"}]}}",
			"{\"_given\":[null,\n{\"id\":\"1\"}],\n\"given\":[\"a\",\n\"b\"]}", "{\"\":{\n\"a\":1},\n\"_\":[\n2]}", "{\"[0]\":\n{\"x\":1},\"a.b\":\n1,\"a\":{\"b\":\n2}}",
			"[[1,\n[2]],\n{\"a\":[\n3]}]", `{"\u0069d":1,"id":2}`, "{\"a\":[,\n1,,\n2]}", "{\"a\":\n{\"b\"\n1}, \"c\":2}", "{\"a\":\"unterminated\n", "{\"a\":[1,\n2", "{\"a\":}\n,\"b\":1}",
			"{\"entry\":[" + strings.Repeat("{\"resource\":{\"resourceType\":\"Patient\"}},\n", 11) + "{}]}",
			// long arrays, whose items are indexed; well-formed, nested, and broken
			"{\"entry\":[" + strings.Repeat("{\"resource\":{\"given\":[\n"+strings.Repeat("\"a\",\n", 40)+"\"b\"]}},\n", 40) + "{}]}",
			"[" + strings.Repeat("1,\n", 40) + "2 3,\n4]", "[" + strings.Repeat("1,\n", 40) + ",,5,\n6]", "[" + strings.Repeat("[1],\n", 40) + "}",
		} {
			raw := []byte(doc)
			got := answers(raw, located(raw))
			if len(got) > 100 {
				fmt.Fprintf(&record, "document %d: %d answers, digest %s\n", i, len(got), digest(got))
				continue
			}
			fmt.Fprintf(&record, "document %d:\n  %s\n", i, strings.Join(got, "\n  "))
		}
		Expect(golden.Check("testdata/golden/json-lines-hand-picked.txt", []byte(record.String()))).To(Succeed())
	})

	It("gives the recorded lines on Synthea Bundles, their resources one value a line and thousands of damaged documents", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">=", 3))
		var record strings.Builder
		asked := 0
		var docs [][]byte
		for _, f := range files[:3] {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			got := answers(data, pathsOf(data))
			asked += len(got)
			name, err := filepath.Rel(sharedtest.Path(), f)
			Expect(err).NotTo(HaveOccurred())
			fmt.Fprintf(&record, "%s: %d answers, digest %s\n", filepath.ToSlash(name), len(got), digest(got))

			var bundle struct {
				Entry []struct{ Resource json.RawMessage }
			}
			Expect(json.Unmarshal(data, &bundle)).To(Succeed())
			for _, e := range bundle.Entry {
				// one member or item a line, so that lines differ from value to value
				var doc bytes.Buffer
				Expect(json.Indent(&doc, e.Resource, "", " ")).To(Succeed())
				docs = append(docs, doc.Bytes())
			}
		}
		// documents in groups of 100, one recorded digest a group
		groups := func(what string, n int, answer func(i int) []string) {
			for from := 0; from < n; from += 100 {
				var all []string
				for i := from; i < min(from+100, n); i++ {
					all = append(all, answer(i)...)
				}
				asked += len(all)
				fmt.Fprintf(&record, "%s %d-%d: %d answers, digest %s\n", what, from, min(from+100, n)-1, len(all), digest(all))
			}
		}
		groups("resources", len(docs), func(i int) []string { return answers(docs[i], pathsOf(docs[i])) })

		// damaged documents, asked the paths of the resource each comes from
		rng := rand.New(rand.NewPCG(18, 5))
		damaged := make([][]byte, 3000)
		sources := make([]int, len(damaged))
		for i := range damaged {
			sources[i] = rng.IntN(len(docs))
			d := bytes.Clone(docs[sources[i]])
			for n := rng.IntN(3) + 1; n > 0; n-- {
				at := rng.IntN(len(d) + 1)
				ins := damageBytes[rng.IntN(len(damageBytes))]
				if rng.IntN(2) == 0 || at == len(d) {
					d = append(d[:at:at], append([]byte(ins), d[at:]...)...)
				} else {
					d = append(d[:at:at], d[at+1:]...)
				}
			}
			damaged[i] = d
		}
		groups("damaged", len(damaged), func(i int) []string { return answers(damaged[i], pathsOf(docs[sources[i]])) })
		Expect(asked).To(BeNumerically(">", 1000000))
		Expect(golden.Check("testdata/golden/json-lines-corpus.txt", []byte(record.String()))).To(Succeed())
	})

	It("lists a Bundle's entries by where they start, and answers inside them as if it had listed everything", func() {
		// entries of every shape: compact, pretty-printed, one beyond the
		// size listed whole, one holding a long array (listed whole), a
		// broken one, one with an entry member, and a last one cut short
		entries := []string{
			`{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","name":[{"given":["a","b"]}]}}`,
			"{\n \"resource\": {\n  \"resourceType\": \"Observation\",\n  \"code\": {\"text\": \"x\\\"y\\n\"},\n  \"_status\": {\"id\": \"s\"}\n }\n}",
			`{"resource":{"resourceType":"Binary","data":"` + strings.Repeat("QUJD", 20000) + "\",\n\"id\":\"big\"}}",
			"{\"resource\":{\"given\":[\n" + strings.Repeat("\"a\",\n", 40) + "\"b\"]}}",
			"{\"resource\":{\"a\":[1,\n2 }, \"b\": {\n\"c\":1}}",
			// an entry with a member named entry of its own (no FHIR
			// Bundle entry has one): its items are not the Bundle's
			"{\"entry\":[\n{\"resource\":\n{\"a\":\n1}}],\n\"resource\":{\"resourceType\":\"Patient\"}}",
		}
		var body strings.Builder
		for i := 0; i < 300; i++ {
			body.WriteString(entries[i%len(entries)] + ",\n")
		}
		bundle := "{\"resourceType\":\"Bundle\",\n\"entry\":[\n" + body.String() + entries[0] + "],\n\"total\": 3}"
		for _, doc := range []string{bundle, bundle[:len(bundle)-40]} {
			// the same document with the array under another name is listed whole
			whole := strings.Replace(doc, `"entry"`, `"entrx"`, 1)
			paths := located([]byte(whole))
			Expect(len(paths)).To(BeNumerically(">", 3000))
			asked := make([]string, len(paths))
			for i, p := range paths {
				asked[i] = strings.Replace(p, "entrx", "entry", 1)
			}
			want := answers([]byte(whole), paths)
			for i := range want {
				want[i] = strings.NewReplacer("entrx", "entry", "ENTRX", "ENTRY").Replace(want[i])
			}
			got := answers([]byte(doc), asked)
			Expect(len(got)).To(Equal(len(want)))
			for i := range got {
				if got[i] != want[i] {
					Fail(fmt.Sprintf("answer %d: got %s, want %s", i, got[i], want[i]))
				}
			}
		}
		// one value listed for each entry of compact size, not each value in it
		small := "{\"entry\":[" + strings.Repeat(entries[0]+",\n"+entries[1]+",\n", 500) + "{}]}"
		Expect(fhir.JSONListed([]byte(small))).To(BeNumerically("<=", 1000+3))
		Expect(fhir.JSONListed([]byte(strings.Replace(small, `"entry"`, `"entrx"`, 1)))).To(BeNumerically(">", 7000))
	})
})
