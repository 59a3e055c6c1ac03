package fhir_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/lineindex"
	"github.com/carecert/carecert/internal/sharedtest"
)

// pathLines is the reading of a path index the JSON index replaced, kept as
// its oracle: every path a scan meets, joined as strings, mapped to the line
// of the first value that has it.
func pathLines(raw []byte) map[string]int {
	lines := map[string]int{}
	pos, line := 0, 1
	ws := func() {
		for ; pos < len(raw); pos++ {
			switch raw[pos] {
			case '\n':
				line++
			case ' ', '\t', '\r':
			default:
				return
			}
		}
	}
	str := func() string {
		pos++
		start := pos
		for pos < len(raw) {
			switch raw[pos] {
			case '\\':
				pos += 2
				continue
			case '"':
				pos++
				return string(raw[start : pos-1])
			case '\n':
				line++
			}
			pos++
		}
		return string(raw[start:])
	}
	var value func(path string)
	value = func(path string) {
		ws()
		if pos >= len(raw) {
			return
		}
		if _, seen := lines[path]; !seen {
			lines[path] = line
		}
		switch raw[pos] {
		case '{':
			pos++
			for {
				ws()
				if pos >= len(raw) || raw[pos] == '}' {
					pos++
					return
				}
				if raw[pos] == ',' {
					pos++
					continue
				}
				if raw[pos] != '"' {
					return
				}
				key := str()
				ws()
				if pos < len(raw) && raw[pos] == ':' {
					pos++
				}
				value(lineindex.Join(path, strings.TrimPrefix(key, "_")))
			}
		case '[':
			pos++
			for i := 0; ; {
				ws()
				if pos >= len(raw) || raw[pos] == ']' {
					pos++
					return
				}
				if raw[pos] == ',' {
					pos++
					i++
					continue
				}
				start := pos
				value(path + "[" + strconv.Itoa(i) + "]")
				if pos == start {
					return
				}
			}
		case '"':
			str()
		default:
			for pos < len(raw) && !strings.ContainsRune(",}] \n\r\t", rune(raw[pos])) {
				pos++
			}
		}
	}
	value("")
	return lines
}

// sameLines holds the JSON index to the oracle on every path the oracle
// knows, on their parents and on paths no value has; it returns how many
// paths it compared.
func sameLines(raw []byte) int {
	want := pathLines(raw)
	got := fhir.JSONLines(raw)
	asked := 0
	ask := func(p string) {
		line, ok := got.Line(p)
		wantLine, wantOK := want[p]
		Expect(ok).To(Equal(wantOK), "path %q in %.200q", p, raw)
		Expect(line).To(Equal(wantLine), "path %q in %.200q", p, raw)
		asked++
	}
	for p := range want {
		ask(p)
		for _, other := range []string{p + ".nothing", p + "[0]", p + "[1]", p + "[01]", p + ".", "_" + p, strings.ToUpper(p)} {
			ask(other)
		}
	}
	ask("nothing")
	ask("[0]")
	return asked
}

var _ = Describe("the JSON path index", func() {
	It("locates as a map of every path did, on hand-picked documents", func() {
		for _, doc := range []string{
			``, `{}`, `[]`, `"x"`, `1`, "{\n\"a\": 1,\n\"a\": {\n\"b\": 2}}", "{\"birthDate\":\"x\",\n\"_birthDate\":{\"extension\":[\n{\"url\":\"u\"}]}}",
			"{\"_given\":[null,\n{\"id\":\"1\"}],\n\"given\":[\"a\",\n\"b\"]}", "{\"\":{\n\"a\":1},\n\"_\":[\n2]}", "{\"[0]\":\n{\"x\":1},\"a.b\":\n1,\"a\":{\"b\":\n2}}",
			"[[1,\n[2]],\n{\"a\":[\n3]}]", `{"\u0069d":1,"id":2}`, "{\"a\":[,\n1,,\n2]}", "{\"a\":\n{\"b\"\n1}, \"c\":2}", "{\"a\":\"unterminated\n", "{\"a\":[1,\n2", "{\"a\":}\n,\"b\":1}",
			"{\"entry\":[" + strings.Repeat("{\"resource\":{\"resourceType\":\"Patient\"}},\n", 11) + "{}]}",
			// long arrays, whose items are indexed; well-formed, nested, and broken
			"{\"entry\":[" + strings.Repeat("{\"resource\":{\"given\":[\n"+strings.Repeat("\"a\",\n", 40)+"\"b\"]}},\n", 40) + "{}]}",
			"[" + strings.Repeat("1,\n", 40) + "2 3,\n4]", "[" + strings.Repeat("1,\n", 40) + ",,5,\n6]", "[" + strings.Repeat("[1],\n", 40) + "}",
		} {
			sameLines([]byte(doc))
		}
	})

	It("locates as a map of every path did, on Synthea Bundles, a generated feed and thousands of damaged documents", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		var docs [][]byte
		asked := 0
		for _, f := range files[:3] {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			asked += sameLines(data)
			docs = append(docs, data)
		}
		g, err := fixtures.New(fixtures.Options{Seed: 7, Records: 300})
		Expect(err).NotTo(HaveOccurred())
		_, err = g.Generate(func(l []byte) error {
			// pretty-printed, so that lines differ from value to value
			var buf bytes.Buffer
			buf.Write(bytes.ReplaceAll(bytes.ReplaceAll(l, []byte(`,"`), []byte(",\n\"")), []byte(`[`), []byte("[\n")))
			docs = append(docs, buf.Bytes())
			asked += sameLines(buf.Bytes())
			return nil
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(asked).To(BeNumerically(">", 100000))

		rng := rand.New(rand.NewPCG(18, 5))
		for i := 0; i < 3000; i++ {
			d := bytes.Clone(docs[3+rng.IntN(len(docs)-3)])
			for n := rng.IntN(3) + 1; n > 0; n-- {
				at := rng.IntN(len(d) + 1)
				ins := damageBytes[rng.IntN(len(damageBytes))]
				if rng.IntN(2) == 0 || at == len(d) {
					d = append(d[:at:at], append([]byte(ins), d[at:]...)...)
				} else {
					d = append(d[:at:at], d[at+1:]...)
				}
			}
			sameLines(d)
		}
	})
})
