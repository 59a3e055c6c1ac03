package profile_test

import (
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// byteByByte is the stream scan's string rule read one byte at a time: the
// string ends at its first quote not escaped by a backslash; a control
// character, or bytes that are not UTF-8, make it unreadable.
func byteByByte(src []byte) (end int, escaped, ok bool) {
	for i := 1; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			return i + 1, escaped, utf8.Valid(src[:i+1])
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}

var _ = Describe("the stream scan's strings", func() {
	// Each byte that ends or changes a string, at every place of a string
	// long enough to be read eight bytes at a time, before, across and
	// after a word's edge, with plain text after it or the end of the input.
	It("reads a string as byte by byte, whatever byte stops it and wherever", func() {
		specials := []string{`"`, `\"`, `\\`, `\n`, "\x01", "\x1f", "\x7f", "é", "\xff", "€", "\xe2\x82", " ", "~"}
		cases := 0
		for _, sp := range specials {
			for at := 0; at <= 24; at++ {
				for _, tail := range []string{`"`, `abcdefghijklmnop"`, `abc`, ``} {
					body := []byte(`"`)
					for i := 0; i < at; i++ {
						body = append(body, byte('a'+i%26))
					}
					body = append(body, sp...)
					body = append(body, tail...)
					end, escaped, ok := profile.ScanString(body)
					wantEnd, wantEscaped, wantOK := byteByByte(body)
					Expect(ok).To(Equal(wantOK), "%q", body)
					if ok {
						Expect(end).To(Equal(wantEnd), "%q", body)
						Expect(escaped).To(Equal(wantEscaped), "%q", body)
					}
					cases++
				}
			}
		}
		Expect(cases).To(Equal(13 * 25 * 4))
	})
})
