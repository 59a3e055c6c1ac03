package profile

import (
	"slices"

	"github.com/carecert/carecert/fhir"
)

// Vital signs on the stream path. An Observation coded with a vital sign's
// LOINC code must also conform to that sign's profile (implied.go), which
// slices code.coding, category and component and fixes units: rules the
// scan does not compile. The scan proves the record against its base type
// and notes the implied profiles as it passes the codings of
// Observation.code; the map walk then holds the record to those profiles
// alone, as ValidateRecord's second and later walks do. So a vital sign
// pays one scan and the profile's walk instead of the base walk as well,
// and the record is clean only if that walk finds nothing.

// imply notes the profile one coding of the record's code implies.
func (s *scan) imply(system, code string) {
	if url := s.e.vitalSign(system, code); url != "" && !slices.Contains(s.implied, url) {
		s.implied = append(s.implied, url)
	}
}

// impliedChecks walks the record's map form against each profile its codes
// imply, as ValidateRecord does after the base walk. Its sink side effects
// (must-support coverage, unevaluated invariants) reach sink only for a
// clean record: one that is not is walked again by the map walk.
func (s *scan) impliedChecks(sink *Sink) (bool, string) {
	if s.w.rec.Deferred() {
		// Streamer.Prove's record is decoded here once, for the other
		// checks too: the units check reads a vital sign's map form.
		s.w.rec.Load()
	}
	rec := *s.w.rec
	if rec.Resource() == nil {
		res, err := fhir.Decode(rec.Raw)
		if err != nil {
			return false, "not decoded: " + err.Error()
		}
		rec.Value = res
	}
	var scratch Sink
	for _, url := range s.implied {
		p, err := s.e.Compiled(url)
		if err != nil {
			continue // ValidateRecord skips a profile it cannot compile
		}
		if len(s.e.validate(&rec, p, &scratch, false)) > 0 {
			return false, "a finding of the implied profile " + url
		}
	}
	sink.Merge(&scratch)
	return true, ""
}
