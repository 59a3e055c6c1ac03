// Package tabular reads delimited text extracts (CSV, TSV) as a stream of rows:
// RFC 4180 quoting, any one-byte delimiter, a header row mapped to column names,
// UTF-8 with or without a byte-order mark and Windows-1252 (detected and
// reported), gzip, and the physical line every row starts on. Bad input (a ragged
// row, an unclosed quote) becomes a record with a Problem at its line and reading
// carries on with the next row, so one broken row never hides the rest of a file.
package tabular

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/carecert/carecert/model"
)

// Encoding names how a row's bytes were decoded.
type Encoding string

const (
	UTF8        Encoding = "utf-8"
	UTF8BOM     Encoding = "utf-8-bom"
	Windows1252 Encoding = "windows-1252"
	// UTF16 is what spreadsheet programs write as "Unicode text"; it is
	// recognised by its byte-order mark and decoded.
	UTF16 Encoding = "utf-16"
)

// maxLine bounds one physical line; a longer one is a finding, not an
// unbounded allocation.
const maxLine = 16 << 20

// Options say how to read a file. The zero value reads comma-separated text
// with a header row, detecting the encoding.
type Options struct {
	// Table is the record Type of every row; empty means the file's base name
	// without extensions ("cld_q2.csv.gz" → "cld_q2").
	Table string
	// Delimiter separates fields; 0 means ',' (or '\t' for .tsv files).
	Delimiter byte
	// NoHeader says the first line is data; Columns then names the columns.
	NoHeader bool
	Columns  []string
	// Rename maps header names as the file spells them to the names the suite
	// uses ("NHS No" → "NHS_Number").
	Rename map[string]string
	// Encoding is "auto" (or empty), "utf-8" or "windows-1252".
	Encoding string
	// Key names the column whose value becomes the record ID.
	Key string
	// Baseline marks every row as part of the previous submission.
	Baseline bool
	// HasBaseline says a baseline was read before this file, so that checks
	// comparing submissions know to remember the current one.
	HasBaseline bool
	// MaxRecordLines bounds how many physical lines one quoted field may span
	// before the quote is taken to be unclosed; 0 means 50.
	MaxRecordLines int
}

// Header is the column layout of one file, shared by all its rows.
type Header struct {
	Table string
	File  string
	// Line is the header's line (0 when the file has none).
	Line   int
	Names  []string
	index  map[string]int
	folded map[string]int
}

// NewHeader builds a header from column names; the first of duplicate names wins.
func NewHeader(table, file string, line int, names []string) *Header {
	h := &Header{Table: table, File: file, Line: line, Names: names, index: map[string]int{}, folded: map[string]int{}}
	for i, n := range names {
		if _, dup := h.index[n]; !dup {
			h.index[n] = i
		}
		f := strings.ToLower(strings.TrimSpace(n))
		if _, dup := h.folded[f]; !dup {
			h.folded[f] = i
		}
	}
	return h
}

// Index returns the position of the named column, matching exactly first and
// then ignoring case and surrounding spaces; -1 when absent.
func (h *Header) Index(name string) int {
	if i, ok := h.index[name]; ok {
		return i
	}
	if i, ok := h.folded[strings.ToLower(strings.TrimSpace(name))]; ok {
		return i
	}
	return -1
}

// Row is the Value of a CSV record: the decoded fields of one data row and the
// header that names them. Rows are read-only once emitted.
type Row struct {
	Header *Header
	Fields []string
	// Number is the 1-based position of the row among the file's data rows.
	Number int64
	// Encoding is how the row's bytes were decoded.
	Encoding Encoding
	// Recoded is set when the row's bytes were not valid in the encoding the
	// file was read as (a wrong or mixed encoding) and were decoded as
	// Windows-1252 to keep checking.
	Recoded bool
	// Baseline marks rows of the previous submission given as a baseline.
	Baseline bool
	// HasBaseline marks rows of a submission read with a baseline.
	HasBaseline bool

	// cache holds values derived from the row that several checks share (the
	// expression environment), usually one or two. A record is observed by one
	// worker at a time.
	cache []cached
}

type cached struct {
	key   string
	value any
}

// Get returns the named column's value and whether the header has the column.
func (r *Row) Get(name string) (string, bool) {
	i := r.Header.Index(name)
	if i < 0 || i >= len(r.Fields) {
		return "", i >= 0
	}
	return r.Fields[i], true
}

