// Package csvtarget is the csv target family: a plan's CSV/TSV extract (a file,
// a folder of tables, a baseline submission) streamed as rows by package
// tabular. It is kept apart from the reader so that validators, which need only
// rows, never link the runner's target contract.
package csvtarget

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/internal/files"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/tabular"
)

// TargetDoc describes the csv target type for `carecert checks`.
const TargetDoc = "CSV/TSV extract (plain or .gz; a file or a folder of tables): delimiter, header, columns, rename, encoding, key, table, baseline"

// Target reads one or more CSV files as one feed, so that checks across files
// (references between tables of one vendor) see every table. A baseline (the
// previous submission) is read first, its rows marked Baseline.
type Target struct {
	files    []string
	baseline string
	opts     tabular.Options
}

// OpenTarget builds a csv target from a plan's target spec. Options: table,
// delimiter (one character, or "tab"), header (default true), columns (names
// when there is no header), rename (file name → suite name), encoding (auto,
// utf-8, windows-1252), key (column used as record id), baseline (path of the
// previous submission, relative to the plan), max_record_lines, tables (more
// files read as part of the same feed, so that references between a vendor's
// files can be checked).
func OpenTarget(spec target.Spec) (target.Target, error) {
	o := spec.Options
	if err := o.Reject("name", "type", "table", "delimiter", "header", "columns", "rename", "encoding", "key", "baseline", "max_record_lines", "tables"); err != nil {
		return nil, err
	}
	var opts tabular.Options
	var err error
	if opts.Table, err = o.String("table", ""); err != nil {
		return nil, err
	}
	delim, err := o.String("delimiter", "")
	if err != nil {
		return nil, err
	}
	switch {
	case delim == "":
	case delim == "tab" || delim == `\t` || delim == "\t":
		opts.Delimiter = '\t'
	case len(delim) == 1 && delim != `"` && delim != "\n" && delim != "\r":
		opts.Delimiter = delim[0]
	default:
		return nil, fmt.Errorf("delimiter %q: want one character (or \"tab\"), not a quote or line break", delim)
	}
	header, err := o.Bool("header", true)
	if err != nil {
		return nil, err
	}
	opts.NoHeader = !header
	if opts.Columns, err = o.Strings("columns"); err != nil {
		return nil, err
	}
	if opts.NoHeader && len(opts.Columns) == 0 {
		return nil, errors.New("header: false needs columns: the names of the columns in order")
	}
	rename, err := o.Map("rename")
	if err != nil {
		return nil, err
	}
	if len(rename) > 0 {
		opts.Rename = map[string]string{}
		for k := range rename {
			v, err := rename.String(k, "")
			if err != nil {
				return nil, fmt.Errorf("rename: %w", err)
			}
			opts.Rename[k] = v
		}
	}
	if opts.Encoding, err = o.String("encoding", "auto"); err != nil {
		return nil, err
	}
	switch opts.Encoding {
	case "auto", "utf-8", "windows-1252":
	default:
		return nil, fmt.Errorf("encoding %q: want auto, utf-8 or windows-1252", opts.Encoding)
	}
	if opts.Key, err = o.String("key", ""); err != nil {
		return nil, err
	}
	if opts.MaxRecordLines, err = o.Int("max_record_lines", 50); err != nil {
		return nil, err
	}
	t := &Target{opts: opts}
	p := spec.ResolvedPath()
	if p == "" {
		return nil, errors.New("a csv target needs a path")
	}
	if t.files, err = listTables(p); err != nil {
		return nil, err
	}
	more, err := o.Strings("tables")
	if err != nil {
		return nil, err
	}
	for _, m := range more {
		if !filepath.IsAbs(m) && spec.BaseDir != "" {
			m = filepath.Join(spec.BaseDir, m)
		}
		fs, err := listTables(m)
		if err != nil {
			return nil, fmt.Errorf("tables: %w", err)
		}
		t.files = append(t.files, fs...)
	}
	if len(t.files) == 0 {
		return nil, fmt.Errorf("no .csv or .tsv files in %s", p)
	}
	if t.baseline, err = o.String("baseline", ""); err != nil {
		return nil, err
	}
	if t.baseline != "" {
		if !filepath.IsAbs(t.baseline) && spec.BaseDir != "" {
			t.baseline = filepath.Join(spec.BaseDir, t.baseline)
		}
		if _, err := os.Stat(t.baseline); err != nil {
			return nil, fmt.Errorf("baseline: cannot read %s: %w", t.baseline, unwrap(err))
		}
		if len(t.files) > 1 {
			return nil, errors.New("baseline: give a baseline only for a single-file target")
		}
	}
	return t, nil
}

func (t *Target) Kinds() []model.Kind { return []model.Kind{model.KindCSV} }

// Records streams the baseline (when given) and then every table.
func (t *Target) Records(ctx context.Context, emit target.Emit) error {
	guarded := func(r *model.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return emit(r)
	}
	if t.baseline != "" {
		o := t.opts
		o.Baseline = true
		if o.Table == "" {
			o.Table = tabular.TableName(t.files[0])
		}
		if err := tabular.ReadFile(t.baseline, o, guarded); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	o := t.opts
	o.HasBaseline = t.baseline != ""
	for _, f := range t.files {
		if err := target.ReadOrReport(model.KindCSV, f, guarded, func(f string) error { return tabular.ReadFile(f, o, guarded) }); err != nil {
			return err
		}
	}
	return nil
}

// IsTableFile reports whether a folder walk reads the file.
func IsTableFile(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".tsv")
}

func listTables(path string) ([]string, error) { return files.List(path, IsTableFile) }

func unwrap(err error) error { return files.Cause(err) }

// Register adds the csv target type to a target registry.
func Register(r *target.Registry) { r.Register("csv", TargetDoc, OpenTarget) }
