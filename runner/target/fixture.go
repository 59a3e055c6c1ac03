package target

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
)

// fixtureFeed generates a synthetic feed in memory, so that demos and tests need
// no files on disk.
type fixtureFeed struct {
	opts  fixtures.Options
	name  string
	shard Shard
}

func newFixture(spec Spec) (*fixtureFeed, error) {
	o := spec.Options
	if err := o.Reject("name", "type", "seed", "records", "defects"); err != nil {
		return nil, err
	}
	seed, err := o.Int("seed", 1)
	if err != nil {
		return nil, err
	}
	records, err := o.Int("records", 1000)
	if err != nil {
		return nil, err
	}
	if records < 1 {
		return nil, fmt.Errorf("records must be at least 1, got %d", records)
	}
	spec2, err := o.String("defects", "none")
	if err != nil {
		return nil, err
	}
	defects, err := fixtures.ParseDefects(spec2, records)
	if err != nil {
		return nil, err
	}
	opts := fixtures.Options{Seed: uint64(seed), Records: records, Defects: defects}
	if _, err := fixtures.New(opts); err != nil {
		return nil, err
	}
	return &fixtureFeed{opts: opts, name: fmt.Sprintf("fixture-seed%d.ndjson", seed)}, nil
}

func (t *fixtureFeed) Kinds() []model.Kind { return []model.Kind{model.KindFHIR} }

func (t *fixtureFeed) Records(ctx context.Context, emit Emit) error {
	g, err := fixtures.New(t.opts)
	if err != nil {
		return err
	}
	// The generator writes into a pipe the reader parses from, so a large
	// generated feed never sits in memory whole.
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<16)
		_, err := g.Generate(func(line []byte) error {
			w.Write(line)
			return w.WriteByte('\n')
		})
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	lo, hi := int64(0), int64(t.opts.Records)
	if !t.shard.Whole() {
		i, n := int64(t.shard.Index-1), int64(t.shard.Count)
		lo, hi = hi*i/n, hi*(i+1)/n
	}
	guarded := guard(ctx, emit)
	return fhir.ReadStream(t.name, pr, func(r *model.Record) error {
		// Lines map one to one to generated records.
		if k := int64(r.Line - 1); k < lo || k >= hi {
			return nil
		}
		return guarded(r)
	})
}
