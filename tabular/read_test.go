package tabular_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/tabular"
	"github.com/carecert/carecert/tabular/csvtarget"
)

// read collects every record of input.
func read(name, input string, opts tabular.Options) []*model.Record {
	var out []*model.Record
	err := tabular.Read(name, strings.NewReader(input), opts, func(r *model.Record) error {
		out = append(out, r)
		return nil
	})
	Expect(err).NotTo(HaveOccurred())
	return out
}

func fields(r *model.Record) []string {
	Expect(r.Problem).To(BeNil(), "record at line %d has a problem", r.Line)
	return tabular.RowOf(r).Fields
}

var _ = Describe("Read", func() {
	It("reads RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes", func() {
		recs := read("t.csv", "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",z\n3,,\n", tabular.Options{})
		Expect(recs).To(HaveLen(3))
		Expect(fields(recs[0])).To(Equal([]string{"1", "x, y", `say "hi"`}))
		Expect(fields(recs[1])).To(Equal([]string{"2", "two\nlines", "z"}))
		Expect(fields(recs[2])).To(Equal([]string{"3", "", ""}))
		// Each row starts on its physical line; the multi-line row moves the next one down.
		Expect([]int{recs[0].Line, recs[1].Line, recs[2].Line}).To(Equal([]int{2, 3, 5}))
		Expect(tabular.RowOf(recs[2]).Number).To(Equal(int64(3)))
		Expect(recs[0].Type).To(Equal("t"))
		Expect(recs[0].Kind).To(Equal(model.KindCSV))
	})

	It("maps header names, exactly or ignoring case and spaces, and renames columns", func() {
		recs := read("x.csv", "NHS No, Gender \n123,F\n", tabular.Options{Rename: map[string]string{"NHS No": "NHS_Number"}})
		row := tabular.RowOf(recs[0])
		Expect(row.Header.Names).To(Equal([]string{"NHS_Number", "Gender"}))
		v, ok := row.Get("nhs_number")
		Expect(ok).To(BeTrue())
		Expect(v).To(Equal("123"))
		_, ok = row.Get("Postcode")
		Expect(ok).To(BeFalse())
	})

	It("uses a configured delimiter, tabs for .tsv files, and columns when there is no header", func() {
		recs := read("x.csv", "a;b\n1;2\n", tabular.Options{Delimiter: ';'})
		Expect(fields(recs[0])).To(Equal([]string{"1", "2"}))
		recs = read("x.tsv.gz", "a\tb\n1\t2,3\n", tabular.Options{})
		Expect(fields(recs[0])).To(Equal([]string{"1", "2,3"}))
		recs = read("x.csv", "1,2\n3,4\n", tabular.Options{NoHeader: true, Columns: []string{"p", "q"}})
		Expect(recs).To(HaveLen(2))
		Expect(recs[0].Line).To(Equal(1))
		v, _ := tabular.RowOf(recs[1]).Get("q")
		Expect(v).To(Equal("4"))
	})

	It("takes the record id from the key column", func() {
		recs := read("x.csv", "id,v\n A7 ,1\n", tabular.Options{Key: "id", Table: "people"})
		Expect(recs[0].ID).To(Equal("A7"))
		Expect(recs[0].Name()).To(Equal("people/A7"))
	})

	It("strips a UTF-8 byte-order mark and reports it", func() {
		recs := read("x.csv", "\xef\xbb\xbfname\nJosé\n", tabular.Options{})
		row := tabular.RowOf(recs[0])
		Expect(row.Header.Names).To(Equal([]string{"name"}))
		Expect(row.Fields).To(Equal([]string{"José"}))
		Expect(row.Encoding).To(Equal(tabular.UTF8BOM))
	})

	It("detects Windows-1252, decodes it, and does not call it a wrong encoding", func() {
		recs := read("x.csv", "name\nplain\nCaf\xe9 \x96 \x80\n", tabular.Options{})
		Expect(fields(recs[1])).To(Equal([]string{"Café – €"}))
		Expect(tabular.RowOf(recs[1]).Encoding).To(Equal(tabular.Windows1252))
		Expect(tabular.RowOf(recs[1]).Recoded).To(BeFalse())
	})

	It("flags a Windows-1252 row in a file already seen to be UTF-8, and keeps reading", func() {
		recs := read("x.csv", "name\nJosé\nCaf\xe9\nlast\n", tabular.Options{})
		Expect(recs).To(HaveLen(3))
		row := tabular.RowOf(recs[1])
		Expect(row.Fields).To(Equal([]string{"Café"}))
		Expect(row.Recoded).To(BeTrue())
		Expect(recs[1].Line).To(Equal(3))
		Expect(tabular.RowOf(recs[2]).Recoded).To(BeFalse())
	})

	It("flags invalid UTF-8 when the encoding is declared UTF-8, and reads declared Windows-1252 as such", func() {
		recs := read("x.csv", "name\nCaf\xe9\n", tabular.Options{Encoding: "utf-8"})
		Expect(tabular.RowOf(recs[0]).Recoded).To(BeTrue())
		recs = read("x.csv", "name\nCaf\xc3\xa9\n", tabular.Options{Encoding: "windows-1252"})
		Expect(fields(recs[0])).To(Equal([]string{"CafÃ©"}))
		Expect(tabular.RowOf(recs[0]).Recoded).To(BeFalse())
	})

	It("reports a ragged row at its line and checks the rows after it", func() {
		recs := read("x.csv", "a,b\n1,2\n3,4,5\n6,7\n", tabular.Options{})
		Expect(recs).To(HaveLen(3))
		Expect(recs[1].Problem).NotTo(BeNil())
		Expect(recs[1].Problem.Code).To(Equal("csv.ragged"))
		Expect(recs[1].Problem.Line).To(Equal(3))
		Expect(recs[1].Problem.Message).To(ContainSubstring("3 field(s); the header has 2"))
		Expect(fields(recs[2])).To(Equal([]string{"6", "7"}))
		Expect(recs[2].Line).To(Equal(4))
		Expect(tabular.RowOf(recs[2]).Number).To(Equal(int64(3)))
	})

	It("reports an unclosed quote at its line and resumes on the next line", func() {
		recs := read("x.csv", "a,b,c\n1,\"open,x\n2,y,z\n3,\"q\",r\n", tabular.Options{})
		Expect(recs).To(HaveLen(3))
		Expect(recs[0].Problem).NotTo(BeNil())
		Expect(recs[0].Problem.Code).To(Equal("csv.unclosed-quote"))
		Expect(recs[0].Problem.Line).To(Equal(2))
		Expect(fields(recs[1])).To(Equal([]string{"2", "y", "z"}))
		Expect(recs[1].Line).To(Equal(3))
		Expect(fields(recs[2])).To(Equal([]string{"3", "q", "r"}))
		Expect(recs[2].Line).To(Equal(4))
	})

	It("gives up on a quote after max_record_lines lines", func() {
		input := "a,b\n1,\"never\n" + strings.Repeat("x\n", 10) + "2,ok\n"
		recs := read("x.csv", input, tabular.Options{MaxRecordLines: 5})
		Expect(recs[0].Problem.Code).To(Equal("csv.unclosed-quote"))
		// The swallowed lines come back as (ragged) rows of their own, and the last row is whole.
		last := recs[len(recs)-1]
		Expect(fields(last)).To(Equal([]string{"2", "ok"}))
		Expect(last.Line).To(Equal(13))
	})

	It("reports text after a closing quote", func() {
		recs := read("x.csv", "a,b\n\"x\"y,1\n2,3\n", tabular.Options{})
		Expect(recs[0].Problem.Code).To(Equal("csv.quote"))
		Expect(fields(recs[1])).To(Equal([]string{"2", "3"}))
	})

	It("reports duplicate and empty header names, and an empty file", func() {
		recs := read("x.csv", "a,a,\n1,2,3\n", tabular.Options{})
		Expect(recs).To(HaveLen(3))
		Expect(recs[0].Problem.Code).To(Equal("csv.header"))
		Expect(recs[1].Problem.Code).To(Equal("csv.header"))
		Expect(fields(recs[2])).To(Equal([]string{"1", "2", "3"}))
		recs = read("x.csv", "", tabular.Options{})
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].Problem.Code).To(Equal("csv.empty"))
	})

	It("reads gzip-compressed files, and reports a broken gzip stream", func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte("a,b\n1,2\n"))
		zw.Close()
		recs := read("x.csv.gz", buf.String(), tabular.Options{})
		Expect(fields(recs[0])).To(Equal([]string{"1", "2"}))
		Expect(recs[0].Type).To(Equal("x"))
		recs = read("x.csv.gz", buf.String()[:12], tabular.Options{})
		Expect(recs[len(recs)-1].Problem).NotTo(BeNil())
	})

	It("stops when emit fails and returns its error", func() {
		stop := errors.New("stop")
		n := 0
		err := tabular.Read("x.csv", strings.NewReader("a\n1\n2\n3\n"), tabular.Options{}, func(*model.Record) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		Expect(err).To(MatchError(stop))
		Expect(n).To(Equal(2))
	})
})

