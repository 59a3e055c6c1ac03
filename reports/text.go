package reports

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// FindingLines writes every kept finding of a report on a line of its own, in
// canonical order and in the form compilers use (file:line: severity ...), with
// the evidence the report holds, then a count line.
func FindingLines(w io.Writer, rep *model.Report) error {
	var all []model.Finding
	var dropped int64
	for _, t := range rep.Targets {
		for _, res := range t.Results {
			all = append(all, res.Findings...)
			dropped += res.Dropped
		}
	}
	slices.SortFunc(all, func(x, y model.Finding) int { return model.Compare(&x, &y) })
	ew := &errWriter{w: w}
	for _, fd := range all {
		line := fd.String()
		if also := fd.AlsoReported(); also != "" {
			line += " (" + also + ")"
		}
		fmt.Fprintln(ew, EscapeControl(line))
		if fd.Evidence != "" {
			fmt.Fprintf(ew, "    value: %s\n", EscapeControl(fd.Evidence))
		}
	}
	if dropped > 0 {
		fmt.Fprintf(ew, "(%d more finding(s) not shown; raise --max-findings)\n", dropped)
	}
	s := rep.Summary
	fmt.Fprintf(ew, "%d record(s) in %d target(s): %d error(s), %d warning(s), %d information\n",
		s.Records, len(rep.Targets), s.Findings[model.Error], s.Findings[model.Warning], s.Findings[model.Information])
	return ew.err
}

// errWriter keeps the first write error, so a long listing checks once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// EscapeControl writes control characters (ANSI escape sequences, carriage
// returns, backspaces, bidirectional overrides) as Go escapes, so that a
// supplier's value printed on a terminal cannot clear the screen, move the
// cursor or draw a verdict of its own.
func EscapeControl(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
