package terminology

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/carecert/carecert/terminology/ucum"
)

// FormatError checks the form of a code of a code system whose identifiers
// have a known shape, without any release files: SNOMED CT identifiers
// (length, partition, Verhoeff check digit), LOINC codes (mod-10 check digit),
// ICD-10 codes, UCUM expressions, BCP-47 language tags and MIME types. A code
// failing it cannot be a code of that system. Codes of other systems return
// nil.
func FormatError(system, code string) error {
	switch system {
	case LanguageSystem:
		return LanguageTag(code)
	case MIMESystem:
		return MIMEType(code)
	case CurrencySystem:
		return CurrencyCode(code)
	case SNOMED:
		return SNOMEDExpression(code)
	case DMD:
		// dm+d identifiers are SNOMED CT identifiers (of the NHS extension).
		return SNOMEDConceptID(code)
	case LOINC:
		return LOINCCode(code)
	case ICD10, ICD10UK, "http://hl7.org/fhir/sid/icd-10-cm":
		return ICD10Code(code)
	case UCUM:
		if _, err := ucum.Parse(code); err != nil {
			return fmt.Errorf("%q is not a valid UCUM unit: %w", code, err)
		}
	}
	return nil
}

// SNOMEDConceptID checks a SNOMED CT concept identifier: 6 to 18 digits, no
// leading zero, a concept partition (00 or 10) and a valid Verhoeff check digit.
func SNOMEDConceptID(id string) error {
	if err := SNOMEDID(id); err != nil {
		return err
	}
	switch p := id[len(id)-3 : len(id)-1]; p {
	case "00", "10":
		return nil
	case "01", "11":
		return fmt.Errorf("SNOMED CT id %s is a description id (partition %s), not a concept id", id, p)
	case "02", "12":
		return fmt.Errorf("SNOMED CT id %s is a relationship id (partition %s), not a concept id", id, p)
	default:
		return fmt.Errorf("SNOMED CT id %s has an unknown partition identifier %s", id, p)
	}
}

