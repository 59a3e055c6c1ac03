package ukid

import (
	"regexp"
	"strings"
)

// postcode is the shape of a UK postcode (outward code, space optional,
// inward code). It does not exclude the letters Royal Mail never uses in the
// inward code: the check is about form, and a stricter one would flag
// addresses a postal lookup accepts.
var postcode = regexp.MustCompile(`^(?i:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$`)

// Postcode reports whether s (surrounding space ignored) has the shape of a UK
// postcode.
func Postcode(s string) bool { return postcode.MatchString(strings.TrimSpace(s)) }
