package fhir

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/lineindex"
	"github.com/carecert/carecert/model"
)

// Emit receives records as they are read. Returning an error stops reading; the
// error is returned by the reader unchanged.
type Emit func(*model.Record) error

// MaxDocument bounds one JSON or XML document (a resource or Bundle), after
// decompression.
const MaxDocument = 256 << 20

// maxLine bounds one NDJSON line. A longer line becomes a finding, not a crash
// or an unbounded allocation.
const maxLine = 64 << 20

// ReadFile reads a FHIR JSON file (a resource, a Bundle or NDJSON) or a FHIR
// XML file (a resource or a Bundle), optionally gzip-compressed (".gz"), and
// emits its records. Problems with the content become
// records with a Problem; only an unreadable path is an error.
func ReadFile(path string, emit Emit) error { return readFile(path, reading{}, emit) }

// XMLApartAbove is how large an XML document is, in bytes after
// decompression, before a run's checks read it apart (ReadFileApart).
// Reading an XML Bundle apart converts each entry's resource twice (in the
// Bundle's pass and when its record is checked): 1.2-1.4x the CPU at every
// size, for a memory cut that only large documents see. Measured on
// generated collection Bundles, 88c5ed4 (whole) against apart, alternated
// (docs/profiles.md, "An XML Bundle read apart only above 16 MiB"): at
// 16.4 MB whole peaks at 250-272 MiB, within the 300 MB goal, and apart at
// 243-253; at 8 MB apart peaks higher (177-196 against 155-177 MiB); at
// 24.5 MB whole passes the goal (371-379 against 244-258); at 164 MB apart
// holds 730 MiB against 2,039. A JSON Bundle's apart read costs no CPU (0.9-1.1x at 2k
// to 20k entries) and cuts its memory from 5k entries up: it is read apart
// at any size.
const XMLApartAbove = 16 << 20

// ReadFileApart is ReadFile for a run's checks, which validate each record
// on its own: a JSON Bundle's entries, and an XML Bundle's in a document
// larger than xmlAbove bytes (XMLApartAbove in a run; 0 reads every XML
// Bundle apart), are records read from their own bytes when a check asks
// (Load) and released after their checks, and the Bundle record holds its
// tree without them (EntriesApart), so that a large Bundle is never held
// whole; a smaller XML one is read as ReadFile reads it. Whoever reads a
// Bundle record's tree as the Bundle (a FHIRPath expression's
// %rootResource, a server's search result) reads with ReadFile, which
// keeps it whole.
func ReadFileApart(path string, xmlAbove int, emit Emit) error {
	return readFile(path, reading{apart: true, xmlAbove: xmlAbove}, emit)
}

// reading is how a file is read: apart or whole, and from what size an XML
// document is read apart.
type reading struct {
	apart    bool
	xmlAbove int
}

func readFile(path string, how reading, emit Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	size := int64(0)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return readStream(path, f, size, how, emit)
}

// ReadStream is ReadFile over an open stream named name.
func ReadStream(name string, r io.Reader, emit Emit) error {
	return readStream(name, r, 0, reading{}, emit)
}

