// Package fixturefeed is the generated-feed target family: a synthetic vendor
// feed made in memory from a seed, FHIR (fixture, package fixtures) or HL7 v2
// ADT/ORU (hl7v2-fixture, package fixtures/hl7v2gen), so that demos and tests
// need no files on disk. The same seed gives the same feed, whole or in
// shards.
package fixturefeed

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
)

// Register adds the fixture and hl7v2-fixture target types to a target
// registry.
func Register(r *target.Registry) {
	target.Define(r, "fixture", "a synthetic vendor feed generated in memory (seed, records, defects)", fhirDefaults, openFHIR)
	target.Define(r, "hl7v2-fixture", "a synthetic HL7 v2 ADT/ORU feed generated in memory (seed, messages, oru-every, defects)", HL7v2Defaults, openHL7v2)
}

// fhirFeed generates a synthetic FHIR feed.
type fhirFeed struct {
	opts  fixtures.Options
	name  string
	shard target.Shard
}

// fhirOptions are a fixture target's plan options.
type fhirOptions struct {
	Seed    int    `param:"seed" doc:"seed of the generator: the same seed gives the same feed"`
	Records int    `param:"records" doc:"records generated (at least 1)"`
	Defects string `param:"defects" doc:"defects seeded: none, all, kind=N,... or all,kind=N,... (carecert fixtures defects lists the kinds)"`
}

var fhirDefaults = fhirOptions{Seed: 1, Records: 1000, Defects: "none"}

func openFHIR(spec target.Spec, o fhirOptions) (target.Target, error) {
	if o.Records < 1 {
		return nil, spec.ErrorAt("records", "must be at least 1, got %d", o.Records)
	}
	defects, err := fixtures.ParseDefects(o.Defects, o.Records)
	if err != nil {
		return nil, spec.ErrorAt("defects", "%s", strings.TrimPrefix(err.Error(), "defects: "))
	}
	opts := fixtures.Options{Seed: uint64(o.Seed), Records: o.Records, Defects: defects}
	if _, err := fixtures.New(opts); err != nil {
		return nil, &target.ConfigError{Err: err}
	}
	return &fhirFeed{opts: opts, name: fmt.Sprintf("fixture-seed%d.ndjson", o.Seed)}, nil
}

func (t *fhirFeed) Kinds() []model.Kind { return []model.Kind{model.KindFHIR} }

func (t *fhirFeed) Records(ctx context.Context, emit target.Emit) error {
	g, err := fixtures.New(t.opts)
	if err != nil {
		return err
	}
	pr := g.Stream()
	defer pr.Close()
	lo, hi := t.shard.Range(int64(t.opts.Records))
	guarded := target.Guard(ctx, emit)
	return fhir.ReadStream(t.name, pr, func(r *model.Record) error {
		// Lines map one to one to generated records.
		if k := int64(r.Line - 1); k < lo || k >= hi {
			return nil
		}
		return guarded(r)
	})
}

// Shard reads only the shard's contiguous range of generated records. Every
// shard generates the whole feed (it is cheap) but parses and checks only its
// own range.
func (t *fhirFeed) Shard(s target.Shard) target.Target {
	c := *t
	c.shard = s
	return &c
}

// v2Feed generates a synthetic HL7 v2 feed.
type v2Feed struct {
	opts hl7v2gen.Options
	name string
}

// HL7v2Options are an hl7v2-fixture target's plan options.
type HL7v2Options struct {
	Seed     int    `param:"seed" doc:"seed of the generator: the same seed gives the same feed"`
	Messages int    `param:"messages" doc:"messages generated"`
	ORUEvery int    `param:"oru-every" doc:"every Nth message is an ORU^R01 result (0: ADT only)"`
	Defects  string `param:"defects" doc:"defects seeded: none, all, kind=N,... or all,kind=N,..."`
}

// HL7v2Defaults are the options an hl7v2-fixture target leaves out.
var HL7v2Defaults = HL7v2Options{Seed: 1, Messages: 1000, Defects: "none"}

// OpenHL7v2 opens a generated HL7 v2 feed.
var OpenHL7v2 = target.Typed(HL7v2Defaults, openHL7v2)

func openHL7v2(spec target.Spec, o HL7v2Options) (target.Target, error) {
	defects, err := hl7v2gen.ParseDefects(o.Defects, o.Messages)
	if err != nil {
		return nil, spec.ErrorAt("defects", "%s", strings.TrimPrefix(err.Error(), "defects: "))
	}
	opts := hl7v2gen.Options{Seed: uint64(o.Seed), Messages: o.Messages, ORUEvery: o.ORUEvery, Defects: defects}
	if _, err := hl7v2gen.New(opts); err != nil {
		return nil, err
	}
	return &v2Feed{opts: opts, name: fmt.Sprintf("hl7v2-fixture-seed%d.hl7", o.Seed)}, nil
}

func (t *v2Feed) Kinds() []model.Kind { return []model.Kind{model.KindHL7v2} }

func (t *v2Feed) Records(ctx context.Context, emit target.Emit) error {
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
	return hl7v2files.Read(ctx, t.name, pr, emit)
}

// Shard reads only the shard's contiguous range of generated messages: every
// shard generates and reads the whole feed (it is cheap) and emits its range.
func (t *v2Feed) Shard(s target.Shard) target.Target { return &v2Shard{feed: t, shard: s} }

type v2Shard struct {
	feed  *v2Feed
	shard target.Shard
}

func (t *v2Shard) Kinds() []model.Kind { return t.feed.Kinds() }

func (t *v2Shard) Records(ctx context.Context, emit target.Emit) error {
	lo, hi := t.shard.Range(int64(t.feed.opts.Messages))
	return t.feed.Records(ctx, func(r *model.Record) error {
		if r.Index < lo || r.Index >= hi {
			return nil
		}
		return emit(r)
	})
}