var _ = Describe("the csv target", func() {
	var dir string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "now.csv"), []byte("id;v\n1;a\n2;b\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "before.csv"), []byte("id;v\n1;a\n"), 0o644)).To(Succeed())
	})
	open := func(opts map[string]any) (target.Target, error) {
		reg := target.NewRegistry()
		csvtarget.Register(reg)
		t, typ, err := reg.Open(target.Spec{Name: "t", Path: "now.csv", BaseDir: dir, Options: params.Params(opts)})
		if err == nil {
			Expect(typ).To(Equal("csv"))
		}
		return t, err
	}
	collect := func(t target.Target) []*model.Record {
		var out []*model.Record
		Expect(t.Records(context.Background(), func(r *model.Record) error { out = append(out, r); return nil })).To(Succeed())
		return out
	}

	It("reads the baseline first, marked, under the current file's table name", func() {
		t, err := open(map[string]any{"delimiter": ";", "baseline": "before.csv"})
		Expect(err).NotTo(HaveOccurred())
		recs := collect(t)
		Expect(recs).To(HaveLen(3))
		Expect(tabular.RowOf(recs[0]).Baseline).To(BeTrue())
		Expect(recs[0].Type).To(Equal("now"))
		Expect(recs[0].Source).To(HaveSuffix("before.csv"))
		Expect(tabular.RowOf(recs[1]).Baseline).To(BeFalse())
	})

	It("refuses options it does not know or cannot use, naming them", func() {
		_, err := open(map[string]any{"delimter": ";"})
		Expect(err).To(MatchError(ContainSubstring("delimter")))
		_, err = open(map[string]any{"delimiter": "::"})
		Expect(err).To(MatchError(ContainSubstring("one character")))
		_, err = open(map[string]any{"header": false})
		Expect(err).To(MatchError(ContainSubstring("columns")))
		_, err = open(map[string]any{"encoding": "latin-9"})
		Expect(err).To(MatchError(ContainSubstring("latin-9")))
		_, err = open(map[string]any{"baseline": "missing.csv"})
		Expect(err).To(MatchError(ContainSubstring("missing.csv")))
	})

	It("reads more tables given with the target as one feed", func() {
		t, err := open(map[string]any{"delimiter": ";", "tables": []any{"before.csv"}})
		Expect(err).NotTo(HaveOccurred())
		recs := collect(t)
		Expect(recs).To(HaveLen(3))
		Expect(recs[0].Type).To(Equal("now"))
		Expect(recs[2].Type).To(Equal("before"))
		_, err = open(map[string]any{"tables": []any{"nowhere.csv"}})
		Expect(err).To(MatchError(ContainSubstring("nowhere.csv")))
	})

	It("reads every table of a folder in name order", func() {
		reg := target.NewRegistry()
		csvtarget.Register(reg)
		t, _, err := reg.Open(target.Spec{Name: "t", Path: dir, Type: "csv", Options: params.Params{"delimiter": ";"}})
		Expect(err).NotTo(HaveOccurred())
		recs := collect(t)
		Expect(recs).To(HaveLen(3))
		Expect(recs[0].Type).To(Equal("before"))
		Expect(recs[2].Type).To(Equal("now"))
	})

	It("reads on past a dangling link in a folder, reporting it", func() {
		Expect(os.Symlink(filepath.Join(dir, "gone.csv"), filepath.Join(dir, "lost.csv"))).To(Succeed())
		reg := target.NewRegistry()
		csvtarget.Register(reg)
		t, _, err := reg.Open(target.Spec{Name: "t", Path: dir, Type: "csv", Options: params.Params{"delimiter": ";"}})
		Expect(err).NotTo(HaveOccurred())
		var got []string
		for _, r := range collect(t) {
			name := filepath.Base(r.Source)
			if r.Problem != nil {
				name += " " + r.Problem.Code
			}
			got = append(got, name)
		}
		Expect(got).To(Equal([]string{"before.csv", "lost.csv input.unreadable", "now.csv", "now.csv"}))
	})
})

