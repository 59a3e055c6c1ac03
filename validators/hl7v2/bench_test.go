package hl7v2_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/suites"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// benchChecks compiles every requirement of hl7v2-structure and nhs-adt-v2:
// a full validation.
func benchChecks(b *testing.B) []check.State {
	reg := check.NewRegistry()
	v2.Register(reg)
	env := &check.Env{Context: context.Background()}
	var states []check.State
	for _, id := range []string{"hl7v2-structure", "nhs-adt-v2"} {
		s, err := suites.Builtin(id, reg)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range s.Requirements {
			c, err := reg.Compile(r.Spec(), env)
			if err != nil {
				b.Fatal(err)
			}
			states = append(states, c.NewState())
		}
	}
	return states
}

func adtFeed(b *testing.B, n int) []byte {
	g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 1, Messages: n})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.Generate(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// validateStream parses and fully validates every message of r, one core.
func validateStream(b *testing.B, r io.Reader, states []check.State) (messages, findings int) {
	sc := hl7v2.NewScanner(r)
	for {
		m, err := sc.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		rec := m.Record("bench.hl7")
		for _, s := range states {
			findings += len(s.Observe(rec))
		}
		messages++
	}
}

// BenchmarkParseValidateADT: parse and fully validate (hl7v2-structure and
// nhs-adt-v2) generated ADT messages on one core. Target: 20,000 messages/s.
//
//	go test ./validators/hl7v2 -run '^$' -bench ParseValidateADT -benchtime 3x -cpu 1
func BenchmarkParseValidateADT(b *testing.B) {
	const n = 5000
	feed := adtFeed(b, n)
	states := benchChecks(b)
	b.SetBytes(int64(len(feed)))
	b.ResetTimer()
	cpu0 := cpuTime()
	total := 0
	for i := 0; i < b.N; i++ {
		msgs, findings := validateStream(b, bytes.NewReader(feed), states)
		if findings != 0 {
			b.Fatalf("clean feed raised %d finding(s)", findings)
		}
		total += msgs
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "messages/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(total)/cpu.Seconds(), "messages/cpu-s")
	}
}

// BenchmarkParseADT: the reader alone.
func BenchmarkParseADT(b *testing.B) {
	feed := adtFeed(b, 5000)
	b.SetBytes(int64(len(feed)))
	b.ResetTimer()
	total := 0
	for i := 0; i < b.N; i++ {
		ms, err := hl7v2.ParseAll(feed)
		if err != nil {
			b.Fatal(err)
		}
		total += len(ms)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "messages/s")
}

// BenchmarkLargeFileMemory streams a generated file of CARECERT_BENCH_LARGE_MB
// megabytes (opt-in: it is skipped without it; 1024 for the 1 GB case) through
// parsing and full validation, and reports the peak heap: it must stay flat
// whatever the size.
//
//	CARECERT_BENCH_LARGE_MB=1024 go test ./validators/hl7v2 -run '^$' -bench LargeFileMemory -benchtime 1x
func BenchmarkLargeFileMemory(b *testing.B) {
	mb, _ := strconv.Atoi(os.Getenv("CARECERT_BENCH_LARGE_MB"))
	if mb <= 0 {
		b.Skip("set CARECERT_BENCH_LARGE_MB to the file size in MB to run it")
	}
	path := b.TempDir() + "/large.hl7"
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	chunk := adtFeed(b, 2000)
	for written := 0; written < mb<<20; written += len(chunk) {
		w.Write(chunk)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	states := benchChecks(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		peak := make(chan uint64, 1)
		go func() {
			var max uint64
			var ms runtime.MemStats
			for {
				select {
				case <-done:
					peak <- max
					return
				default:
				}
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > max {
					max = ms.HeapInuse
				}
				runtime.Gosched()
				sleepBriefly()
			}
		}()
		msgs, _ := validateStream(b, bufio.NewReaderSize(in, 1<<16), states)
		close(done)
		in.Close()
		b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "messages/s")
	}
}

// largeORU is one ORU_R01 of n OBX segments, each with an observation time
// that is not a date: one finding per segment, so every finding's line is
// looked up in a message of n segments.
func largeORU(n int) []byte {
	var b bytes.Buffer
	b.WriteString("MSH|^~\\&|LAB|FAC|EHR|FAC|20240101120000||ORU^R01^ORU_R01|C1|P|2.5.1\rPID|1||123^^^H^MR||DOE^JANE\rOBR|1||F1|1234^PANEL^L\r")
	for i := 1; i <= n; i++ {
		b.WriteString("OBX|" + strconv.Itoa(i) + "|NM|1^A^L||5||||||F|||notadate\r")
	}
	return b.Bytes()
}

// BenchmarkLargeMessage validates one message of 10,000 to 80,000 segments,
// each with a finding. The cost per segment must stay flat as the message
// grows (issue 20: 80,000 segments took 45 s when line look-ups scanned the
// message once per finding).
//
//	go test ./validators/hl7v2 -run '^$' -bench LargeMessage -benchtime 1x
func BenchmarkLargeMessage(b *testing.B) {
	states := benchChecks(b)
	for _, n := range []int{10000, 20000, 40000, 80000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			data := largeORU(n)
			for b.Loop() {
				_, findings := validateStream(b, bytes.NewReader(data), states)
				if findings < n {
					b.Fatalf("%d findings for %d bad segments", findings, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/segment")
		})
	}
}
