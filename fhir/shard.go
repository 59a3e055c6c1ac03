package fhir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadNDJSONRange reads the NDJSON records of path whose lines start in the byte
// range [start, end). Shards of one file read disjoint ranges and together read
// every record exactly once. Line numbers and record indexes stay those of the
// whole file: the bytes before start are scanned for line ends (not parsed),
// so a shard after a Bundle's line (whose entries are records of their own)
// counts that line as one record, and numbers its records lower than a whole
// read does (a record without an id is named by its index).
func ReadNDJSONRange(path string, start, end int64, emit Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	line, index, partialBlank, err := countLines(f, start)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	pos := start
	if !atLineStart(f, start) {
		// The line straddling start belongs to the shard where it began.
		rest, n, err := readLine(br)
		if !partialBlank || !blank(rest) {
			index++
		}
		line++
		pos += n
		if err != nil {
			return nil
		}
	}
	for pos < end {
		raw, n, err := readLine(br)
		if !blank(raw) {
			next, e := emitLine(path, raw, line, index, emit)
			index = next
			if e != nil {
				return e
			}
		}
		if errors.Is(err, errLineTooLong) {
			if e := emit(problem(path, line, index, "input.size", fmt.Sprintf("line longer than %d MiB; skipped", maxLine>>20))); e != nil {
				return e
			}
			index++
			err = nil
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return emit(problem(path, line, index, "input.read", fmt.Sprintf("reading stopped: %v (records before this line are kept)", err)))
		}
		pos += n
		line++
	}
	return nil
}

func atLineStart(r io.ReaderAt, off int64) bool {
	if off == 0 {
		return true
	}
	prev := make([]byte, 1)
	_, err := r.ReadAt(prev, off-1)
	return err == nil && prev[0] == '\n'
}

// countLines scans the first n bytes: the line number at n, how many non-blank
// lines ended before it, and whether the unfinished line at n is blank so far.
func countLines(r io.ReaderAt, n int64) (line int, index int64, blank bool, err error) {
	line, blank = 1, true
	buf := make([]byte, 1<<20)
	for off := int64(0); off < n; {
		chunk := buf[:min(int64(len(buf)), n-off)]
		k, rerr := r.ReadAt(chunk, off)
		for _, c := range chunk[:k] {
			switch c {
			case '\n':
				line++
				if !blank {
					index++
				}
				blank = true
			case ' ', '\t', '\r': // JSON whitespace, as blank has it
			default:
				blank = false
			}
		}
		off += int64(k)
		if rerr != nil && !(errors.Is(rerr, io.EOF) && off >= n) {
			return 0, 0, false, rerr
		}
		if k == 0 {
			break
		}
	}
	return line, index, blank, nil
}
