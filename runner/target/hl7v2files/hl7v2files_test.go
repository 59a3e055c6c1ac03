package hl7v2files_test

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	"github.com/carecert/carecert/runner/target/targettest"
)

const adtMessage = "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|M1|P|2.4\rEVN|A01\rPID|1\rPV1|1|I|W1\r"

var _ = Describe("hl7v2 targets", func() {
	It("reads .hl7, .er7 and .hl7.gz files of a folder in name order, one record per message", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "b.er7"), []byte("PID|1\r"+adtMessage+adtMessage), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not read"), 0o644)).To(Succeed())
		f, err := os.Create(filepath.Join(dir, "a.hl7.gz"))
		Expect(err).NotTo(HaveOccurred())
		zw := gzip.NewWriter(f)
		zw.Write([]byte("BHS|^~\\&\r" + adtMessage + "BTS|1\r"))
		Expect(zw.Close()).To(Succeed())
		Expect(f.Close()).To(Succeed())

		t, err := hl7v2files.Open(target.Spec{Name: "feed", Path: dir, Options: params.Params{}})
		Expect(err).NotTo(HaveOccurred())
		recs, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		var got []string
		for _, r := range recs {
			Expect(r.Kind).To(Equal(model.KindHL7v2))
			got = append(got, filepath.Base(r.Source)+" "+r.Type+" "+r.ID)
		}
		Expect(got).To(Equal([]string{
			"a.hl7.gz BHS ", "a.hl7.gz ADT^A01 M1", "a.hl7.gz BTS ",
			"b.er7  ", "b.er7 ADT^A01 M1", "b.er7 ADT^A01 M1",
		}))
		// Segments before any MSH are a record with a problem, not lost.
		Expect(recs[3].Problem).NotTo(BeNil())
		Expect(recs[3].Problem.Code).To(Equal("parse.no-header"))
		Expect(recs[3].Problem.Line).To(Equal(1))
		Expect(recs[4].Line).To(Equal(2))
		Expect(recs[4].Value.(*hl7v2.Message).Segments).To(HaveLen(4))
		Expect(recs[5].Index).To(BeEquivalentTo(2))
	})

	It("reads on past a dangling link in a folder, reporting it once over shards", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "a.hl7"), []byte(adtMessage), 0o644)).To(Succeed())
		Expect(os.Symlink(filepath.Join(dir, "gone.hl7"), filepath.Join(dir, "b.hl7"))).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "c.hl7"), []byte(adtMessage), 0o644)).To(Succeed())
		t, err := hl7v2files.Open(target.Spec{Name: "feed", Path: dir, Options: params.Params{}})
		Expect(err).NotTo(HaveOccurred())
		names := func(recs []*model.Record) []string {
			var out []string
			for _, r := range recs {
				name := filepath.Base(r.Source) + " " + r.Type
				if r.Problem != nil {
					name += r.Problem.Code
				}
				out = append(out, name)
			}
			return out
		}
		recs, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		Expect(names(recs)).To(Equal([]string{"a.hl7 ADT^A01", "b.hl7 input.unreadable", "c.hl7 ADT^A01"}))
		var all []string
		for i := 1; i <= 3; i++ {
			part, err := targettest.Collect(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 3}))
			Expect(err).NotTo(HaveOccurred())
			all = append(all, names(part)...)
		}
		Expect(all).To(ConsistOf("a.hl7 ADT^A01", "b.hl7 input.unreadable", "c.hl7 ADT^A01"))
	})

	It("says which path cannot be read", func() {
		_, err := hl7v2files.Open(target.Spec{Name: "feed", Path: "/nonexistent/x.hl7", Options: params.Params{}})
		Expect(err).To(MatchError(ContainSubstring("cannot read /nonexistent/x.hl7")))
	})

})

