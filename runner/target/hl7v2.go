package target

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
)

// hl7v2Files reads HL7 v2 ER7 messages from a file or, recursively, a folder.
type hl7v2Files struct {
	path string
}

// OpenHL7v2 opens an HL7 v2 file or folder target (.hl7, .er7, .txt; .gz
// too). It takes no options.
var OpenHL7v2 = Typed(NoOptions{}, openHL7v2)

func openHL7v2(spec Spec, _ NoOptions) (Target, error) {
	p := spec.ResolvedPath()
	if p == "" {
		return nil, errors.New("an hl7v2 target needs a path")
	}
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, unwrapPathError(err))
	}
	return &hl7v2Files{path: p}, nil
}

// IsHL7v2File reports whether a folder walk reads the file name.
func IsHL7v2File(name string) bool {
	l := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(l, ".hl7") || strings.HasSuffix(l, ".er7")
}

func (t *hl7v2Files) Kinds() []model.Kind { return []model.Kind{model.KindHL7v2} }

func (t *hl7v2Files) Records(ctx context.Context, emit Emit) error {
	files, err := listFiles(t.path, IsHL7v2File)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := ReadOrReport(model.KindHL7v2, f, emit, func(f string) error { return ReadHL7v2File(ctx, f, emit) }); err != nil {
			return err
		}
	}
	return nil
}

// ReadHL7v2File streams the messages of one file (gzip when named .gz).
func ReadHL7v2File(ctx context.Context, path string, emit Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
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
	return ReadHL7v2(ctx, path, r, emit)
}

// ReadHL7v2 streams the messages of r as records named after source.
func ReadHL7v2(ctx context.Context, source string, r io.Reader, emit Emit) error {
	return readMessages(ctx, source, hl7v2.NewScanner(r), emit)
}

func readMessages(ctx context.Context, source string, sc *hl7v2.Scanner, emit Emit) error {
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
		if err := emit(HL7v2Record(source, m)); err != nil {
			return err
		}
	}
}

// HL7v2Record makes a record of a message read from source. Segments that
// belong to no message become a record with a Problem, reported under the
// run's input requirement.
func HL7v2Record(source string, m *hl7v2.Message) *model.Record {
	rec := &model.Record{Kind: model.KindHL7v2, Source: source, Line: m.Line, Index: int64(m.Index),
		Type: m.TypeName(), ID: m.ControlID(), Value: m, Locator: m.Locator()}
	if m.Headless {
		rec.Value, rec.Type = nil, ""
		for _, is := range m.Issues {
			if is.Code == "parse.no-header" {
				f := rec.Finding(model.Error, is.Code, "", fmt.Sprintf("message %d: %s (first: %s)", m.Index+1, is.Message, m.Segments[0].Name))
				rec.Problem = &f
			}
		}
	}
	return rec
}

// hl7v2Fixture generates a synthetic HL7 v2 feed in memory.
type hl7v2Fixture struct {
	opts hl7v2gen.Options
	name string
}

// HL7v2FixtureOptions are an hl7v2-fixture target's plan options.
type HL7v2FixtureOptions struct {
	Seed     int    `param:"seed" doc:"seed of the generator: the same seed gives the same feed"`
	Messages int    `param:"messages" doc:"messages generated"`
	ORUEvery int    `param:"oru-every" doc:"every Nth message is an ORU^R01 result (0: ADT only)"`
	Defects  string `param:"defects" doc:"defects seeded: none, all, kind=N,... or all,kind=N,..."`
}

// HL7v2FixtureDefaults are the options an hl7v2-fixture target leaves out.
var HL7v2FixtureDefaults = HL7v2FixtureOptions{Seed: 1, Messages: 1000, Defects: "none"}

// OpenHL7v2Fixture opens a generated feed.
var OpenHL7v2Fixture = Typed(HL7v2FixtureDefaults, openHL7v2Fixture)

func openHL7v2Fixture(spec Spec, o HL7v2FixtureOptions) (Target, error) {
	defects, err := hl7v2gen.ParseDefects(o.Defects, o.Messages)
	if err != nil {
		return nil, spec.ErrorAt("defects", "%s", strings.TrimPrefix(err.Error(), "defects: "))
	}
	opts := hl7v2gen.Options{Seed: uint64(o.Seed), Messages: o.Messages, ORUEvery: o.ORUEvery, Defects: defects}
	if _, err := hl7v2gen.New(opts); err != nil {
		return nil, err
	}
	return &hl7v2Fixture{opts: opts, name: fmt.Sprintf("hl7v2-fixture-seed%d.hl7", o.Seed)}, nil
}

