package target

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

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

// fixtureOptions are a fixture target's plan options.
type fixtureOptions struct {
	Seed    int    `param:"seed" doc:"seed of the generator: the same seed gives the same feed"`
	Records int    `param:"records" doc:"records generated (at least 1)"`
	Defects string `param:"defects" doc:"defects seeded: none, all, kind=N,... or all,kind=N,... (carecert fixtures defects lists the kinds)"`
}

var fixtureDefaults = fixtureOptions{Seed: 1, Records: 1000, Defects: "none"}

func newFixture(spec Spec, o fixtureOptions) (Target, error) {
	if o.Records < 1 {
		return nil, spec.ErrorAt("records", "must be at least 1, got %d", o.Records)
	}
	defects, err := fixtures.ParseDefects(o.Defects, o.Records)
	if err != nil {
		return nil, spec.ErrorAt("defects", "%s", strings.TrimPrefix(err.Error(), "defects: "))
	}
	opts := fixtures.Options{Seed: uint64(o.Seed), Records: o.Records, Defects: defects}
	if _, err := fixtures.New(opts); err != nil {
		return nil, &ConfigError{Err: err}
	}
	return &fixtureFeed{opts: opts, name: fmt.Sprintf("fixture-seed%d.ndjson", o.Seed)}, nil
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