var _ = Describe("Read, beyond the ordinary", func() {
	It("decodes UTF-16 with a byte-order mark (spreadsheet 'Unicode text')", func() {
		var b bytes.Buffer
		b.Write([]byte{0xff, 0xfe})
		for _, r := range "a\tb\r\nJosé\t1\r\n" {
			b.Write([]byte{byte(r), byte(r >> 8)})
		}
		recs := read("x.tsv", b.String(), tabular.Options{})
		Expect(recs).To(HaveLen(1))
		Expect(fields(recs[0])).To(Equal([]string{"José", "1"}))
		Expect(tabular.RowOf(recs[0]).Encoding).To(Equal(tabular.UTF16))
		Expect(recs[0].Line).To(Equal(2))
	})

	It("skips a line longer than the limit with a finding, and reads on", func() {
		input := "a,b\n1,2\n" + strings.Repeat("x", 17<<20) + "\n3,4\n"
		recs := read("x.csv", input, tabular.Options{})
		Expect(recs).To(HaveLen(3))
		Expect(recs[1].Problem.Code).To(Equal("csv.line-too-long"))
		Expect(recs[1].Line).To(Equal(3))
		Expect(fields(recs[2])).To(Equal([]string{"3", "4"}))
		Expect(recs[2].Line).To(Equal(4))
	})
})
