package fhir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

type seen struct {
	Line    int
	Index   int64
	ID      string
	Problem string
}

func summarize(r *model.Record) seen {
	r.Load()
	s := seen{Line: r.Line, Index: r.Index, ID: r.ID}
	if r.Problem != nil {
		s.Problem = r.Problem.Code
	}
	return s
}

var _ = Describe("reading NDJSON byte ranges for shards", func() {
	It("reads every record exactly once, with whole-file lines and indexes, however the file is split", func() {
		var b strings.Builder
		for i := 0; i < 97; i++ {
			switch {
			case i%13 == 5:
				b.WriteString("\n") // blank line
			case i%17 == 3:
				b.WriteString("   \r\n") // blank with CR LF
			case i%19 == 9:
				b.WriteString("\f\u00a0\n") // not blank: spaces JSON does not allow
			case i%11 == 7:
				fmt.Fprintf(&b, "{\"resourceType\":\"Patient\",\"id\":\"bad%d\"\n", i) // malformed
			case i%2 == 0:
				fmt.Fprintf(&b, "{\"resourceType\":\"Patient\",\"id\":\"p%d\",\"name\":[{\"family\":\"%s\"}]}\r\n", i, strings.Repeat("x", i%9))
			default:
				fmt.Fprintf(&b, "{\"resourceType\":\"Observation\",\"id\":\"o%d\"}\n", i)
			}
		}
		b.WriteString(`{"resourceType":"Patient","id":"last"}`) // no final newline
		path := filepath.Join(GinkgoT().TempDir(), "feed.ndjson")
		Expect(os.WriteFile(path, []byte(b.String()), 0o644)).To(Succeed())
		size := int64(b.Len())

		var whole []seen
		Expect(fhir.ReadFile(path, func(r *model.Record) error { whole = append(whole, summarize(r)); return nil })).To(Succeed())
		Expect(len(whole)).To(BeNumerically(">", 80))

		for n := int64(1); n <= 9; n++ {
			var union []seen
			for i := int64(0); i < n; i++ {
				Expect(fhir.ReadNDJSONRange(path, size*i/n, size*(i+1)/n, func(r *model.Record) error {
					union = append(union, summarize(r))
					return nil
				})).To(Succeed())
			}
			Expect(union).To(Equal(whole), "split into %d", n)
		}
		// Ranges cut at every byte offset of a short prefix too.
		for cut := int64(1); cut < 200; cut++ {
			var union []seen
			for _, r := range [][2]int64{{0, cut}, {cut, size}} {
				Expect(fhir.ReadNDJSONRange(path, r[0], r[1], func(rec *model.Record) error {
					union = append(union, summarize(rec))
					return nil
				})).To(Succeed())
			}
			Expect(union).To(Equal(whole), "cut at %d", cut)
		}
	})
})