// readStream is ReadStream; size, when known (a file's), is how many bytes
// r holds, so that a whole document is read into a buffer of its size
// instead of one grown by doubling (a Bundle file of megabytes was copied
// and cleared a dozen times on the way); how says whether a Bundle's
// entries are read apart from its tree (ReadFileApart).
func readStream(name string, r io.Reader, size int64, how reading, emit Emit) error {
	br := bufio.NewReaderSize(r, readBuffer(size))
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		size = 0 // the file's size is not the content's
		zr, err := gzip.NewReader(br)
		if err != nil {
			return emit(problem(name, 1, 0, "input.gzip", "not a readable gzip file: "+err.Error()))
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	head, _ = br.Peek(512)
	if p := sniffEncoding(name, head); p != nil {
		return emit(p)
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // a UTF-8 byte-order mark is harmless; JSON forbids it, so skip it
	}
	if isNDJSON(name, br) {
		return readNDJSON(name, br, emit)
	}
	// One document is parsed whole, so it is bounded: gzip turns 10 MB into
	// tens of GB. NDJSON streams and is bounded per line instead.
	data, err := readAll(io.LimitReader(br, MaxDocument+1), size)
	if err != nil {
		return emit(problem(name, 1, 0, "input.read", fmt.Sprintf("reading stopped: %v (records before this point are kept)", err)))
	}
	if len(data) > MaxDocument {
		return emit(problem(name, 1, 0, "input.size", fmt.Sprintf("a single JSON or XML document larger than %d MiB (decompressed) is not read; split it into NDJSON, which has no such limit", MaxDocument>>20)))
	}
	if isXML(name, data) {
		return readXMLDocument(name, data, how.apart && len(data) > how.xmlAbove, emit)
	}
	return readDocument(name, data, 1, 0, how.apart, emit)
}

// readBuffer is the size of the buffer a stream of size bytes (0: not
// known) is read through: 64 KiB, or room for all of a smaller file. What the
// reader peeks at (the head, an NDJSON first line) is then the same, and a
// folder of many small files does not allocate 64 KiB for each (200,000 XML
// files of 1.6 KB took 13 GB of buffers, 40 times their size).
func readBuffer(size int64) int {
	if size > 0 && size < 1<<16 {
		return max(int(size)+1, 512)
	}
	return 1 << 16
}

// readAll is io.ReadAll into a buffer of size bytes (and room to see the
// end of r), when size is known and within a document's bound.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > MaxDocument {
		return io.ReadAll(r)
	}
	b := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// sniffEncoding rejects content that is not UTF-8 text at all: empty input,
// UTF-16 and binary files.
func sniffEncoding(name string, head []byte) *model.Record {
	switch {
	case blank(head) && len(head) < 512:
		return problem(name, 1, 0, "input.empty", "empty file: no FHIR resources")
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return problem(name, 1, 0, "input.encoding", "file is UTF-16; FHIR JSON must be UTF-8")
	case bytes.IndexByte(head, 0) >= 0:
		return problem(name, 1, 0, "input.binary", "binary file: not FHIR JSON text")
	}
	return nil
}

// isNDJSON decides between one JSON document and newline-delimited JSON: by
// extension, or because the first line holds a complete object with more after.
func isNDJSON(name string, br *bufio.Reader) bool {
	lower := strings.ToLower(strings.TrimSuffix(name, ".gz"))
	if strings.HasSuffix(lower, ".ndjson") || strings.HasSuffix(lower, ".jsonl") {
		return true
	}
	head, _ := br.Peek(1 << 16)
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return false
	}
	first := bytes.Trim(head[:nl], jsonSpace)
	if len(first) < 2 || first[0] != '{' || first[len(first)-1] != '}' {
		return false
	}
	rest := bytes.TrimLeft(head[nl:], jsonSpace)
	return len(rest) > 0 && rest[0] == '{' && validJSON(first)
}

func validJSON(b []byte) bool {
	_, err := Decode(b)
	return err == nil
}

func readNDJSON(name string, br *bufio.Reader, emit Emit) error {
	var index int64
	for line := 1; ; line++ {
		raw, _, err := readLine(br)
		if !blank(raw) {
			next, e := emitLine(name, raw, line, index, emit)
			index = next
			if e != nil {
				return e
			}
		}
		if errors.Is(err, errLineTooLong) {
			if e := emit(problem(name, line, index, "input.size", fmt.Sprintf("line longer than %d MiB; skipped", maxLine>>20))); e != nil {
				return e
			}
			index++
			continue
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return emit(problem(name, line, index, "input.read", fmt.Sprintf("reading stopped: %v (records before this line are kept)", err)))
		}
	}
}

var errLineTooLong = errors.New("line too long")

// emitLine emits the records of one NDJSON line that is not blank: the
// line's resource, its parsing deferred, or a Bundle and its entries. It
// returns the index of the next record.
func emitLine(name string, raw []byte, line int, index int64, emit Emit) (int64, error) {
	if mayHoldBundle(raw) {
		return readBundleLine(name, raw, line, index, emit)
	}
	return index + 1, emit(deferredLine(name, raw, line, index))
}

