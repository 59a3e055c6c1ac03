package tables

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// Frictionless Table Schema (https://specs.frictionlessdata.io/table-schema/)
// is imported into a carecert suite rather than read at run time: the suite is
// a file a person can review, version and extend with CLD-style conditions and
// row rules, and every run reads the same thing.

type flSchema struct {
	Fields        []flField       `json:"fields"`
	PrimaryKey    json.RawMessage `json:"primaryKey"`
	ForeignKeys   []flForeignKey  `json:"foreignKeys"`
	MissingValues []string        `json:"missingValues"`
	Extra         map[string]any  `json:"-"`
}

type flField struct {
	Name        string        `json:"name"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Type        string        `json:"type"`
	Format      string        `json:"format"`
	Constraints flConstraints `json:"constraints"`
}

type flConstraints struct {
	Required  bool   `json:"required"`
	Unique    bool   `json:"unique"`
	Enum      []any  `json:"enum"`
	Pattern   string `json:"pattern"`
	Minimum   any    `json:"minimum"`
	Maximum   any    `json:"maximum"`
	MinLength *int   `json:"minLength"`
	MaxLength *int   `json:"maxLength"`
}

type flForeignKey struct {
	Fields    json.RawMessage `json:"fields"`
	Reference struct {
		Resource string          `json:"resource"`
		Fields   json.RawMessage `json:"fields"`
	} `json:"reference"`
}

// ImportOptions name the suite an import makes.
type ImportOptions struct {
	ID, Title, Table string
}

type suiteDoc struct {
	ID           string   `yaml:"id"`
	Version      string   `yaml:"version"`
	Title        string   `yaml:"title"`
	Description  string   `yaml:"description,omitempty"`
	Kinds        []string `yaml:"kinds"`
	Requirements []reqDoc `yaml:"requirements"`
}

type reqDoc struct {
	ID          string        `yaml:"id"`
	Level       string        `yaml:"level"`
	Title       string        `yaml:"title"`
	Description string        `yaml:"description,omitempty"`
	Check       string        `yaml:"check"`
	Params      yaml.MapSlice `yaml:"params"`
}

type fieldDoc struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description,omitempty"`
	Type        string   `yaml:"type,omitempty"`
	Required    bool     `yaml:"required,omitempty"`
	Values      []string `yaml:"values,omitempty"`
	Pattern     string   `yaml:"pattern,omitempty"`
	Formats     []string `yaml:"formats,omitempty"`
	Minimum     any      `yaml:"minimum,omitempty"`
	Maximum     any      `yaml:"maximum,omitempty"`
	MinLength   int      `yaml:"min_length,omitempty"`
	MaxLength   int      `yaml:"max_length,omitempty"`
}

// strptimeFormats maps Frictionless date formats to carecert's names.
var strptimeFormats = map[string]string{
	"":         "YYYY-MM-DD",
	"default":  "YYYY-MM-DD",
	"any":      "",
	"%Y-%m-%d": "YYYY-MM-DD",
	"%d/%m/%Y": "DD/MM/YYYY",
	"%d-%m-%Y": "DD-MM-YYYY",
	"%Y%m%d":   "YYYYMMDD",
	"%d/%m/%y": "DD/MM/YY",
	"%m/%d/%Y": "MM/DD/YYYY",
	"%d-%b-%Y": "DD-MMM-YYYY",
}

