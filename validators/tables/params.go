package tables

import (
	"fmt"

	"github.com/carecert/carecert/model"
)

// The parameters of each table check type, decoded strictly by
// check.Define; the defaults are given at registration.

type tableSchemaParams struct {
	Table         string        `param:"table" doc:"the table (file) the schema is for; empty: every table"`
	Fields        []fieldParams `param:"fields,required" doc:"the table's fields"`
	NullTokens    []string      `param:"null_tokens" doc:"values that mean blank (NULL, N/A)"`
	MissingValues []string      `param:"missing_values" doc:"more values that mean blank (Frictionless missingValues)"`
	MinValidity   float64       `param:"min_validity" doc:"lowest validity rate per field that passes (0.95 or 95%); 0: no threshold"`
}

type fieldParams struct {
	Name            string        `param:"name,required" doc:"the column's name"`
	Title           string        `param:"title" doc:"the field's title, for people"`
	Description     string        `param:"description" doc:"what the field holds"`
	Type            string        `param:"type" doc:"string, integer, number, date, boolean or nhs-number" default:"string"`
	Required        requiredParam `param:"required" doc:"true, or an expression over the row saying when the field is required"`
	Values          []string      `param:"values" doc:"the code list, matched ignoring case and punctuation"`
	ValuesConfirmed *bool         `param:"values_confirmed" doc:"false when the code list could not be confirmed: any value is accepted" default:"true"`
	Pattern         string        `param:"pattern" doc:"a regular expression the whole value must match"`
	Formats         []string      `param:"formats" doc:"date formats accepted"`
	Minimum         *float64      `param:"minimum" doc:"lowest value of a number"`
	Maximum         *float64      `param:"maximum" doc:"highest value of a number"`
	MinLength       int           `param:"min_length" doc:"fewest characters"`
	MaxLength       int           `param:"max_length" doc:"most characters"`
	Sensitive       *bool         `param:"sensitive" doc:"the field identifies a person: its evidence is redacted" default:"when the column's name is personal"`
	Ranges          []string      `param:"ranges" doc:"nhs-number: ranges accepted (england-wales, scotland-chi, northern-ireland, test, unallocated)" default:"the issued ranges"`
	Grouped         *bool         `param:"grouped" doc:"nhs-number: accept digits grouped 3-3-4 with spaces"`
}

// requiredParam is a field's required: true, false or an expression.
type requiredParam struct {
	Bool bool
	Expr string
}

func (r *requiredParam) DecodeParam(v any) error {
	switch x := v.(type) {
	case bool:
		*r = requiredParam{Bool: x}
	case string:
		*r = requiredParam{Expr: x}
	default:
		return fmt.Errorf("want true, false or an expression, got %T", v)
	}
	return nil
}

func (*requiredParam) ParamType() string { return "true/false or expression" }

type rulesParams struct {
	Table      string       `param:"table" doc:"the table the rules are for; empty: every table"`
	Rules      []ruleParams `param:"rules,required" doc:"the rules every row must satisfy"`
	NullTokens []string     `param:"null_tokens" doc:"values that mean blank (NULL, N/A)"`
}

type ruleParams struct {
	ID        string          `param:"id,required" doc:"the rule's id, in finding codes"`
	When      string          `param:"when" doc:"an expression: the rule applies to rows where it holds"`
	Assert    string          `param:"assert,required" doc:"the expression every row must satisfy"`
	Column    string          `param:"column" doc:"the column findings point at"`
	Message   string          `param:"message" doc:"the finding's message" default:"row breaks rule <id>: <assert>"`
	Code      string          `param:"code" doc:"the finding's code" default:"tabular.rule.<id>"`
	Severity  *model.Severity `param:"severity" doc:"severity of each finding" default:"error"`
	Sensitive *bool           `param:"sensitive" doc:"findings quote a personal value: evidence is redacted" default:"when column is personal"`
}

// feed are the parameters of the checks that look across rows.
type feed struct {
	Table      string         `param:"table" doc:"the table the check keys; empty: every table"`
	When       string         `param:"when" doc:"an expression: only rows where it holds are keyed"`
	NullTokens []string       `param:"null_tokens" doc:"values that mean blank (NULL, N/A)"`
	Severity   model.Severity `param:"severity" doc:"severity of each finding"`
	Code       string         `param:"code" doc:"the finding's code"`
	Sensitive  *bool          `param:"sensitive" doc:"findings quote personal values: evidence is redacted" default:"when a column it names is personal"`
	Fold       bool           `param:"fold" doc:"compare values ignoring case and punctuation, and dates by the day they name"`
}

type uniqueParams struct {
	feed
	Key []string `param:"key,required" doc:"the key column(s)"`
}

type consistentParams struct {
	feed
	Key   []string `param:"key,required" doc:"the key column(s)"`
	Field string   `param:"field,required" doc:"the column that must agree across a key's rows"`
}

type referenceParams struct {
	feed
	Field      string       `param:"field,required" doc:"the referring column"`
	References *referenceTo `param:"references,required" doc:"the referenced table and column"`
}

type referenceTo struct {
	Table string `param:"table" doc:"the referenced table" default:"the referring table"`
	Field string `param:"field,required" doc:"the referenced column"`
}

type dateFormatsParams struct {
	Table    string         `param:"table" doc:"the table; empty: every table"`
	Fields   []string       `param:"fields,required" doc:"the date columns"`
	Formats  []string       `param:"formats" doc:"date formats accepted" default:"every known format"`
	Severity model.Severity `param:"severity" doc:"severity of each finding"`
}

type encodingParams struct {
	Table  string `param:"table" doc:"the table; empty: every table"`
	Expect string `param:"expect" doc:"utf-8 or windows-1252: rows in another encoding are findings"`
}

type continuityParams struct {
	Table     string         `param:"table" doc:"the table; empty: every table"`
	Person    string         `param:"person" doc:"the column identifying the person"`
	EventType string         `param:"event_type" doc:"the column of the event's type"`
	Start     string         `param:"start" doc:"the column of the event's start date"`
	End       string         `param:"end" doc:"the column of the event's end date"`
	Reference string         `param:"reference" doc:"the column of the event's reference"`
	Service   []string       `param:"service" doc:"the columns naming the service" default:"Service_Type, Service_Component"`
	Severity  model.Severity `param:"severity" doc:"severity of each finding"`
}