// mayHoldBundle reports whether an NDJSON line may be a Bundle: whether the
// resourceType of its root object says "Bundle", or a root key or that
// type is written with an escape the reader would have to decode to tell.
// Any other line keeps its parsing deferred, a line that names "Bundle"
// elsewhere too (a reference's type, a Parameters holding a Bundle, a
// display): those were parsed eagerly, on the one reader's turn, and lost
// the bytes the stream path proves records from. A line that writes
// neither Bundle" nor a \u escape is not looked at further: only a \u
// escape can spell "resourceType" or "Bundle" otherwise (any other escape
// stands for a character neither holds), and a narrative's escaped quotes
// (\") are common. One with a comment is read at once, as before. Both
// searches start from a byte JSON rarely holds; "Bundle" with its opening
// quote, JSON's commonest byte, took about three times as long.
func mayHoldBundle(raw []byte) bool {
	if !bytes.Contains(raw, []byte(`Bundle"`)) && !bytes.Contains(raw, []byte(`\u`)) {
		return false
	}
	depth := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '/':
			// A comment (read under allow-comments) can stand anywhere
			// between a key and its value and hold brackets or quotes that
			// would mislead this count: only the decoder can tell what the
			// root says. JSON itself has no '/' outside a string.
			return true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			end := StringEnd(raw, i)
			if end < 0 {
				return false // not JSON: the decoder words the line's error
			}
			j := skipJSONSpace(raw, end)
			if depth == 1 && j < len(raw) && raw[j] == ':' {
				key := raw[i+1 : end-1]
				if bytes.IndexByte(key, '\\') >= 0 {
					return true
				}
				if string(key) == "resourceType" {
					v := skipJSONSpace(raw, j+1)
					if v < len(raw) && raw[v] == '"' {
						if vend := StringEnd(raw, v); vend > 0 {
							typ := raw[v+1 : vend-1]
							if string(typ) == "Bundle" || bytes.IndexByte(typ, '\\') >= 0 {
								return true // a repeated key is looked at again
							}
						}
					}
				}
			}
			i = end - 1
		}
	}
	return false
}

// StringEnd returns the index after the JSON string that starts at raw[i]
// (its opening quote), or -1 when it does not end. The readers that look at
// a record's bytes before decoding it (NDJSON's Bundle test, the profile
// engine's scan) skip strings with it.
func StringEnd(raw []byte, i int) int {
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON whitespace.
func skipJSONSpace(raw []byte, i int) int {
	for i < len(raw) && strings.IndexByte(jsonSpace, raw[i]) >= 0 {
		i++
	}
	return i
}

// readBundleLine reads an NDJSON line that may be a Bundle now, so that a
// Bundle's entries become records of their own, as they do in a JSON file:
// the walks leave a Bundle's entries to their own records (EntryIsRecord),
// so entries kept inside the line's record were never validated. Any other
// line gives its one record, as deferredLine's would. It returns the index
// of the next record.
func readBundleLine(name string, raw []byte, line int, index int64, emit Emit) (int64, error) {
	parsed, badLine, err := decodeDocument(raw, nil)
	if badLine > 0 || err != nil || ResourceType(parsed.res) != "Bundle" {
		return index + 1, emit(lineRecord(name, parsed, badLine, err, line, index))
	}
	syntax := func(rec *model.Record, docPath string) {
		addDuplicates(rec, parsed.dups, docPath, line, rec.Type == "Bundle")
		if docPath == "" {
			addComments(rec, parsed.comments, line)
		}
	}
	locate := func(string) model.Locator { return oneLine(line) }
	return resourceEmitter{name: name, locate: locate, syntax: syntax, emit: emit}.resource(parsed.res, "", line, index, nil)
}

// blank reports whether an NDJSON line holds only JSON whitespace (space,
// tab, CR, LF), as the decoders read it. A line holding any other space, a
// no-break space or a form feed, is a record whose error names it: it is no
// JSON value, and an empty one would have been written empty.
func blank(line []byte) bool {
	return len(bytes.TrimLeft(line, jsonSpace)) == 0
}

// readLine returns one line without its terminator, and how many bytes it
// consumed (terminator included). An over-long line is consumed and reported, so
// the lines after it are still read.
func readLine(br *bufio.Reader) ([]byte, int64, error) {
	var buf []byte
	var n int64
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if len(buf)+len(chunk) > maxLine {
			for errors.Is(err, bufio.ErrBufferFull) {
				chunk, err = br.ReadSlice('\n')
				n += int64(len(chunk))
			}
			if err == io.EOF || err == nil {
				return nil, n, errLineTooLong
			}
			return nil, n, err
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf, chunk...)
			continue
		}
		if buf == nil {
			// The usual line, whole in the reader's buffer: copied at its
			// size, which append would round up and clear past the end.
			line := bytes.TrimRight(chunk, "\r\n")
			own := make([]byte, len(line))
			copy(own, line)
			return own, n, err
		}
		buf = append(buf, chunk...)
		return bytes.TrimRight(buf, "\r\n"), n, err
	}
}

