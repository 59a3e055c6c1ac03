package hl7v2

import (
	"encoding/hex"
	"strings"
)

// Unescape decodes the escape sequences of a raw value: \F\ \S\ \T\ \R\ \E\
// become the delimiters, \Xhh..\ the bytes it spells; formatting and
// character-set sequences (\H\ \N\ \.br\ \Cxxyy\ \Mxxyyzz\ \Zxx\) are left as
// written, since they are not data. Malformed sequences are kept verbatim;
// CheckEscapes reports them.
func (d Delimiters) Unescape(s string) string {
	if d.Escape == 0 || strings.IndexByte(s, d.Escape) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != d.Escape {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], d.Escape)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		seq := s[i+1 : i+1+end]
		switch {
		case seq == "F":
			b.WriteByte(d.Field)
		case seq == "S":
			b.WriteByte(d.Component)
		case seq == "T" && d.Subcomponent != 0:
			b.WriteByte(d.Subcomponent)
		case seq == "R" && d.Repetition != 0:
			b.WriteByte(d.Repetition)
		case seq == "E":
			b.WriteByte(d.Escape)
		case seq == "P" && d.Truncation != 0:
			b.WriteByte(d.Truncation)
		case len(seq) > 1 && seq[0] == 'X' && len(seq)%2 == 1:
			raw, err := hex.DecodeString(seq[1:])
			if err != nil {
				b.WriteString(s[i : i+2+end])
			} else {
				b.Write(raw)
			}
		default:
			b.WriteString(s[i : i+2+end])
		}
		i += end + 1
	}
	return b.String()
}

// CheckEscapes returns the first malformed escape sequence in a raw value and
// why, or "" when all are well formed.
func (d Delimiters) CheckEscapes(s string) (bad, why string) {
	if d.Escape == 0 || strings.IndexByte(s, d.Escape) < 0 {
		return "", ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] != d.Escape {
			continue
		}
		end := strings.IndexByte(s[i+1:], d.Escape)
		if end < 0 {
			return s[i:], "escape sequence is not closed (write a literal escape character as \\E\\)"
		}
		seq := s[i+1 : i+1+end]
		i += end + 1
		switch {
		case seq == "F", seq == "S", seq == "T", seq == "R", seq == "E", seq == "H", seq == "N":
		case seq == "P" && d.Truncation != 0:
		case seq == "":
			return d.esc(seq), "empty escape sequence"
		case seq[0] == 'X':
			if len(seq) == 1 || len(seq)%2 == 0 {
				return d.esc(seq), "\\X..\\ needs an even number of hexadecimal digits"
			}
			if _, err := hex.DecodeString(seq[1:]); err != nil {
				return d.esc(seq), "\\X..\\ holds a character that is not hexadecimal"
			}
		case seq[0] == '.', seq[0] == 'C', seq[0] == 'M', seq[0] == 'Z':
			// formatting (.br, .sp, .in ...), character set switches and
			// locally defined escapes: allowed.
		default:
			return d.esc(seq), "unknown escape sequence"
		}
	}
	return "", ""
}

func (d Delimiters) esc(seq string) string {
	return string(d.Escape) + seq + string(d.Escape)
}

// EscapeText encodes text for use as a value: delimiters become escape sequences.
func (d Delimiters) EscapeText(s string) string {
	if d.Escape == 0 || strings.IndexAny(s, string([]byte{d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent})) < 0 {
		// Without an escape character (one a short MSH-2 left out) nothing
		// can be escaped.
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case d.Field:
			b.WriteString(d.esc("F"))
		case d.Component:
			b.WriteString(d.esc("S"))
		case d.Subcomponent:
			b.WriteString(d.esc("T"))
		case d.Repetition:
			b.WriteString(d.esc("R"))
		case d.Escape:
			b.WriteString(d.esc("E"))
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
