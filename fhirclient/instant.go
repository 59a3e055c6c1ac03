package fhirclient

import (
	"fmt"
	"regexp"
	"time"
)

// instantPattern is the regular expression FHIR R4 gives the instant type: a
// date, a time to the second (fractions allowed) and a time zone, always.
var instantPattern = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)

// ParseInstant reads a FHIR instant ("2025-01-01T00:00:00Z"), as Bulk Data's
// _since, a manifest's transactionTime and meta.lastUpdated are. A date or a
// time without a zone is not an instant: the moment it names is unknown.
func ParseInstant(s string) (time.Time, error) {
	if !instantPattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not a FHIR instant (date, time to the second and time zone, as 2025-01-01T00:00:00Z)", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// The pattern admits what no calendar has (February 30) and leap
		// seconds, which Go's clock does not count.
		return time.Time{}, fmt.Errorf("%q is not a FHIR instant: no such moment", s)
	}
	return t, nil
}