// deferredLine returns a record whose parsing is left to whoever Loads it.
// Its bytes are kept as Raw until then, for a check that can judge the
// record from them (check.Prover).
func deferredLine(name string, raw []byte, line int, index int64) *model.Record {
	return &model.Record{
		Kind:   model.KindFHIR,
		Source: name,
		Line:   line,
		Index:  index,
		Raw:    raw,
		Decode: decodeLine,
	}
}

// decodeLine is a deferred line's Decode: it reads what it needs from the
// record itself, so that no closure is made for each line.
func decodeLine(r *model.Record) { *r = *recordFromLine(r.Source, r.Raw, r.Line, r.Index) }

func recordFromLine(name string, raw []byte, line int, index int64) *model.Record {
	doc, badLine, err := decodeDocument(raw, nil)
	return lineRecord(name, doc, badLine, err, line, index)
}

// lineRecord is the record of an NDJSON line, from what decodeDocument
// made of it.
func lineRecord(name string, doc decoded, badLine int, err error, line int, index int64) *model.Record {
	switch {
	case badLine > 0:
		return problem(name, line, index, "input.encoding", "invalid UTF-8 (is the file Windows-1252 or Latin-1?); FHIR JSON must be UTF-8")
	case err != nil:
		return problem(name, line, index, "input.json", strings.TrimPrefix(err.Error(), "line 1: "))
	}
	rec := resourceRecord(name, doc.res, line, index, oneLine(line))
	addDuplicates(rec, doc.dups, "", line, false)
	addComments(rec, doc.comments, line)
	return rec
}

// decoded is one JSON document read for its records.
type decoded struct {
	res map[string]any
	// text is what was decoded: the document with its comments blanked.
	text     []byte
	comments []int
	dups     []DuplicateKey
	// lines holds the lines on which a Bundle's entry resources start (nil
	// when the document was read without a scan, or is no Bundle); left
	// says the scan left the resources out of res, and entries then
	// summarise the entries as it read them.
	entries []model.BundleEntry
	lines   lineindex.EntryLines
	left    bool
}

// decodeDocument reads one JSON document, a file or an NDJSON line. The
// usual document, plain well-formed JSON, is read in one pass: the one-pass
// decoder vouches for its UTF-8 and says whether any object repeated a key,
// so neither needs a scan of its own. Only what it defers is scanned for its
// encoding (badLine, the 1-based line of the first invalid UTF-8) and
// decoded again, past comments.
//
// scan, when not nil, notes a Bundle's entries in the same pass
// (bundleScan); a tree it cannot use is decoded again whole, by a scan that
// keeps the resources.
func decodeDocument(data []byte, scan *bundleScan) (doc decoded, badLine int, err error) {
	res, repeated, ok := decodeFastWith(data, scan)
	if ok && scan != nil && !scan.finish(res, data, repeated) {
		// a tree that cannot be used with its resources left out is read
		// again whole, its entries' lines noted as before
		scan = &bundleScan{}
		res, repeated, ok = decodeFastWith(data, scan)
		ok = ok && scan.finish(res, data, repeated)
	}
	if ok && scan != nil {
		doc.entries, doc.lines, doc.left = scan.entries, scan.lines, scan.left
	}
	if ok {
		doc.res, doc.text = res, data
		if repeated {
			doc.dups = DuplicateKeys(data)
		}
		return doc, 0, nil
	}
	if l := InvalidUTF8Line(data); l > 0 {
		return doc, l, nil
	}
	res, text, comments, err := decodeCommented(data)
	if err != nil {
		return doc, 0, err
	}
	return decoded{res: res, text: text, comments: comments, dups: DuplicateKeys(text)}, 0, nil
}