// SNOMEDID checks any SNOMED CT identifier's length, digits and check digit.
func SNOMEDID(id string) error {
	if len(id) < 6 || len(id) > 18 {
		return fmt.Errorf("SNOMED CT id %q must have 6 to 18 digits, has %d characters", id, len(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return fmt.Errorf("SNOMED CT id %q must be digits only", id)
		}
	}
	if id[0] == '0' {
		return fmt.Errorf("SNOMED CT id %q must not start with 0", id)
	}
	if !Verhoeff(id) {
		return fmt.Errorf("SNOMED CT id %s fails its Verhoeff check digit", id)
	}
	return nil
}

// sctidInExpression finds the concept ids of a postcoordinated expression.
var sctidInExpression = regexp.MustCompile(`\d+`)

// SNOMEDExpression checks a SNOMED CT Coding.code: a concept id, or the
// concept ids of a postcoordinated expression ("[id] |term| : [id] = [id]").
func SNOMEDExpression(code string) error {
	if !strings.ContainsAny(code, ":=|+{(") {
		return SNOMEDConceptID(code)
	}
	// Terms between bars may hold digits that are not ids.
	var b strings.Builder
	inTerm := false
	for _, r := range code {
		if r == '|' {
			inTerm = !inTerm
			b.WriteByte(' ')
			continue
		}
		if !inTerm {
			b.WriteRune(r)
		}
	}
	ids := sctidInExpression.FindAllString(b.String(), -1)
	if len(ids) == 0 {
		return fmt.Errorf("SNOMED CT expression %q names no concept id", code)
	}
	for _, id := range ids {
		if err := SNOMEDConceptID(id); err != nil {
			return fmt.Errorf("in expression %q: %w", code, err)
		}
	}
	return nil
}

// The Verhoeff dihedral-group tables.
var (
	verhoeffD = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
	verhoeffInv = [10]byte{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// Verhoeff reports whether a string of digits ends in a valid Verhoeff check digit.
func Verhoeff(digits string) bool {
	var c byte
	for i := 0; i < len(digits); i++ {
		d := digits[len(digits)-1-i]
		if d < '0' || d > '9' {
			return false
		}
		c = verhoeffD[c][verhoeffP[i%8][d-'0']]
	}
	return c == 0
}

// VerhoeffDigit returns the check digit to append to digits.
func VerhoeffDigit(digits string) byte {
	var c byte
	for i := 0; i < len(digits); i++ {
		c = verhoeffD[c][verhoeffP[(i+1)%8][digits[len(digits)-1-i]-'0']]
	}
	return '0' + verhoeffInv[c]
}

// LOINCCode checks a LOINC code's shape and its mod-10 check digit (LOINC's
// own algorithm, Luhn's); part and answer codes (LP, LA...) by shape only.
func LOINCCode(code string) error {
	part, number, check, ok := loincShape(code)
	if !ok {
		return fmt.Errorf("LOINC code %q is not of the form NNNNN-N", code)
	}
	// Part, answer and group codes (LP, LA, LG, LL) are shaped the same, but
	// their check digits are not LOINC's published mod-10 of the number.
	if part {
		return nil
	}
	if want := LOINCCheckDigit(number); want != check {
		return fmt.Errorf("LOINC code %s fails its mod-10 check digit (expected %c)", code, want)
	}
	return nil
}

// loincShape reads a LOINC code written as an optional part prefix (LA, LP,
// LG or LL), one to eight digits, a hyphen and a check digit, by hand: every
// coded observation asks, and a regular expression cost more than the rest
// of the format check. It accepts exactly what
// ^(L[APGL])?([0-9]{1,8})-([0-9])$ matches (a spec holds it to that).
func loincShape(code string) (part bool, number string, check byte, ok bool) {
	rest := code
	if len(rest) >= 2 && rest[0] == 'L' && strings.IndexByte("APGL", rest[1]) >= 0 {
		part, rest = true, rest[2:]
	}
	n := len(rest) - 2
	if n < 1 || n > 8 || rest[n] != '-' || !isDigit(rest[n+1]) {
		return false, "", 0, false
	}
	for i := range n {
		if !isDigit(rest[i]) {
			return false, "", 0, false
		}
	}
	return part, rest[:n], rest[n+1], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// LOINCCheckDigit computes the mod-10 check digit of a LOINC code's number.
func LOINCCheckDigit(number string) byte {
	sum := 0
	for i := 0; i < len(number); i++ {
		d := int(number[len(number)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

var (
	icd10Code  = regexp.MustCompile(`^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?[*+†]?$`)
	icd10Block = regexp.MustCompile(`^[A-Z][0-9]{2}-[A-Z][0-9]{2}$`)
)

// ICD10Code checks the shape of an ICD-10 code (WHO, UK or CM edition): a
// letter, two characters, optionally a dot and up to four more; or a block
// such as A00-A09.
func ICD10Code(code string) error {
	if icd10Code.MatchString(code) || icd10Block.MatchString(code) {
		return nil
	}
	return fmt.Errorf("ICD-10 code %q is not of the form A00, A00.0 or A00-A09", code)
}

var (
	languageTag = regexp.MustCompile(`^(?i)([a-z]{2,3}(-[a-z]{3}){0,3}|[a-z]{4,8})(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*(-[a-wyz0-9](-[a-z0-9]{2,8})+)*(-x(-[a-z0-9]{1,8})+)?$|^(?i)x(-[a-z0-9]{1,8})+$`)
	mimeType    = regexp.MustCompile(`^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"]*"|[^;\s]+))*$`)
)

// LanguageSystem, MIMESystem and CurrencySystem are the code systems of
// language tags (BCP 47), MIME types (BCP 13) and currencies (ISO 4217),
// which carecert checks by their grammar rather than by a list.
const (
	LanguageSystem = "urn:ietf:bcp:47"
	MIMESystem     = "urn:ietf:bcp:13"
	CurrencySystem = "urn:iso:std:iso:4217"
)

// irregularTags are the grandfathered BCP-47 tags that do not follow its
// grammar (RFC 5646 §2.1, irregular), in lower case.
var irregularTags = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true, "i-enochian": true, "i-hak": true,
	"i-klingon": true, "i-lux": true, "i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true,
	"i-tay": true, "i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true, "sgn-ch-de": true,
}

// LanguageTag checks the syntax of a BCP-47 language tag (urn:ietf:bcp:47).
// Only the grammar is checked: a well-formed tag of subtags the IANA
// registry lacks ("english") is not caught.
func LanguageTag(code string) error {
	if !languageTag.MatchString(code) && !irregularTags[strings.ToLower(code)] {
		return fmt.Errorf("%q is not a BCP-47 language tag", code)
	}
	return nil
}

// CurrencyCode checks the form of an ISO 4217 alphabetic currency code
// (urn:iso:std:iso:4217): three upper-case letters, as GBP. Only the form is
// checked: carecert holds no list of the codes in use.
func CurrencyCode(code string) error {
	if len(code) != 3 || strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return fmt.Errorf("%q is not an ISO 4217 currency code (three upper-case letters, as GBP)", code)
	}
	return nil
}

// MIMEType checks the syntax of a MIME type (urn:ietf:bcp:13). FHIR also
// accepts the format shorthands "xml", "json" and "ttl" where it binds to
// MIME types (CapabilityStatement.format: "xml | json | ttl | mime type").
func MIMEType(code string) error {
	switch code {
	case "xml", "json", "ttl":
		return nil
	}
	if !mimeType.MatchString(code) {
		return fmt.Errorf("%q is not a MIME type", code)
	}
	return nil
}