func (t *hl7v2Fixture) Kinds() []model.Kind { return []model.Kind{model.KindHL7v2} }

func (t *hl7v2Fixture) Records(ctx context.Context, emit Emit) error {
	g, err := hl7v2gen.New(t.opts)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<16)
		_, err := g.Generate(w)
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	return ReadHL7v2(ctx, t.name, pr, emit)
}

// Shard splits uncompressed ER7 files by byte range, like NDJSON (see
// Shard.Range): a message belongs to the shard whose range holds the first
// byte of its first segment (its MSH, or an envelope segment FHS, BHS, BTS,
// FTS, which are records too). Batch files split as well: the shard reads the
// bytes before its range in the scanner's light mode, which keeps the batch
// counts, so a BTS or FTS count is checked exactly by the shard that reads
// it. Gzip files, which cannot be entered in the middle, are dealt out whole.
func (t *hl7v2Files) Shard(s Shard) Target { return &hl7v2Shard{files: t, shard: s} }

type hl7v2Shard struct {
	files *hl7v2Files
	shard Shard
}

func (t *hl7v2Shard) Kinds() []model.Kind { return t.files.Kinds() }

func (t *hl7v2Shard) Records(ctx context.Context, emit Emit) error {
	files, err := listFiles(t.files.path, IsHL7v2File)
	if err != nil {
		return err
	}
	return t.shard.readFiles(files, splittableHL7v2,
		func(f string, start, end int64) error { return ReadHL7v2Range(ctx, f, start, end, emit) },
		func(f string) error {
			return ReadOrReport(model.KindHL7v2, f, emit, func(f string) error { return ReadHL7v2File(ctx, f, emit) })
		})
}

// splittableHL7v2 files can be entered at any byte: uncompressed ER7.
func splittableHL7v2(name string) bool {
	return !strings.HasSuffix(strings.ToLower(name), ".gz")
}

// ReadHL7v2Range streams the messages of an uncompressed ER7 file whose first
// line begins in bytes [start, end), with the lines, indexes and issues a
// whole read of the file gives them (see hl7v2.NewRangeScanner).
func ReadHL7v2Range(ctx context.Context, path string, start, end int64, emit Emit) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	return readMessages(ctx, path, hl7v2.NewRangeScanner(f, start, end), emit)
}

// Shard reads only the shard's contiguous range of generated messages: every
// shard generates and reads the whole feed (it is cheap) and emits its range.
func (t *hl7v2Fixture) Shard(s Shard) Target { return &hl7v2FixtureShard{feed: t, shard: s} }

type hl7v2FixtureShard struct {
	feed  *hl7v2Fixture
	shard Shard
}

func (t *hl7v2FixtureShard) Kinds() []model.Kind { return t.feed.Kinds() }

func (t *hl7v2FixtureShard) Records(ctx context.Context, emit Emit) error {
	n := int64(t.feed.opts.Messages)
	i, c := int64(t.shard.Index-1), int64(max(t.shard.Count, 1))
	lo, hi := n*i/c, n*(i+1)/c
	return t.feed.Records(ctx, func(r *model.Record) error {
		if r.Index < lo || r.Index >= hi {
			return nil
		}
		return emit(r)
	})
}

// errFound stops a folder walk early.
var errFound = errors.New("found")

// isHL7v2Folder reports whether path is a folder holding HL7 v2 files and no
// FHIR files, so that `carecert validate FOLDER` reads it as HL7 v2.
func isHL7v2Folder(path string) bool {
	if info, err := os.Stat(path); path == "" || err != nil || !info.IsDir() {
		return false
	}
	v2 := false
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && p != path && d != nil && d.IsDir():
			return filepath.SkipDir // the listing reports it; the rest decides
		case err != nil:
			return err
		case d.IsDir():
			return nil
		case IsFHIRFile(d.Name()):
			return errFound
		case IsHL7v2File(d.Name()):
			v2 = true
		}
		return nil
	})
	return err == nil && v2
}
