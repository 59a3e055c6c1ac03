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

// Options are a csv target's plan options.
type Options struct {
	Table          string            `param:"table" doc:"the table the suite names the file's rows by (default: the file name)"`
	Delimiter      string            `param:"delimiter" doc:"one character, or tab (default: a comma, or a tab for .tsv files)"`
	Header         bool              `param:"header" doc:"the first line names the columns"`
	Columns        []string          `param:"columns" doc:"the columns' names in order, when there is no header"`
	Rename         map[string]string `param:"rename" doc:"header names as the file spells them to the names the suite uses"`
	Encoding       string            `param:"encoding" doc:"auto, utf-8 or windows-1252"`
	Key            string            `param:"key" doc:"column used as each record's id"`
	Baseline       string            `param:"baseline" doc:"the previous submission of a single-file target, relative to the plan"`
	MaxRecordLines int               `param:"max_record_lines" doc:"lines one quoted record may span"`
	Tables         []string          `param:"tables" doc:"more files or folders read as part of the same feed, so references between a vendor's files can be checked"`
}

// Defaults are the options a csv target leaves out.
var Defaults = Options{Header: true, Encoding: "auto", MaxRecordLines: 50}

// OpenTarget builds a csv target from a plan's target spec.
var OpenTarget = target.Typed(Defaults, open)

func open(spec target.Spec, o Options) (target.Target, error) {
	opts := tabular.Options{Table: o.Table, NoHeader: !o.Header, Columns: o.Columns, Encoding: o.Encoding, Key: o.Key, MaxRecordLines: o.MaxRecordLines}
	switch delim := o.Delimiter; {
	case delim == "":
	case delim == "tab" || delim == `\t` || delim == "\t":
		opts.Delimiter = '\t'
	case len(delim) == 1 && delim != `"` && delim != "\n" && delim != "\r":
		opts.Delimiter = delim[0]
	default:
		return nil, spec.ErrorAt("delimiter", "%q: want one character (or \"tab\"), not a quote or line break", delim)
	}
	if opts.NoHeader && len(opts.Columns) == 0 {
		return nil, spec.ErrorAt("header", "false needs columns: the names of the columns in order")
	}
	if len(o.Rename) > 0 {
		opts.Rename = o.Rename
	}
	switch opts.Encoding {
	case "auto", "utf-8", "windows-1252":
	default:
		return nil, spec.ErrorAt("encoding", "%q: want auto, utf-8 or windows-1252", opts.Encoding)
	}
	t := &Target{opts: opts}
	p, err := spec.FilePath("csv")
	if err != nil {
		return nil, err
	}
	if t.files, err = listTables(p); err != nil {
		return nil, err
	}
	for _, m := range o.Tables {
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
	if t.baseline = o.Baseline; t.baseline != "" {
		t.baseline = spec.Resolve(t.baseline)
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
	guarded := target.Guard(ctx, emit)
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

func listTables(path string) ([]string, error) { return files.List(path, files.IsTable) }

func unwrap(err error) error { return files.Cause(err) }

// Register adds the csv target type to a target registry.
func Register(r *target.Registry) { target.Define(r, "csv", TargetDoc, Defaults, open) }