var _ = Describe("hl7v2 target shards", func() {
	names := func(t target.Target) []string {
		recs, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		var out []string
		for _, r := range recs {
			out = append(out, filepath.Base(r.Source)+"#"+r.Type+"#"+string(rune('0'+r.Index)))
		}
		return out
	}

	It("split plain ER7 files by byte range and deal gzip files out whole: disjoint, together the whole", func() {
		dir := GinkgoT().TempDir()
		for _, n := range []string{"a.hl7", "c.er7"} {
			Expect(os.WriteFile(filepath.Join(dir, n), []byte(adtMessage+adtMessage+adtMessage+adtMessage), 0o644)).To(Succeed())
		}
		for _, n := range []string{"b.hl7.gz", "d.er7.gz"} {
			f, err := os.Create(filepath.Join(dir, n))
			Expect(err).NotTo(HaveOccurred())
			zw := gzip.NewWriter(f)
			zw.Write([]byte(adtMessage + adtMessage))
			Expect(zw.Close()).To(Succeed())
			Expect(f.Close()).To(Succeed())
		}
		t, err := hl7v2files.Open(target.Spec{Name: "feed", Path: dir, Options: params.Params{}})
		Expect(err).NotTo(HaveOccurred())
		whole := names(t)
		Expect(whole).To(HaveLen(12))
		var union []string
		for i := 1; i <= 2; i++ {
			part := names(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 2}))
			// Two messages of each plain file, and one gzip file whole.
			Expect(part).To(HaveLen(6), "shard %d", i)
			union = append(union, part...)
		}
		Expect(union).To(ConsistOf(whole))
	})

	It("read a generated ER7 file split in n shards as one whole read, CR, LF or CRLF", func() {
		feed := generated(hl7v2gen.Options{Seed: 5, Messages: 400, ORUEvery: 3, Defects: map[string]int{"v2-lf-segment-ends": 3}})
		for _, term := range []string{"\r", "\n", "\r\n"} {
			path := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
			data := strings.ReplaceAll(feed, "\r", term)
			Expect(os.WriteFile(path, []byte(data), 0o644)).To(Succeed())
			t, err := hl7v2files.Open(target.Spec{Name: "feed", Path: path, Options: params.Params{}})
			Expect(err).NotTo(HaveOccurred())
			whole, err := targettest.Collect(t)
			Expect(err).NotTo(HaveOccurred())
			Expect(whole).To(HaveLen(400))
			for _, n := range []int{2, 3, 8} {
				var union []*model.Record
				for i := 1; i <= n; i++ {
					part, err := targettest.Collect(t.(target.Sharder).Shard(target.Shard{Index: i, Count: n}))
					Expect(err).NotTo(HaveOccurred())
					Expect(len(part)).To(BeNumerically("~", 400/n, 400/n/4+2), "%q shard %d of %d", term, i, n)
					union = append(union, part...)
				}
				Expect(union).To(Equal(whole), "%q in %d shards", term, n)
			}
		}
	})

	It("read a named pipe once, whole, by one shard, losing none of its writer's bytes", func() {
		feed := generated(hl7v2gen.Options{Seed: 7, Messages: 40})
		dir := GinkgoT().TempDir()
		plain := filepath.Join(dir, "plain", "feed.hl7")
		Expect(os.MkdirAll(filepath.Dir(plain), 0o755)).To(Succeed())
		Expect(os.WriteFile(plain, []byte(feed), 0o644)).To(Succeed())
		t, err := hl7v2files.Open(target.Spec{Name: "feed", Path: plain, Options: params.Params{}})
		Expect(err).NotTo(HaveOccurred())
		want, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		Expect(want).To(HaveLen(40))

		fifo := filepath.Join(dir, "piped", "feed.hl7")
		Expect(os.MkdirAll(filepath.Dir(fifo), 0o755)).To(Succeed())
		Expect(syscall.Mkfifo(fifo, 0o600)).To(Succeed())
		// The writer waits for a reader; a shard that never opens the pipe
		// leaves it waiting, so the cleanup opens the pipe to let it go.
		written := make(chan error, 1)
		go func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				written <- err
				return
			}
			_, err = w.Write([]byte(feed))
			w.Close()
			written <- err
		}()
		DeferCleanup(func() {
			if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
				r.Close()
			}
		})
		piped, err := hl7v2files.Open(target.Spec{Name: "feed", Path: fifo, Options: params.Params{}})
		Expect(err).NotTo(HaveOccurred())
		// A shard that opens the pipe after its writer left would wait forever.
		read := make(chan []*model.Record, 1)
		go func() {
			defer GinkgoRecover()
			var got []*model.Record
			for i := 1; i <= 3; i++ {
				part, err := targettest.Collect(piped.(target.Sharder).Shard(target.Shard{Index: i, Count: 3}))
				Expect(err).NotTo(HaveOccurred())
				got = append(got, part...)
			}
			read <- got
		}()
		var got []*model.Record
		Eventually(read, "20s").Should(Receive(&got), "the shards read the pipe and returned")
		Eventually(written).Should(Receive(BeNil()))
		Expect(messagesOf(got)).To(Equal(messagesOf(want)))
	})

	It("deal a UTF-16 or UTF-32 file out whole, read as its text in UTF-8 is", func() {
		feed := generated(hl7v2gen.Options{Seed: 6, Messages: 60})
		read := func(path string) (whole []*model.Record, shards [][]*model.Record) {
			t, err := hl7v2files.Open(target.Spec{Name: "feed", Path: path, Options: params.Params{}})
			Expect(err).NotTo(HaveOccurred())
			whole, err = targettest.Collect(t)
			Expect(err).NotTo(HaveOccurred())
			for i := 1; i <= 3; i++ {
				part, err := targettest.Collect(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 3}))
				Expect(err).NotTo(HaveOccurred())
				shards = append(shards, part)
			}
			return whole, shards
		}
		plain := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
		Expect(os.WriteFile(plain, []byte(feed), 0o644)).To(Succeed())
		want, _ := read(plain)
		Expect(want).To(HaveLen(60))
		for _, e := range hl7v2test.Encodings[2:] {
			path := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
			Expect(os.WriteFile(path, hl7v2test.Encode(feed, e), 0o644)).To(Succeed())
			whole, shards := read(path)
			Expect(messagesOf(whole)).To(Equal(messagesOf(want)), e.String())
			var sizes []int
			for _, part := range shards {
				sizes = append(sizes, len(part))
				if len(part) > 0 {
					Expect(part).To(Equal(whole), e.String())
				}
			}
			Expect(sizes).To(ConsistOf(60, 0, 0), "one shard reads it whole, the others nothing: %s", e)
		}
	})

})

// messagesOf lists records by line, type and segments, the encoding each
// message arrived in aside.
func messagesOf(recs []*model.Record) []string {
	var out []string
	for _, r := range recs {
		m := r.Value.(*hl7v2.Message)
		out = append(out, fmt.Sprintf("%d %s %v %v", r.Line, r.Type, m.Segments, m.Issues))
	}
	return out
}

// generated is the ER7 text hl7v2gen writes for o.
func generated(o hl7v2gen.Options) string {
	g, err := hl7v2gen.New(o)
	Expect(err).NotTo(HaveOccurred())
	var feed strings.Builder
	_, err = g.Generate(&feed)
	Expect(err).NotTo(HaveOccurred())
	return feed.String()
}
