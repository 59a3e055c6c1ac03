// Package phonetic encodes personal names by how they sound, so that spellings
// of one name ("Smith" and "Smyth", "Catherine" and "Kathryn", "Stephen" and
// "Steven") get one code. It implements Lawrence Philips' Metaphone (1990)
// with the usual corrections, over the letters A–Z after accents are folded.
//
// Metaphone, not Double Metaphone: a name gets exactly one code, so a
// duplicate check keeps one key per record and its state stays a plain,
// mergeable set of keys. (The Go packages of Double Metaphone on the module
// proxy are either GPL-licensed or unmaintained since 2017-2019.)
package phonetic

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Name returns the code of a name: the code of each of its words, joined by
// spaces ("Mary-Ann Smith" → "MR AN SM0"). Words without a letter A–Z are
// left out; a name without any gives "".
func Name(s string) string {
	var codes []string
	for _, w := range words(s) {
		if c := Word(w); c != "" {
			codes = append(codes, c)
		}
	}
	return strings.Join(codes, " ")
}

// words splits a name into words of upper-case letters A–Z, with accents
// removed (Zoë → ZOE) and everything but letters a separator.
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	if !ascii(s) {
		s = norm.NFD.String(s)
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining accent: the base letter was kept
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r == '\'' || r == '’':
			// O'Brien is one word
		default:
			flush()
		}
	}
	flush()
	return out
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isVowel(c byte) bool {
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U'
}

// Word returns the Metaphone code of one word of upper-case letters A–Z
// (other bytes are ignored). The code keeps a vowel only as the first letter,
// and writes '0' for "th" and 'X' for "sh".
func Word(word string) string {
	w := make([]byte, 0, len(word))
	for i := 0; i < len(word); i++ {
		if c := word[i]; c >= 'A' && c <= 'Z' {
			w = append(w, c)
		}
	}
	if len(w) == 0 {
		return ""
	}
	// Silent or changed first letters.
	switch {
	case hasPrefix(w, "AE"), hasPrefix(w, "GN"), hasPrefix(w, "KN"), hasPrefix(w, "PN"), hasPrefix(w, "WR"):
		w = w[1:]
	case w[0] == 'X':
		w[0] = 'S'
	case hasPrefix(w, "WH"):
		w = append([]byte{'W'}, w[2:]...)
	}
	at := func(i int) byte {
		if i < 0 || i >= len(w) {
			return 0
		}
		return w[i]
	}
	var out []byte
	for i, c := range w {
		prev, next, after := at(i-1), at(i+1), at(i+2)
		if c == prev && c != 'C' {
			continue // doubled letters sound once
		}
		switch c {
		case 'A', 'E', 'I', 'O', 'U':
			if i == 0 {
				out = append(out, c)
			}
		case 'B':
			if !(prev == 'M' && i == len(w)-1) { // "Plumb"
				out = append(out, 'B')
			}
		case 'C':
			switch {
			case next == 'I' && after == 'A', next == 'H' && prev != 'S':
				out = append(out, 'X') // "Lucia", "Charles"
			case next == 'I' || next == 'E' || next == 'Y':
				if prev != 'S' { // "Scene": the s says it
					out = append(out, 'S')
				}
			default:
				out = append(out, 'K') // "Catherine", "Schmidt"
			}
		case 'D':
			if next == 'G' && (after == 'E' || after == 'I' || after == 'Y') {
				out = append(out, 'J') // "Hodge"
			} else {
				out = append(out, 'T')
			}
		case 'G':
			switch {
			case next == 'H' && !isVowel(after):
				// "Wright", "Hugh": silent
			case next == 'N' && (i+2 == len(w) || (after == 'E' && at(i+3) == 'D' && i+4 == len(w))):
				// "Sign", "Signed": silent
			case prev == 'D' && (next == 'E' || next == 'I' || next == 'Y'):
				// "Hodge": the d said it
			case (next == 'E' || next == 'I' || next == 'Y') && prev != 'G':
				out = append(out, 'J') // "George"
			default:
				out = append(out, 'K')
			}
		case 'H':
			if strings.IndexByte("CGPST", prev) < 0 && isVowel(next) {
				out = append(out, 'H') // "Hughes", "Mohammed"; not "John", "Sarah"
			}
		case 'K':
			if prev != 'C' {
				out = append(out, 'K')
			}
		case 'P':
			if next == 'H' {
				out = append(out, 'F') // "Stephen"
			} else {
				out = append(out, 'P')
			}
		case 'Q':
			out = append(out, 'K')
		case 'S':
			switch {
			case next == 'H', next == 'I' && (after == 'O' || after == 'A'):
				out = append(out, 'X') // "Shaw", "Siobhan"
			default:
				out = append(out, 'S')
			}
		case 'T':
			switch {
			case next == 'I' && (after == 'O' || after == 'A'):
				out = append(out, 'X') // "Horatio"
			case next == 'H':
				out = append(out, '0') // "Smith", "Catherine"
			case next == 'C' && after == 'H':
				// "Fletcher": the ch says it
			default:
				out = append(out, 'T')
			}
		case 'V':
			out = append(out, 'F') // "Steven"
		case 'W', 'Y':
			if isVowel(next) {
				out = append(out, c)
			}
		case 'X':
			out = append(out, 'K', 'S')
		case 'Z':
			out = append(out, 'S')
		default: // F, J, L, M, N, R
			out = append(out, c)
		}
	}
	return string(out)
}

func hasPrefix(w []byte, p string) bool {
	return len(w) >= len(p) && string(w[:len(p)]) == p
}
