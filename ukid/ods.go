package ukid

// ODSCode reports whether s has the form of an ODS organisation code: three
// capital letters or digits for an organisation (a trust, "RXX"), five for one
// of its sites ("RXX01").
func ODSCode(s string) bool {
	if len(s) != 3 && len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// CheckODSCode judges an ODS code's text; ok is true when it has the form.
func CheckODSCode(s string) (p Problem, ok bool) {
	if ODSCode(s) {
		return Problem{}, true
	}
	return Problem{Code: "ods-code.format", Message: "is not an ODS code: 3 capital letters or digits, or 5 for a site"}, false
}
