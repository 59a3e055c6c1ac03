package fhir

// CodeJSONComment is the finding of a comment in FHIR JSON, which JSON and
// R4 §2.6.2 do not allow; the reference validator rejects them unless told
// to accept them (its allow-comments option, carecert's too).
const CodeJSONComment = "input.json-comment"

// stripComments blanks the comments of a JSON text (// to the end of the
// line, /* to */) that lie outside strings, keeping every newline so that
// lines and columns stay where they were, and returns the lines (1-based)
// where comments start. It returns nil lines, and data unchanged, when there
// are none.
func stripComments(data []byte) ([]byte, []int) {
	var out []byte
	var lines []int
	line := 1
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			line++
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(data) && (data[i+1] == '/' || data[i+1] == '*'):
			if out == nil {
				out = append([]byte(nil), data...)
			}
			lines = append(lines, line)
			end := len(data)
			if data[i+1] == '/' {
				for j := i; j < len(data); j++ {
					if data[j] == '\n' {
						end = j
						break
					}
				}
			} else {
				for j := i + 2; j+1 < len(data); j++ {
					if data[j] == '*' && data[j+1] == '/' {
						end = j + 2
						break
					}
				}
			}
			for j := i; j < end; j++ {
				if out[j] == '\n' {
					line++
				} else if out[j] != '\r' {
					out[j] = ' '
				}
			}
			i = end - 1
		}
	}
	if lines == nil {
		return data, nil
	}
	return out, lines
}
