package check

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/internal/params"
)

// NoParams is the parameter struct of a check type that takes none.
type NoParams struct{}

// Decode fills dst, a pointer to a parameter struct already holding the
// defaults, from the spec's parameters: keys the suite did not write keep
// their default. Unknown keys, wrong types and missing required keys are
// errors located in the suite file when the spec knows where it was written.
func (s Spec) Decode(dst any) error {
	return s.decoder().Decode(s.Params, dst, s.ParamsAt)
}

// ErrorAt is an error about the parameter at path ("rules[2].usage", under
// the spec's parameters) that a check finds when it compiles what decoded
// well: located at its line and column when the spec was read from a file.
func (s Spec) ErrorAt(path, format string, args ...any) error {
	at := s.ParamsAt
	if path != "" {
		at += "." + path
	}
	return s.decoder().Errorf(at, strconv.Quote(path), format, args...)
}

func (s Spec) decoder() params.Decoder {
	return params.Decoder{Where: s.Where, Label: fmt.Sprintf("requirement %s, check %s", s.Requirement, s.Type)}
}