// decodeCommented decodes a JSON document that the one-pass decoder deferred
// (decodeDocument tried it), reading past comments: only when the text does
// not parse as it is, so that plain JSON pays nothing. It returns the text
// decoded (comments blanked) and the lines of the comments.
func decodeCommented(data []byte) (map[string]any, []byte, []int, error) {
	res, err := decodeSlow(data) // Decode, without the one-pass try already made
	if err == nil {
		return res, data, nil, nil
	}
	if clean, lines := stripComments(data); lines != nil {
		if r, cerr := Decode(clean); cerr == nil {
			return r, clean, lines, nil
		}
	}
	return nil, data, nil, err
}

// addComments gives a record an error for each comment of its document (an
// option of the run may accept them).
func addComments(rec *model.Record, lines []int, baseLine int) {
	for _, l := range lines {
		f := rec.Finding(model.Error, CodeJSONComment, rec.Type, "a comment in JSON: FHIR JSON has no comments (accept them with allow-comments)")
		f.Location.Line = baseLine + l - 1
		rec.Syntax = append(rec.Syntax, f)
	}
}

// oneLine locates a record written on one line (an NDJSON line): every path
// is on that line, so no path index is built and the line's bytes are not
// kept for one.
type oneLine int

func (l oneLine) Line(string) int { return int(l) }

// readDocument parses one whole JSON document. A Bundle is emitted as a record
// and each entry resource as a record of its own, located inside the file;
// apart leaves the entries' resources out of the Bundle's tree where the
// scan can (bundleScan.leaveOut).
func readDocument(name string, data []byte, baseLine int, index int64, apart bool, emit Emit) error {
	parsed, badLine, err := decodeDocument(data, &bundleScan{leaveOut: apart})
	if badLine > 0 {
		return emit(problem(name, baseLine+badLine-1, index, "input.encoding", "invalid UTF-8 (is the file Windows-1252 or Latin-1?); FHIR JSON must be UTF-8"))
	}
	if err != nil {
		var se *SyntaxError
		line := baseLine
		msg := err.Error()
		if errors.As(err, &se) {
			line, msg = baseLine+se.Line-1, se.Msg
		}
		return emit(problem(name, line, index, "input.json", msg))
	}
	// each entry's record is placed by the line its scan noted, so that a
	// clean Bundle builds no index of its paths
	doc := lineindex.NewKnowing(parsed.text, baseLine, jsonLines, parsed.lines)
	locate := func(p string) model.Locator { return doc.Locator(p) }
	syntax := func(rec *model.Record, docPath string) {
		addDuplicates(rec, parsed.dups, docPath, baseLine, rec.Type == "Bundle")
		if docPath == "" {
			addComments(rec, parsed.comments, baseLine)
		}
	}
	em := resourceEmitter{name: name, locate: locate, syntax: syntax, emit: emit, entries: parsed.entries}
	if parsed.left {
		// the entries' records are read from the document's bytes, and
		// numbered before the Bundle's record is handed to the checks
		em.raw, em.apart = data, jsonEntryRecord
		numberEntries(parsed.entries, index+1)
	}
	_, err = em.resource(parsed.res, "", baseLine, index, nil)
	return err
}

// addDuplicates gives a record the duplicate keys of its document that are
// in its resource (at docPath), not in a Bundle's entry resources (records of
// their own), as errors at the repeated key.
func addDuplicates(rec *model.Record, dups []DuplicateKey, docPath string, baseLine int, bundle bool) {
	for _, d := range dups {
		obj, ok := ownPath(d.Path, docPath, bundle)
		if !ok {
			continue
		}
		at := DuplicateKey{Path: obj, Key: d.Key}.At()
		f := rec.Finding(model.Error, "input.duplicate-key", joinPath(rec.Type, at),
			fmt.Sprintf("duplicate JSON property %q at column %d: the object already has it, and only one of the values would be read", d.Key, d.Column))
		f.Location.Line = baseLine + d.Line - 1
		rec.Syntax = append(rec.Syntax, f)
	}
}

// ownPath returns a document path relative to the record at docPath, and
// whether the record holds it: inside its resource and, for a Bundle, not
// inside an entry's resource, which is a record of its own.
func ownPath(path, docPath string, bundle bool) (string, bool) {
	rel, ok := relativeTo(path, docPath)
	if !ok {
		return "", false
	}
	if bundle && strings.HasPrefix(rel, "entry[") {
		if _, rest, _ := strings.Cut(rel, "]"); rest == ".resource" || strings.HasPrefix(rest, ".resource.") || strings.HasPrefix(rest, ".resource[") {
			return "", false
		}
	}
	return rel, true
}