// Cached returns the value stored under key, building it on first use.
func (r *Row) Cached(key string, build func() any) any {
	for i := range r.cache {
		if r.cache[i].key == key {
			return r.cache[i].value
		}
	}
	v := build()
	r.cache = append(r.cache, cached{key, v})
	return v
}

// RowOf returns the Row of a CSV record, or nil.
func RowOf(rec *model.Record) *Row {
	if rec.Kind != model.KindCSV {
		return nil
	}
	r, _ := rec.Value.(*Row)
	return r
}

// RowName is how findings name a row: "row 12".
func RowName(n int64) string { return fmt.Sprintf("row %d", n) }

// Emit receives records in file order; an error stops reading and is returned.
type Emit func(*model.Record) error

// TableName is the default table name of a file: its base name without
// extensions.
func TableName(path string) string {
	base := filepath.Base(path)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

// ReadFile reads a CSV file (gzip-compressed when it starts with the gzip magic
// bytes) and emits a record per row. Only an unopenable file is an error.
func ReadFile(path string, opts Options, emit Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	return Read(path, f, opts, emit)
}

// Read is ReadFile over an open stream named name.
func Read(name string, r io.Reader, opts Options, emit Emit) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return emit(problemRecord(name, opts.table(name), 1, 0, "csv.gzip", "not a readable gzip file: "+err.Error()))
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	utf16 := false
	if head, _ := br.Peek(2); len(head) == 2 && (head[0] == 0xff && head[1] == 0xfe || head[0] == 0xfe && head[1] == 0xff) {
		utf16 = true
		br = bufio.NewReaderSize(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Reader(br), 1<<16)
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = ','
		if strings.HasSuffix(strings.TrimSuffix(strings.ToLower(name), ".gz"), ".tsv") {
			opts.Delimiter = '\t'
		}
	}
	if opts.MaxRecordLines <= 0 {
		opts.MaxRecordLines = 50
	}
	rd := &reader{name: name, table: opts.table(name), opts: opts, lines: lineSource{r: br, mode: opts.Encoding, utf16: utf16}}
	return rd.run(emit)
}

func (o Options) table(name string) string {
	if o.Table != "" {
		return o.Table
	}
	return TableName(name)
}

// line is one physical line, decoded.
type line struct {
	text    string
	no      int
	enc     Encoding
	recoded bool
	tooLong bool
}

// lineSource yields decoded physical lines and takes lines back for re-reading
// after an unclosed quote.
type lineSource struct {
	r       *bufio.Reader
	mode    string
	no      int
	pending []line
	buf     []byte
	// enc is the file's encoding as known so far; multibyte records that valid
	// UTF-8 with more than ASCII was seen, which rules Windows-1252 out.
	enc       Encoding
	multibyte bool
	utf16     bool
	err       error
}

func (s *lineSource) next() (line, bool) {
	if n := len(s.pending); n > 0 {
		l := s.pending[0]
		s.pending = s.pending[1:]
		return l, true
	}
	if s.err != nil {
		return line{}, false
	}
	s.buf = s.buf[:0]
	tooLong := false
	for {
		chunk, err := s.r.ReadSlice('\n')
		if !tooLong {
			s.buf = append(s.buf, chunk...)
		}
		if len(s.buf) > maxLine {
			tooLong, s.buf = true, s.buf[:0]
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			s.err = err
			if len(s.buf) == 0 {
				return line{}, false
			}
		}
		break
	}
	s.no++
	if tooLong {
		return line{no: s.no, enc: s.enc, tooLong: true}, true
	}
	b := bytes.TrimRight(s.buf, "\r\n")
	if s.no == 1 {
		s.enc = UTF8
		if s.utf16 {
			s.enc = UTF16
		}
		if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
			b = b[3:]
			s.enc = UTF8BOM
		}
		if s.mode == string(Windows1252) {
			s.enc = Windows1252
		}
	}
	return s.decode(b), true
}

// readErr is the error that stopped reading, other than the end of the input.
func (s *lineSource) readErr() error {
	if s.err == nil || errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}

