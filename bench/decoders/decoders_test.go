// Package decoders measures JSON decoders against carecert's own on the
// parse every FHIR record needs: one NDJSON line into map[string]any with
// numbers kept as written (json.Number). Each decoder's result is first held
// to fhir.Decode's on every line, then timed; cpu-ns/record is the process's
// CPU (garbage collection included) per record. It is a module of its own so
// that the decoders it measures are none of carecert's dependencies.
//
//	CARECERT_BENCH_NDJSON=gen.ndjson:synthea.ndjson go test -bench . -benchtime 5x
//
// With GOEXPERIMENT=jsonv2, encoding/json runs on the encoding/json/v2
// engine, so its row measures v2 with the same result type.
package decoders

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/bytedance/sonic"
	"github.com/go-json-experiment/json/jsontext"
	goccy "github.com/goccy/go-json"
	segment "github.com/segmentio/encoding/json"

	"github.com/carecert/carecert/fhir"
)

type decoder struct {
	name   string
	decode func([]byte) (any, error)
}

// CopyString, as every other decoder here: a string that shares the line's bytes
// keeps the whole line alive as long as any value of it is kept.
var sonicNumbers = sonic.Config{UseNumber: true, ValidateString: true, CopyString: true}.Froze()

var decoders = []decoder{
	{"carecert", func(d []byte) (any, error) { return fhir.Decode(d) }},
	{"encoding-json", streamed(func(r io.Reader) numberDecoder { return json.NewDecoder(r) })},
	{"jsontext-tokens", func(d []byte) (any, error) {
		return fromTokens(jsontext.NewDecoder(bytes.NewReader(d), jsontext.AllowDuplicateNames(true)))
	}},
	{"goccy", streamed(func(r io.Reader) numberDecoder { return goccy.NewDecoder(r) })},
	{"segmentio", func(d []byte) (any, error) {
		var v any
		_, err := segment.Parse(d, &v, segment.UseNumber)
		return v, err
	}},
	{"sonic", func(d []byte) (any, error) {
		var v any
		err := sonicNumbers.Unmarshal(d, &v)
		return v, err
	}},
}

// numberDecoder is the streaming decoder of encoding/json and of the
// libraries that copy its API.
type numberDecoder interface {
	UseNumber()
	Decode(any) error
}

// streamed decodes one value with such a decoder, numbers kept as written.
func streamed(newDecoder func(io.Reader) numberDecoder) func([]byte) (any, error) {
	return func(d []byte) (any, error) {
		dec := newDecoder(bytes.NewReader(d))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
}

// fromTokens builds the map form from jsontext's tokens in one pass.
func fromTokens(dec *jsontext.Decoder) (any, error) {
	switch dec.PeekKind() {
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for dec.PeekKind() != '}' {
			k, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			key := k.String()
			v, err := fromTokens(dec)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		_, err := dec.ReadToken()
		return m, err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		a := make([]any, 0)
		for dec.PeekKind() != ']' {
			v, err := fromTokens(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.ReadToken()
		return a, err
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	}
	return nil, nil
}

func readLines(b *testing.B, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	return lines
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkDecoders(b *testing.B) {
	feeds := os.Getenv("CARECERT_BENCH_NDJSON")
	if feeds == "" {
		b.Skip("set CARECERT_BENCH_NDJSON to NDJSON feeds, separated by ':'")
	}
	for _, path := range strings.Split(feeds, ":") {
		lines := readLines(b, path)
		var size int64
		for _, l := range lines {
			size += int64(len(l))
		}
		for _, d := range decoders {
			b.Run(filepath.Base(path)+"/"+d.name, func(b *testing.B) {
				for _, l := range lines {
					want, err := fhir.Decode(l)
					if err != nil {
						b.Fatal(err)
					}
					if got, err := d.decode(l); err != nil || !reflect.DeepEqual(got, any(want)) {
						b.Fatalf("%s does not give carecert's map form (%v) on %.200s", d.name, err, l)
					}
				}
				b.ReportAllocs()
				b.SetBytes(size)
				start := cpuNanos()
				for b.Loop() {
					for _, l := range lines {
						if _, err := d.decode(l); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(cpuNanos()-start)/float64(len(lines)*b.N), "cpu-ns/record")
			})
		}
	}
}