// ImportFrictionless converts a Frictionless Table Schema (JSON) into a carecert
// suite (YAML): one table-schema requirement for the fields, a table-unique
// requirement for the primary key and for each unique field, and a
// table-reference requirement per foreign key. What the suite format cannot say
// is listed in the suite's description, never dropped silently.
func ImportFrictionless(name string, data []byte, o ImportOptions) ([]byte, error) {
	var s flSchema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: not a Frictionless Table Schema: %w", name, err)
	}
	if len(s.Fields) == 0 {
		return nil, fmt.Errorf("%s: the schema has no fields", name)
	}
	if o.ID == "" {
		o.ID = "imported-table"
	}
	if o.Title == "" {
		o.Title = "Table schema imported from " + name
	}
	var notes []string
	var fields []fieldDoc
	var unique []string
	for i, f := range s.Fields {
		if f.Name == "" {
			return nil, fmt.Errorf("%s: fields[%d] has no name", name, i)
		}
		fd := fieldDoc{Name: f.Name, Description: strings.TrimSpace(f.Description), Required: f.Constraints.Required,
			Pattern: f.Constraints.Pattern, Minimum: f.Constraints.Minimum, Maximum: f.Constraints.Maximum}
		switch f.Type {
		case "", "string", "any":
			fd.Type = ""
		case "integer", "number", "boolean":
			fd.Type = f.Type
		case "date":
			fd.Type = "date"
			format, ok := strptimeFormats[f.Format]
			if !ok {
				return nil, fmt.Errorf("%s: field %s: date format %q is not one carecert reads (%s)", name, f.Name, f.Format, knownStrptime())
			}
			if format != "" {
				fd.Formats = []string{format}
			}
		default:
			notes = append(notes, fmt.Sprintf("%s has type %s, checked as a string", f.Name, f.Type))
		}
		for _, v := range f.Constraints.Enum {
			fd.Values = append(fd.Values, fmt.Sprint(v))
		}
		if f.Constraints.MinLength != nil {
			fd.MinLength = *f.Constraints.MinLength
		}
		if f.Constraints.MaxLength != nil {
			fd.MaxLength = *f.Constraints.MaxLength
		}
		if f.Constraints.Unique {
			unique = append(unique, f.Name)
		}
		fields = append(fields, fd)
	}
	var missing []string
	for _, mv := range s.MissingValues {
		if mv != "" {
			missing = append(missing, mv)
		}
	}
	tableParam := func(ps yaml.MapSlice) yaml.MapSlice {
		if o.Table != "" {
			return append(yaml.MapSlice{{Key: "table", Value: o.Table}}, ps...)
		}
		return ps
	}
	doc := suiteDoc{ID: o.ID, Version: "1.0.0", Title: o.Title, Kinds: []string{"csv"}}
	doc.Requirements = append(doc.Requirements, reqDoc{ID: "FIELDS", Level: "SHALL", Title: "Fields are present when required and valid",
		Check: "table-schema", Params: tableParam(schemaParams(fields, missing))})
	pk, err := stringList(s.PrimaryKey)
	if err != nil {
		return nil, fmt.Errorf("%s: primaryKey: %w", name, err)
	}
	if len(pk) > 0 {
		doc.Requirements = append(doc.Requirements, reqDoc{ID: "PRIMARY-KEY", Level: "SHALL", Title: "Rows are unique by " + strings.Join(pk, ", "),
			Check: "table-unique", Params: tableParam(yaml.MapSlice{{Key: "key", Value: pk}})})
	}
	for _, u := range unique {
		if len(pk) == 1 && pk[0] == u {
			continue // the primary key requirement says it already
		}
		doc.Requirements = append(doc.Requirements, reqDoc{ID: "UNIQUE-" + idPart(u), Level: "SHALL", Title: u + " is unique",
			Check: "table-unique", Params: tableParam(yaml.MapSlice{{Key: "key", Value: []string{u}}})})
	}
	for i, fk := range s.ForeignKeys {
		from, err := stringList(fk.Fields)
		if err != nil {
			return nil, fmt.Errorf("%s: foreignKeys[%d].fields: %w", name, i, err)
		}
		to, err := stringList(fk.Reference.Fields)
		if err != nil {
			return nil, fmt.Errorf("%s: foreignKeys[%d].reference.fields: %w", name, i, err)
		}
		if len(from) != 1 || len(to) != 1 {
			notes = append(notes, fmt.Sprintf("foreign key %d spans several fields and is not checked", i+1))
			continue
		}
		target := fk.Reference.Resource
		if target == "" {
			target = o.Table
		}
		ref := yaml.MapSlice{{Key: "field", Value: to[0]}}
		if target != "" {
			ref = append(yaml.MapSlice{{Key: "table", Value: target}}, ref...)
		}
		ps := yaml.MapSlice{{Key: "field", Value: from[0]}, {Key: "references", Value: ref}}
		doc.Requirements = append(doc.Requirements, reqDoc{ID: fmt.Sprintf("REFERENCE-%d", i+1), Level: "SHALL",
			Title: fmt.Sprintf("%s names a row of %s", from[0], orSame(target)), Check: "table-reference", Params: tableParam(ps)})
	}
	sort.Strings(notes)
	if len(notes) > 0 {
		doc.Description = "Not expressed by this import: " + strings.Join(notes, "; ") + "."
	}
	out, err := yaml.MarshalWithOptions(doc, yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return append([]byte("# Imported from the Frictionless Table Schema "+name+" by carecert suites import-frictionless.\n"), out...), nil
}

func schemaParams(fields []fieldDoc, missing []string) yaml.MapSlice {
	ps := yaml.MapSlice{}
	if len(missing) > 0 {
		ps = append(ps, yaml.MapItem{Key: "missing_values", Value: missing})
	}
	return append(ps, yaml.MapItem{Key: "fields", Value: fields})
}

func orSame(t string) string {
	if t == "" {
		return "the same table"
	}
	return t
}

func knownStrptime() string {
	var ks []string
	for k := range strptimeFormats {
		if strings.HasPrefix(k, "%") {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func idPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// stringList reads a Frictionless "string or list of strings".
func stringList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want a field name or a list of names")
	}
	return many, nil
}
