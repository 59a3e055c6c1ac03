// Package hl7v2files is the hl7v2 target family: HL7 v2 ER7 messages read
// from a file or, recursively, a folder (.hl7, .er7, plain or gzip, batches
// too), one record per message. Its readers are shared by the families that
// receive or generate messages (mllptarget, fixturefeed).
package hl7v2files

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// Doc describes the hl7v2 target type for `carecert checks`.
const Doc = "HL7 v2 ER7 messages: a file (.hl7, .er7, plain or .gz, batches too) or a folder of them"

// Register adds the hl7v2 target type to a target registry.
func Register(r *target.Registry) { target.Define(r, "hl7v2", Doc, target.NoOptions{}, open) }

// Open opens an HL7 v2 file or folder target. It takes no options.
var Open = target.Typed(target.NoOptions{}, open)

// feed reads HL7 v2 ER7 messages from a file or, recursively, a folder.
type feed struct {
	path string
}

func open(spec target.Spec, _ target.NoOptions) (target.Target, error) {
	p, err := spec.FilePath("hl7v2")
	if err != nil {
		return nil, err
	}
	return &feed{path: p}, nil
}

// List lists the ER7 files of a file or folder, in name order.
func List(path string) ([]string, error) { return files.List(path, files.IsHL7v2) }

func (t *feed) Kinds() []model.Kind { return []model.Kind{model.KindHL7v2} }

func (t *feed) Records(ctx context.Context, emit target.Emit) error {
	listed, err := List(t.path)
	if err != nil {
		return err
	}
	for _, f := range listed {
		if err := target.ReadOrReport(model.KindHL7v2, f, emit, func(f string) error { return ReadFile(ctx, f, emit) }); err != nil {
			return err
		}
	}
	return nil
}

// ReadFile streams the messages of one file (gzip when named .gz).
func ReadFile(ctx context.Context, path string, emit target.Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, files.Cause(err))
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: not gzip: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	return Read(ctx, path, r, emit)
}

// Read streams the messages of r as records named after source.
func Read(ctx context.Context, source string, r io.Reader, emit target.Emit) error {
	return readMessages(ctx, source, hl7v2.NewScanner(r), emit)
}

func readMessages(ctx context.Context, source string, sc *hl7v2.Scanner, emit target.Emit) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := sc.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", source, sc.LineCount(), err)
		}
		if err := emit(m.Record(source)); err != nil {
			return err
		}
	}
}

// Shard splits uncompressed ER7 files in single bytes by byte range, like NDJSON (see
// target.Shard.Range): a message belongs to the shard whose range holds the
// first byte of its first segment (its MSH, or an envelope segment FHS, BHS,
// BTS, FTS, which are records too). Batch files split as well: the shard
// reads the bytes before its range in the scanner's light mode, which keeps
// the batch counts, so a BTS or FTS count is checked exactly by the shard
// that reads it. Gzip files, which cannot be entered in the middle, are dealt
// out whole; a UTF-16 or UTF-32 file, decoded before it is segmented, is read
// whole by the shard whose range starts at its first byte.
func (t *feed) Shard(s target.Shard) target.Target { return &shard{feed: t, shard: s} }

type shard struct {
	feed  *feed
	shard target.Shard
}

func (t *shard) Kinds() []model.Kind { return t.feed.Kinds() }

func (t *shard) Records(ctx context.Context, emit target.Emit) error {
	listed, err := List(t.feed.path)
	if err != nil {
		return err
	}
	return t.shard.ReadFiles(listed, splittable,
		func(f string, start, end int64) error { return ReadRange(ctx, f, start, end, emit) },
		func(f string) error {
			return target.ReadOrReport(model.KindHL7v2, f, emit, func(f string) error { return ReadFile(ctx, f, emit) })
		})
}

// splittable files can be entered at any byte: uncompressed ER7. A file in
// UTF-16 or UTF-32 splits too: the range scanner gives it whole to the range
// that starts at its first byte and nothing to the others (hl7v2.NewRangeScanner).
func splittable(name string) bool { return !strings.HasSuffix(strings.ToLower(name), ".gz") }

// ReadRange streams the messages of an uncompressed ER7 file whose first
// line begins in bytes [start, end), with the lines, indexes and issues a
// whole read of the file gives them (see hl7v2.NewRangeScanner).
func ReadRange(ctx context.Context, path string, start, end int64, emit target.Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, files.Cause(err))
	}
	defer f.Close()
	return readMessages(ctx, path, hl7v2.NewRangeScanner(f, start, end), emit)
}