// addXMLIssues gives a record the issues of its XML document that are in its
// resource, as errors at their element and line.
func addXMLIssues(rec *model.Record, issues []fhirxml.Issue, docPath string, bundle bool) {
	for _, is := range issues {
		rel, ok := ownPath(is.Path, docPath, bundle)
		if !ok {
			continue
		}
		f := rec.Finding(model.Error, is.Code, joinPath(rec.Type, rel), is.Msg)
		f.Location.Line = is.Line
		rec.Syntax = append(rec.Syntax, f)
	}
}

// relativeTo returns path relative to a resource at docPath, and whether it
// is inside that resource at all.
func relativeTo(path, docPath string) (string, bool) {
	if docPath == "" {
		return path, true
	}
	if path == docPath {
		return "", true
	}
	if rest, ok := strings.CutPrefix(path, docPath); ok && (rest[0] == '.' || rest[0] == '[') {
		return strings.TrimPrefix(rest, "."), true
	}
	return "", false
}

// isXML decides between FHIR JSON and FHIR XML: by extension, or because the
// content starts with '<'.
func isXML(name string, data []byte) bool {
	lower := strings.ToLower(strings.TrimSuffix(name, ".gz"))
	if strings.HasSuffix(lower, ".xml") {
		return true
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '<'
}

// readXMLDocument reads one FHIR XML document: a resource or a Bundle, whose
// entries become records as in JSON. A Bundle's entries are read one at a
// time (fhirxml.DecodeBundle): the Bundle's record holds its tree without
// them and the document as Raw, each entry's record its resource's bytes,
// converted again when a check asks (Load) and released after its checks,
// except in a Bundle whose rules read across its entries' resources
// (xmlEntries.alone), which is read whole, as every Bundle is without
// apart.
func readXMLDocument(name string, data []byte, apart bool, emit Emit) error {
	if l := InvalidUTF8Line(data); l > 0 {
		return emit(problem(name, l, 0, "input.encoding", "invalid UTF-8 (is the file Windows-1252 or Latin-1?); FHIR XML must be UTF-8"))
	}
	var read xmlEntries
	var res map[string]any
	var issues []fhirxml.Issue
	var doc *fhirxml.Document
	var err error
	decoded := apart
	if apart {
		res, issues, doc, apart, err = fhirxml.DecodeBundle(data, bundleApart, read.note)
	}
	if apart && !read.alone(res) {
		apart, decoded = false, false
	}
	if !decoded {
		res, issues, doc, err = fhirxml.DecodeDocument(data)
	}
	if err != nil {
		line, msg := 1, err.Error()
		var se *fhirxml.SyntaxError
		if errors.As(err, &se) {
			line, msg = se.Line, se.Msg
		}
		return emit(problem(name, line, 0, "input.xml", msg))
	}
	locate := func(p string) model.Locator { return doc.Locator(p) }
	asXML := func(rec *model.Record) error {
		rec.Format = model.FormatXML
		return emit(rec)
	}
	var syntax func(*model.Record, string)
	if len(issues) > 0 {
		syntax = func(rec *model.Record, docPath string) { addXMLIssues(rec, issues, docPath, rec.Type == "Bundle") }
	}
	em := resourceEmitter{name: name, locate: locate, syntax: syntax, emit: asXML}
	if apart {
		em.entries, em.raw, em.apart = read.summaries(res, 1), data, read.record
	}
	_, err = em.resource(res, "", 1, 0, nil)
	return err
}

// xmlEntries are the entries of an XML Bundle read one at a time, as
// fhirxml.DecodeBundle hands them over: each summarised at once (the
// resource is not kept), with what reading it again alone needs.
type xmlEntries struct {
	noted []model.BundleEntry
	// at is each noted entry's item of Bundle.entry, base the line its
	// resource's first byte is on and line the line of its start tag.
	at, base, line []int
	// nested says an entry is itself a Bundle, whose entries are records
	// too: the Bundle is read whole.
	nested bool
}

// note summarises one entry's resource as DecodeBundle hands it over; it
// says to stop at an entry that is itself a Bundle, which keeps the Bundle
// whole (alone).
func (x *xmlEntries) note(e fhirxml.Entry) bool {
	s := model.BundleEntry{Start: e.Start, End: e.End, Namespaces: e.Namespaces}
	// a Bundle read apart is neither a document nor a message (alone): its
	// entries have no graph, so no links are collected
	summarizeResource(&s, e.Resource, false)
	x.noted = append(x.noted, s)
	x.at = append(x.at, e.Index)
	x.base = append(x.base, e.Base)
	x.line = append(x.line, e.Line)
	x.nested = x.nested || s.ResourceType == "Bundle"
	return !x.nested
}

// bundleApart reports whether the root Bundle read so far (its elements
// before the first entry, where FHIR XML writes its type) may have its
// entries read apart, for DecodeBundle to stop reading one that may not.
func bundleApart(bundle map[string]any) bool {
	return apartAllowed(bundleType(bundle), signed(bundle))
}

// alone reports whether the Bundle bundle (its tree without the entries'
// resources) can be checked with its entries read apart, as a JSON
// Bundle's are (bundleScan.finish): not a signed one, a document or a
// message, nor one with an entry that is itself a Bundle.
func (x *xmlEntries) alone(bundle map[string]any) bool {
	return !x.nested && apartAllowed(bundleType(bundle), signed(bundle))
}

// summaries makes the Bundle record's Entries, one per item of
// Bundle.entry, from the skeleton bundle and the noted resources,
// numbering the records of the entries with a resource from first (the
// Bundle's own record is first-1), in the order they are emitted.
func (x *xmlEntries) summaries(bundle map[string]any, first int64) []model.BundleEntry {
	list, _ := bundle["entry"].([]any)
	out := make([]model.BundleEntry, len(list))
	for k, i := range x.at {
		out[i] = x.noted[k]
	}
	for i, item := range list {
		if em, ok := item.(map[string]any); ok {
			summarizeEntry(&out[i], em)
		}
	}
	numberEntries(out, first)
	x.noted = nil
	return out
}

// numberEntries numbers the records of the entries of a Bundle read apart
// that have a resource, from first (the Bundle's own record is first-1),
// in the order they are emitted.
func numberEntries(entries []model.BundleEntry, first int64) {
	for i := range entries {
		if entries[i].HasResource {
			entries[i].Record = first
			first++
		}
	}
}

// record is the record of entry i of the XML Bundle record bundle, read
// apart: its resource's bytes (Raw), converted again when a check asks
// (Load) in the namespace bindings in scope at its start, with the issues
// of how it is written, and located from its own elements.
func (x *xmlEntries) record(name string, bundle *model.Record, i int, index int64, _ model.Locator) *model.Record {
	e := &bundle.Entries[i]
	k, _ := slices.BinarySearch(x.at, i)
	base, line := x.base[k], x.line[k]
	text := bundle.Raw[e.Start:e.End]
	loc := fhirxml.EntryDocument(text, e.Namespaces, base, line).Locator("")
	return spannedRecord(name, bundle, i, index, line, loc, func(r *model.Record) {
		res, issues, _, err := fhirxml.DecodeEntry(r.Raw, e.Namespaces, base)
		if err != nil {
			readAgainFailed(r, "input.xml", err)
			return
		}
		r.Value = res
		addXMLIssues(r, issues, "", false)
	})
}

// EntryIsRecord reports whether the resource at path, as a walk of a
// record writes it from the record's root ("Bundle.entry[2].resource"), is
// a record of its own: the reader makes records of the entries of the
// record's Bundle (an entry that is a Bundle is a record, and so are its
// entries, again), never of a Bundle held otherwise (a parameter's
// resource, a contained one), whose entries are the walk's to visit.
func EntryIsRecord(path string) bool {
	rest, ok := strings.CutPrefix(path, "Bundle.entry[")
	if !ok {
		return false
	}
	i := strings.IndexByte(rest, ']')
	return i >= 0 && rest[i+1:] == ".resource"
}

// resourceEmitter emits the records of one document named name: a
// resource, and the entries of a Bundle after it.
type resourceEmitter struct {
	name   string
	locate func(docPath string) model.Locator
	// syntax (which may be nil) adds what the reader found about how each
	// record is written.
	syntax func(*model.Record, string)
	emit   Emit
	// entries, when not nil, summarise the entries of the document's root
	// Bundle as its scan read them (Record.Entries); raw, when not nil, is
	// the document whose bytes hold the resources its reader left out of
	// the Bundle's tree (the Bundle record's Raw), and apart makes the
	// record of such an entry (entry i of bundle, as record index, which
	// the document locates with loc).
	entries []model.BundleEntry
	raw     []byte
	apart   func(name string, bundle *model.Record, i int, index int64, loc model.Locator) *model.Record
}

// resource emits res, found at docPath in the document, as record index,
// and the entries of a Bundle after it (container is the Bundle's record).
// It returns the index of the next record.
func (em resourceEmitter) resource(res map[string]any, docPath string, line int, index int64, container *model.Record) (int64, error) {
	loc := em.locate(docPath)
	if docPath != "" {
		line = loc.Line(ResourceType(res))
	}
	rec := resourceRecord(em.name, res, line, index, loc)
	rec.Container = container
	if docPath == "" {
		rec.Entries, rec.Raw = em.entries, em.raw
	}
	if em.syntax != nil {
		em.syntax(rec, docPath)
	}
	if err := em.emit(rec); err != nil {
		return index, err
	}
	index++
	if rec.Type != "Bundle" {
		return index, nil
	}
	entries, _ := res["entry"].([]any)
	for i, e := range entries {
		entry, _ := e.(map[string]any)
		inner, ok := entry["resource"].(map[string]any)
		p := joinPath(docPath, "entry["+strconv.Itoa(i)+"].resource")
		var err error
		switch {
		case ok:
			index, err = em.resource(inner, p, line, index, rec)
		case em.raw != nil && i < len(rec.Entries) && rec.Entries[i].HasResource:
			// left out of the tree by the Bundle's reader
			err = em.emit(em.apart(em.name, rec, i, index, em.locate(p)))
			index++
		}
		if err != nil {
			return index, err
		}
	}
	return index, nil
}

// spannedRecord is the record of entry i of the Bundle record bundle,
// whose resource the Bundle's reader left out of its tree, on line: its
// bytes are kept as Raw and decoded from them when a check asks (Load), as
// an NDJSON line's are, so that a Bundle's entries are decoded one at a
// time and each is released after its checks.
func spannedRecord(name string, bundle *model.Record, i int, index int64, line int, loc model.Locator, decode func(*model.Record)) *model.Record {
	e := bundle.Entries[i]
	return &model.Record{
		Kind:      model.KindFHIR,
		Source:    name,
		Line:      line,
		Index:     index,
		Type:      e.ResourceType,
		ID:        e.ID,
		Raw:       bundle.Raw[e.Start:e.End],
		Locator:   loc,
		Container: bundle,
		Decode:    decode,
	}
}

// jsonEntryRecord is the record of entry i of a JSON Bundle record read
// apart, placed where the document (loc) has its resource.
func jsonEntryRecord(name string, bundle *model.Record, i int, index int64, loc model.Locator) *model.Record {
	return spannedRecord(name, bundle, i, index, loc.Line(bundle.Entries[i].ResourceType), loc, decodeSpan)
}

// decodeSpan decodes the resource of a spannedRecord from its bytes, which
// the Bundle's scan has read once already (a problem here is carecert's).
func decodeSpan(r *model.Record) {
	res, err := Decode(r.Raw)
	if err != nil {
		readAgainFailed(r, "input.json", err)
		return
	}
	r.Value = res
}

// readAgainFailed makes err, from decoding again the resource of a
// spannedRecord that its Bundle's reader read once already, the record's
// Problem: carecert's, under the reader's code.
func readAgainFailed(r *model.Record, code string, err error) {
	f := r.Finding(model.Error, code, "", "carecert could not read again an entry it read before: "+err.Error())
	r.Problem = &f
}

func resourceRecord(name string, res map[string]any, line int, index int64, loc model.Locator) *model.Record {
	return &model.Record{
		Kind:    model.KindFHIR,
		Source:  name,
		Line:    line,
		Index:   index,
		Type:    ResourceType(res),
		ID:      ID(res),
		Value:   res,
		Locator: loc,
	}
}

func problem(name string, line int, index int64, code, msg string) *model.Record {
	return &model.Record{
		Kind:   model.KindFHIR,
		Source: name,
		Line:   line,
		Index:  index,
		Problem: &model.Finding{
			Severity: model.Error,
			Code:     code,
			Message:  msg,
			Location: model.Location{File: name, Line: line},
		},
	}
}
