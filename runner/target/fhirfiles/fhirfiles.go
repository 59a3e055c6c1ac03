// Package fhirfiles is the fhir target family: FHIR R4 resources read from a
// file or, recursively, a folder (JSON, a Bundle, NDJSON, XML; plain or
// gzip), in name order. Plain NDJSON files split between shards by byte
// range; other files are dealt out whole. A JSON Bundle's entries, and an
// XML Bundle's above fhir.XMLApartAbove bytes, are records read apart from
// its tree (fhir.ReadFileApart): the checks validate each record on its own.
package fhirfiles

import (
	"context"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// Doc describes the fhir target type for `carecert checks`.
const Doc = "FHIR R4 JSON: a resource, a Bundle, NDJSON (plain or .gz) or a folder of them"

// Register adds the fhir target type to a target registry.
func Register(r *target.Registry) { target.Define(r, "fhir", Doc, target.NoOptions{}, open) }

// feed reads FHIR from a file or, recursively, a folder.
type feed struct {
	path string
}

func open(spec target.Spec, _ target.NoOptions) (target.Target, error) {
	p, err := spec.FilePath("fhir")
	if err != nil {
		return nil, err
	}
	return &feed{path: p}, nil
}

func list(path string) ([]string, error) { return files.List(path, files.IsFHIR) }

func (t *feed) Kinds() []model.Kind { return []model.Kind{model.KindFHIR} }

func (t *feed) Records(ctx context.Context, emit target.Emit) error {
	listed, err := list(t.path)
	if err != nil {
		return err
	}
	guarded := target.Guard(ctx, emit)
	for _, f := range listed {
		if err := target.ReadOrReport(model.KindFHIR, f, guarded, func(f string) error { return fhir.ReadFileApart(f, fhir.XMLApartAbove, fhir.Emit(guarded)) }); err != nil {
			return err
		}
	}
	return nil
}

// Shard splits plain NDJSON files by byte range and deals other files (JSON
// documents, gzip streams) out whole, by their position in the sorted listing.
func (t *feed) Shard(s target.Shard) target.Target { return &shard{feed: t, shard: s} }

type shard struct {
	feed  *feed
	shard target.Shard
}

func (t *shard) Kinds() []model.Kind { return t.feed.Kinds() }

func (t *shard) Records(ctx context.Context, emit target.Emit) error {
	listed, err := list(t.feed.path)
	if err != nil {
		return err
	}
	guarded := fhir.Emit(target.Guard(ctx, emit))
	return t.shard.ReadFiles(listed, splittable,
		func(f string, start, end int64) error { return fhir.ReadNDJSONRange(f, start, end, guarded) },
		func(f string) error {
			return target.ReadOrReport(model.KindFHIR, f, target.Emit(guarded), func(f string) error { return fhir.ReadFileApart(f, fhir.XMLApartAbove, guarded) })
		})
}

// splittable files can be read from any line: uncompressed NDJSON.
func splittable(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".ndjson") || strings.HasSuffix(lower, ".jsonl")
}
