package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"

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
	return DecodeJSON(path, data)
}

// DecodeJSON is ReadJSON for a report's bytes (an upload); path names them in
// errors.
func DecodeJSON(path string, data []byte) (*model.Report, error) {
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
	if rep.Schema == model.ReportSchemaV1 {
		// Decoded once as written, so that errors above name the user's lines.
		var err error
		if data, err = upgradeV1(data); err != nil {
			return nil, fmt.Errorf("report %s: %w", path, err)
		}
		rep = model.Report{}
		if err := json.Unmarshal(data, &rep); err != nil {
			return nil, fmt.Errorf("report %s: %w", path, err)
		}
	}
	if rep.Schema != model.ReportSchemaVersion {
		if rep.Schema == "" {
			return nil, fmt.Errorf("report %s: not a carecert report (no schema field; want %q)", path, model.ReportSchemaVersion)
		}
		return nil, fmt.Errorf("report %s: schema %q is not one this carecert reads (want %q)", path, rep.Schema, model.ReportSchemaVersion)
	}
	// A stored report is input like any other: one with targets: null or a
	// made-up outcome must be refused, not graded.
	if err := validateReport(data); err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	return &rep, nil
}

// upgradeV1 rewrites a carecert.report/v1 report as v2: each finding's
// "check" (the requirement id) becomes "requirement". Anything else, including
// JSON that does not parse, is returned unchanged for the reader to judge.
func upgradeV1(data []byte) ([]byte, error) {
	var head struct {
		Schema string `json:"schema"`
	}
	if json.Unmarshal(data, &head) != nil || head.Schema != model.ReportSchemaV1 {
		return data, nil
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return data, nil
	}
	doc["schema"] = model.ReportSchemaVersion
	targets, _ := doc["targets"].([]any)
	for _, t := range targets {
		tm, _ := t.(map[string]any)
		results, _ := tm["results"].([]any)
		for _, r := range results {
			rm, _ := r.(map[string]any)
			findings, _ := rm["findings"].([]any)
			for _, f := range findings {
				fm, ok := f.(map[string]any)
				if !ok {
					continue
				}
				if v, ok := fm["check"]; ok {
					fm["requirement"] = v
					delete(fm, "check")
				}
			}
		}
	}
	out, err := MarshalJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("upgrade from %s: %w", model.ReportSchemaV1, err)
	}
	return out, nil
}

// compiledSchema is the report schema, compiled on first use and never
// changed after.
var compiledSchema = sync.OnceValues(func() (*gojsonschema.Schema, error) {
	return gojsonschema.NewSchema(gojsonschema.NewBytesLoader(reportSchema))
})

// validateReport checks report.json content against the report schema and
// names (at most five of) the places it breaks it.
func validateReport(data []byte) error {
	s, err := compiledSchema()
	if err != nil {
		return fmt.Errorf("report schema: %w", err)
	}
	res, err := s.Validate(gojsonschema.NewBytesLoader(data))
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if res.Valid() {
		return nil
	}
	var msgs []string
	for i, e := range res.Errors() {
		if i == 5 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(res.Errors())-5))
			break
		}
		msgs = append(msgs, e.String())
	}
	return fmt.Errorf("does not match the report schema, so it was not written by carecert or was edited: %s", strings.Join(msgs, "; "))
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
