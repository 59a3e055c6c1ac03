// Package tables checks rows of tabular extracts (CSV records read by package
// tabular) against table schemas written in suites: typed fields, required or
// conditionally required (an expression over the row), code lists matched
// ignoring case and punctuation, patterns and ranges; rules across the fields of
// a row; keys, uniqueness, consistency and references across rows and tables;
// one date format and one encoding per file; and continuity with the previous
// submission. Every check's state is small, JSON-serialisable and mergeable.
package tables

import (
	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// Register adds the table check types to a registry.
func Register(reg *check.Registry) {
	check.Define(reg, "table-schema", "each row's fields are present when required and valid (type, code list, pattern, range); per-field national-style scores and validity rates",
		tableSchemaParams{}, newSchemaCheck)
	check.Define(reg, "table-rules", "each row satisfies rules across its fields (expressions)", rulesParams{}, newRulesCheck)
	check.Define(reg, "table-unique", "no two rows share a key",
		uniqueParams{feed: feed{Severity: model.Error, Code: "tabular.duplicate"}}, newUniqueCheck)
	check.Define(reg, "table-consistent", "all rows of a key agree on a field",
		consistentParams{feed: feed{Severity: model.Error, Code: "tabular.conflict"}}, newConsistentCheck)
	check.Define(reg, "table-reference", "a column's values name rows of another (or the same) table",
		referenceParams{feed: feed{Severity: model.Error, Code: "tabular.reference"}}, newReferenceCheck)
	check.Define(reg, "table-date-formats", "a file writes all its dates in one format",
		dateFormatsParams{Severity: model.Warning}, newDateFormatsCheck)
	check.Define(reg, "table-encoding", "the encoding of each file (UTF-8, Windows-1252) is reported; rows in a different encoding are findings",
		encodingParams{}, newEncodingCheck)
	check.Define(reg, "cld-continuity", "against the previous submission (target baseline): open services do not vanish, references are stable, start dates are not reset on 1 April",
		continuityParams{Person: "LA_Person_Unique_Identifier", EventType: "Event_Type", Start: "Event_Start_Date", End: "Event_End_Date",
			Reference: "Event_Reference", Severity: model.Warning}, newContinuityCheck)
}
