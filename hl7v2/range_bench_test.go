package hl7v2_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/hl7v2"
)

func benchFeed(b *testing.B) []byte {
	g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 1, Messages: 40000, ORUEvery: 4})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.Generate(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func count(b *testing.B, sc *hl7v2.Scanner) int {
	n := 0
	for {
		_, err := sc.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkScanWhole reads every message of a feed: the cost per byte of a
// whole read.
func BenchmarkScanWhole(b *testing.B) {
	data := benchFeed(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if count(b, hl7v2.NewScanner(bytes.NewReader(data))) != 40000 {
			b.Fatal("messages lost")
		}
	}
}

// BenchmarkScanRangeSkip reads a range holding only the last message: nearly
// all of the time is the light pass over the bytes before the range, which is
// what a shard pays to know its first message's line and index.
func BenchmarkScanRangeSkip(b *testing.B) {
	data := benchFeed(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sc := hl7v2.NewRangeScanner(bytes.NewReader(data), int64(len(data)-1), int64(len(data)))
		if count(b, sc) != 0 {
			b.Fatal("a message that starts before the range was read")
		}
	}
}