func (s *lineSource) decode(b []byte) line {
	l := line{no: s.no, enc: s.enc}
	if s.enc == Windows1252 && s.mode == string(Windows1252) {
		l.text = decode1252(b)
		return l
	}
	if isASCII(b) {
		l.text = string(b)
		return l
	}
	if utf8.Valid(b) {
		l.text = string(b)
		if s.enc == Windows1252 {
			// UTF-8 text in a file taken to be Windows-1252: mixed encodings.
			l.enc, l.recoded = UTF8, true
			return l
		}
		s.multibyte = true
		return l
	}
	l.text = decode1252(b)
	switch {
	case s.enc == Windows1252:
		l.enc = Windows1252
	case s.mode == "" || s.mode == "auto":
		if !s.multibyte && s.enc == UTF8 {
			// Nothing so far contradicts Windows-1252: that is what the file is.
			s.enc = Windows1252
			l.enc = Windows1252
			return l
		}
		l.enc, l.recoded = Windows1252, true
	default:
		l.enc, l.recoded = Windows1252, true
	}
	return l
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func decode1252(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

type reader struct {
	name, table string
	opts        Options
	lines       lineSource
	header      *Header
	rows        int64
	index       int64
	// scratch buffers reused across rows
	field  []byte
	bounds []int
}

func (rd *reader) run(emit Emit) error {
	if rd.opts.NoHeader {
		if len(rd.opts.Columns) == 0 {
			return emit(problemRecord(rd.name, rd.table, 1, 0, "csv.header", "no header row and no columns given: name the columns"))
		}
		rd.header = NewHeader(rd.table, rd.name, 0, rd.rename(rd.opts.Columns))
	}
	for {
		fields, first, last, p := rd.record()
		if fields == nil && p == nil {
			break
		}
		if p != nil {
			if err := rd.emitProblem(emit, first.no, p.code, p.msg); err != nil {
				return err
			}
			continue
		}
		if rd.header == nil {
			if err := rd.setHeader(fields, first.no, emit); err != nil {
				return err
			}
			continue
		}
		if len(fields) != len(rd.header.Names) {
			msg := fmt.Sprintf("row has %d field(s); the header has %d column(s)", len(fields), len(rd.header.Names))
			if err := rd.emitProblem(emit, first.no, "csv.ragged", msg); err != nil {
				return err
			}
			rd.rows++
			continue
		}
		rd.rows++
		row := &Row{Header: rd.header, Fields: fields, Number: rd.rows, Encoding: first.enc, Baseline: rd.opts.Baseline, HasBaseline: rd.opts.HasBaseline}
		row.Recoded = first.recoded || last.recoded
		if last.enc != first.enc && !row.Recoded {
			row.Encoding = last.enc
		}
		rec := &model.Record{Kind: model.KindCSV, Source: rd.name, Line: first.no, Index: rd.index, Type: rd.table, Value: row}
		if rd.opts.Key != "" {
			rec.ID, _ = row.Get(rd.opts.Key)
			rec.ID = strings.TrimSpace(rec.ID)
		}
		rd.index++
		if err := emit(rec); err != nil {
			return err
		}
	}
	if err := rd.lines.readErr(); err != nil {
		return rd.emitProblem(emit, rd.lines.no+1, "csv.read", fmt.Sprintf("reading stopped: %v (rows before this point are kept)", err))
	}
	if rd.header == nil {
		return rd.emitProblem(emit, 1, "csv.empty", "empty file: no header row")
	}
	return nil
}

func (rd *reader) rename(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		n = strings.TrimSpace(n)
		if to, ok := rd.opts.Rename[n]; ok {
			n = to
		}
		out[i] = n
	}
	return out
}

func (rd *reader) setHeader(fields []string, no int, emit Emit) error {
	names := rd.rename(fields)
	rd.header = NewHeader(rd.table, rd.name, no, names)
	seen := map[string]bool{}
	for i, n := range names {
		switch {
		case n == "":
			if err := rd.emitProblem(emit, no, "csv.header", fmt.Sprintf("header column %d has no name", i+1)); err != nil {
				return err
			}
		case seen[n]:
			if err := rd.emitProblem(emit, no, "csv.header", fmt.Sprintf("header names column %q twice; the first is used", n)); err != nil {
				return err
			}
		}
		seen[n] = true
	}
	return nil
}

func (rd *reader) emitProblem(emit Emit, no int, code, msg string) error {
	rec := problemRecord(rd.name, rd.table, no, rd.index, code, msg)
	rd.index++
	return emit(rec)
}

func problemRecord(name, table string, no int, index int64, code, msg string) *model.Record {
	f := &model.Finding{Severity: model.Error, Code: code, Message: msg,
		Location: model.Location{File: name, Line: no, Record: fmt.Sprintf("line %d", no)}}
	return &model.Record{Kind: model.KindCSV, Source: name, Line: no, Index: index, Type: table, Problem: f}
}

type parseProblem struct{ code, msg string }

// record parses the next record. It returns nil fields and nil problem at the
// end of input. first and last are the record's first and last lines.
func (rd *reader) record() (fields []string, first, last line, p *parseProblem) {
	for {
		l, ok := rd.lines.next()
		if !ok {
			return nil, line{}, line{}, nil
		}
		if l.tooLong {
			return nil, l, l, &parseProblem{"csv.line-too-long", fmt.Sprintf("the line is longer than %d MiB; it was skipped", maxLine>>20)}
		}
		if l.text == "" {
			continue // blank lines carry no row
		}
		return rd.parse(l)
	}
}

// parse reads one record starting at line l, pulling more lines while a quoted
// field is open.
func (rd *reader) parse(l line) ([]string, line, line, *parseProblem) {
	d := rd.opts.Delimiter
	first, cur := l, l
	var spanned []line // lines after the first, kept to re-read them after an unclosed quote
	rd.field = rd.field[:0]
	rd.bounds = rd.bounds[:0]
	const (
		start = iota
		unquoted
		quoted
		afterQuote
	)
	state := start
	var bad *parseProblem
	text := l.text
	for {
		for i := 0; i < len(text); i++ {
			c := text[i]
			switch state {
			case start:
				switch c {
				case '"':
					state = quoted
				case d:
					rd.bounds = append(rd.bounds, len(rd.field))
				default:
					rd.field = append(rd.field, c)
					state = unquoted
				}
			case unquoted:
				if c == d {
					rd.bounds = append(rd.bounds, len(rd.field))
					state = start
				} else {
					// A quote inside an unquoted field is kept as text, as most
					// spreadsheet programs do.
					rd.field = append(rd.field, c)
				}
			case quoted:
				if c == '"' {
					state = afterQuote
				} else {
					rd.field = append(rd.field, c)
				}
			case afterQuote:
				switch c {
				case '"':
					rd.field = append(rd.field, '"')
					state = quoted
				case d:
					rd.bounds = append(rd.bounds, len(rd.field))
					state = start
				default:
					if bad == nil {
						bad = &parseProblem{"csv.quote", fmt.Sprintf("text %q follows a closing quote: quotes inside a quoted field must be doubled", excerpt(text[i:]))}
					}
					rd.field = append(rd.field, c)
					state = unquoted
				}
			}
		}
		if state != quoted {
			break
		}
		// The quoted field goes on past the end of the line.
		next, ok := rd.lines.next()
		if !ok || len(spanned)+1 >= rd.opts.MaxRecordLines {
			if ok {
				spanned = append(spanned, next)
			}
			return rd.unclosed(first, spanned, !ok)
		}
		spanned = append(spanned, next)
		rd.field = append(rd.field, '\n')
		cur = next
		text = next.text
	}
	rd.bounds = append(rd.bounds, len(rd.field))
	if len(spanned) > 0 && (bad != nil || rd.header != nil && len(rd.bounds) != len(rd.header.Names)) {
		// A field that spans lines and leaves a ragged row, or closes only to
		// be followed by text, is far more often a stray quote than a real
		// multi-line value: re-read from the next line.
		return rd.unclosed(first, spanned, false)
	}
	if bad != nil {
		return nil, first, cur, bad
	}
	all := string(rd.field)
	out := make([]string, len(rd.bounds))
	from := 0
	for i, to := range rd.bounds {
		out[i] = all[from:to]
		from = to
	}
	return out, first, cur, nil
}

func (rd *reader) unclosed(first line, spanned []line, atEOF bool) ([]string, line, line, *parseProblem) {
	rd.lines.pending = append(spanned, rd.lines.pending...)
	msg := fmt.Sprintf("a quote opened on this line is not closed on it, and closing it later would leave a broken row; reading resumes at line %d", first.no+1)
	if atEOF && len(spanned) == 0 {
		msg = "a quote opened on this line is never closed"
	}
	return nil, first, first, &parseProblem{"csv.unclosed-quote", msg}
}

func excerpt(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
