package hl7v2

import (
	"bytes"
	"io"

	"golang.org/x/text/transform"
)

// FramesText is the text of a capture of MLLP frames as the scanner reads
// one whose first frame is in UTF-16, UTF-32 or after a UTF-8 mark: each
// frame decoded by itself, its mark left out.
func FramesText(data []byte) []byte {
	text, err := io.ReadAll(transform.NewReader(bytes.NewReader(data), &frameDecoder{}))
	if err != nil {
		panic(err)
	}
	return text
}
