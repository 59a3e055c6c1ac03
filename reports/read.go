package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/carecert/carecert/model"
)

// ReadJSON reads a report.json written by carecert, for commands that work on
// stored reports (re-grading, comparison, diff). A file that is not a carecert
// report gets an error naming the file and, for broken JSON, the line.
func ReadJSON(path string) (*model.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report %w", err)
	}
	var rep model.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Errorf("report %s:%d: not valid JSON: %v", path, lineAt(data, syn.Offset), err)
		case errors.As(err, &typ):
			return nil, fmt.Errorf("report %s:%d: %s: want %s, got JSON %s", path, lineAt(data, typ.Offset), typ.Field, typ.Type, typ.Value)
		}
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	if rep.Schema != model.ReportSchemaVersion {
		if rep.Schema == "" {
			return nil, fmt.Errorf("report %s: not a carecert report (no schema field; want %q)", path, model.ReportSchemaVersion)
		}
		return nil, fmt.Errorf("report %s: schema %q is not one this carecert reads (want %q)", path, rep.Schema, model.ReportSchemaVersion)
	}
	return &rep, nil
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
