package quality

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// CSVColumns is the built-in language for CSV rows: an expression is a column
// name as the row's header gives it ("NHS_Number"). It reads any row Value with
// a Get(column) method, as the tabular reader's rows have, so this package
// needs no CSV reader. Columns whose names speak of an NHS number, a name, a
// birth date, a postcode or an address are personal (personal.Column).
func CSVColumns() Language {
	return Language{Kind: model.KindCSV, Compile: compileColumn, Sensitive: personal.Column}
}

// row is what a CSV record's Value offers.
type row interface {
	Get(column string) (string, bool)
}

type column string

func compileColumn(expr string) (Selector, error) {
	name := strings.TrimSpace(expr)
	if name == "" {
		return nil, fmt.Errorf("a column name is required")
	}
	return column(name), nil
}

func (c column) Select(rec *model.Record) ([]Node, error) {
	r, ok := rec.Value.(row)
	if !ok {
		return nil, nil
	}
	v, ok := r.Get(string(c))
	if !ok {
		return nil, fmt.Errorf("the file has no column %q", string(c))
	}
	return []Node{{Path: string(c), Value: v}}, nil
}
