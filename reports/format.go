package reports

import (
	"io"

	"github.com/carecert/carecert/model"
)

// Format is one rendering of a report: the JSON report itself, JUnit, HTML and
// the others. Commands never name formats one by one; they range over the list
// in package reports/formats, so a format added there is written by run,
// printed by report and validate, hashed into the manifest and listed by
// carecert formats.
type Format interface {
	// Name is the word --format takes ("sarif").
	Name() string
	// File is the file the format is written to in a vendor's folder
	// ("report.sarif"); "" for a format that is only printed (the console
	// summary).
	File() string
	// Doc says in a line what the format is for.
	Doc() string
	// Render writes rep in this format.
	Render(w io.Writer, rep *model.Report, opt RenderOptions) error
}

// RenderOptions are what a caller decides about a rendering rather than the
// report: whether identifying evidence the report holds may be shown.
type RenderOptions struct {
	// FullEvidence shows evidence unredacted, where the report holds it (a run
	// with --evidence full); formats that never show evidence ignore it.
	FullEvidence bool
	// Width is the terminal's width in columns for console output (0:
	// unknown, print at any width).
	Width int
	// SignedBy is the id of the key the folder's manifest is signed with,
	// empty when it is not signed; pages for people say which.
	SignedBy string
}
