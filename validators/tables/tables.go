// Package tables checks rows of tabular extracts (CSV records read by package
// tabular) against table schemas written in suites: typed fields, required or
// conditionally required (an expression over the row), code lists matched
// ignoring case and punctuation, patterns and ranges; rules across the fields of
// a row; keys, uniqueness, consistency and references across rows and tables;
// one date format and one encoding per file; and continuity with the previous
// submission. Every check's state is small, JSON-serialisable and mergeable.
package tables

import "github.com/carecert/carecert/check"

// Register adds the table check types to a registry.
func Register(reg *check.Registry) {
	reg.Register("table-schema", "each row's fields are present when required and valid (type, code list, pattern, range); per-field national-style scores and validity rates", newSchemaCheck)
	reg.Register("table-rules", "each row satisfies rules across its fields (expressions)", newRulesCheck)
	reg.Register("table-unique", "no two rows share a key", newUniqueCheck)
	reg.Register("table-consistent", "all rows of a key agree on a field", newConsistentCheck)
	reg.Register("table-reference", "a column's values name rows of another (or the same) table", newReferenceCheck)
	reg.Register("table-date-formats", "a file writes all its dates in one format", newDateFormatsCheck)
	reg.Register("table-encoding", "the encoding of each file (UTF-8, Windows-1252) is reported; rows in a different encoding are findings", newEncodingCheck)
	reg.Register("cld-continuity", "against the previous submission (target baseline): open services do not vanish, references are stable, start dates are not reset on 1 April", newContinuityCheck)
}
