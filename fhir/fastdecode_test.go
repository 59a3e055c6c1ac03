package fhir_test

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

// sameAsSlow decodes data both ways: the same value, or the same error.
func sameAsSlow(data []byte) (parsed bool) {
	got, gotErr := fhir.Decode(data)
	want, wantErr := fhir.DecodeSlow(data)
	if wantErr != nil {
		Expect(gotErr).To(MatchError(wantErr.Error()), "%q", data)
		return false
	}
	Expect(gotErr).NotTo(HaveOccurred(), "%q", data)
	Expect(got).To(Equal(want), "%q", data)
	return true
}

// damageBytes are what random edits put into a document: JSON's structural
// characters, escapes (surrogates among them), numbers' characters,
// whitespace of every kind, control, non-ASCII and invalid bytes.
var damageBytes = []string{
	"{", "}", "[", "]", ":", ",", `"`, `\`, `\"`, `\\`, `\/`, `\n`, `\u00e9`, `\u0000`, `\ud83d\ude00`, `\ud83d`, `\udc00x`, `\x`,
	"0", "-", "+", ".", "e", "E", "1", "true", "null", "fals", " ", "\t", "\n", "\r", "\f", "\v", "\x00", "\x1f",
	"é", "\xff", "\xc3", "\xef\xbb\xbf", "//", "/*",
}

var _ = Describe("the one-pass JSON decoder", func() {
	It("gives encoding/json's value or error on hand-picked documents", func() {
		deep := func(n int) string { return strings.Repeat("[", n-1) + strings.Repeat("]", n-1) }
		for _, doc := range []string{
			`{}`, ` {"a":[]} `, `{"a":{}}`, `{"a":1,"a":2}`, `{"a":-0,"b":1E+2,"c":0.5e-3,"d":123456789012345678901234567890}`,
			`{"a":"\u00e9\u0000\/\b\f\n\r\t\"\\"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\ud83d"}`, `{"\u0061":1}`,
			`{"a":true,"b":false,"c":null}`, `{"a":[1,[2,[3]]]}`, "{\"a\":1}\f", "{\"a\":1}\n\n", "\xef\xbb\xbf{}",
			`[]`, `"x"`, `1`, ``, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`,
			`{"a":1e}`, `{"a":tru}`, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", `{"a":"\x"}`, `{"a":1} {"b":2}`, `{"a":1}x`,
			`{"a":` + deep(512) + `}`, `{"a":` + deep(513) + `}`, `{"a":` + deep(514) + `}`,
		} {
			sameAsSlow([]byte(doc))
		}
	})

	It("gives encoding/json's value on every Synthea document and generated line, and its value or error on thousands of damaged ones", func() {
		var docs [][]byte
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		files = files[:4]
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			Expect(sameAsSlow(data)).To(BeTrue(), f)
			docs = append(docs, data)
		}
		g, err := fixtures.New(fixtures.Options{Seed: 5, Records: 2000})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		_, err = g.Generate(func(l []byte) error { buf.Write(l); buf.WriteByte('\n'); return nil })
		Expect(err).NotTo(HaveOccurred())
		sc := bufio.NewScanner(&buf)
		sc.Buffer(nil, 1<<24)
		lines := 0
		for sc.Scan() {
			line := bytes.Clone(sc.Bytes())
			sameAsSlow(line)
			docs = append(docs, line)
			lines++
		}
		Expect(lines).To(Equal(2000))

		rng := rand.New(rand.NewPCG(18, 3))
		parsed, refused := 0, 0
		for i := 0; i < 20000; i++ {
			d := bytes.Clone(docs[len(files)+rng.IntN(len(docs)-len(files))])
			for n := rng.IntN(2) + 1; n > 0; n-- {
				at := rng.IntN(len(d) + 1)
				ins := damageBytes[rng.IntN(len(damageBytes))]
				switch rng.IntN(3) {
				case 0:
					d = append(d[:at:at], append([]byte(ins), d[at:]...)...)
				case 1:
					if at < len(d) {
						d = append(d[:at:at], append([]byte(ins), d[at+1:]...)...)
					}
				default:
					if at < len(d) {
						d = append(d[:at:at], d[at+1:]...)
					}
				}
			}
			if sameAsSlow(d) {
				parsed++
			} else {
				refused++
			}
		}
		// Both outcomes were exercised.
		Expect(parsed).To(BeNumerically(">", 2000))
		Expect(refused).To(BeNumerically(">", 2000))
	})

	It("leaves NDJSON lines' duplicate keys reported as DuplicateKeys finds them, in any object", func() {
		g, err := fixtures.New(fixtures.Options{Seed: 6, Records: 300})
		Expect(err).NotTo(HaveOccurred())
		var lines [][]byte
		_, err = g.Generate(func(l []byte) error { lines = append(lines, bytes.Clone(l)); return nil })
		Expect(err).NotTo(HaveOccurred())
		rng := rand.New(rand.NewPCG(18, 4))
		withDups, without := 0, 0
		for _, line := range lines {
			// Repeat a key at the start of a random object: the root, a
			// nested object or one in an array; now and then spelled with an
			// escape, which encoding/json merges but the raw scan does not.
			opens := []int{}
			for i, c := range line {
				if c == '{' {
					opens = append(opens, i)
				}
			}
			at := opens[rng.IntN(len(opens))] + 1
			key := []string{`"id":"x",`, `"system":"s",`, `"resourceType":"Patient",`, `"\u0069d":"y",`, `"url":"u",`}[rng.IntN(5)]
			for _, doc := range [][]byte{line, append(append(bytes.Clone(line[:at]), key...), line[at:]...)} {
				var recs []*model.Record
				Expect(fhir.ReadStream("feed.ndjson", bytes.NewReader(append(bytes.Clone(doc), '\n')), func(r *model.Record) error {
					r.Load()
					recs = append(recs, r)
					return nil
				})).To(Succeed())
				Expect(recs).To(HaveLen(1))
				want := fhir.DuplicateKeys(doc)
				got := 0
				for _, f := range recs[0].Syntax {
					if f.Code == "input.duplicate-key" {
						got++
					}
				}
				Expect(got).To(Equal(len(want)), "%s", doc)
				if len(want) > 0 {
					withDups++
				} else {
					without++
				}
			}
		}
		Expect(withDups).To(BeNumerically(">", 15))
		Expect(without).To(BeNumerically(">", 300))
	})
})
