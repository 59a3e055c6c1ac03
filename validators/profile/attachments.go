package profile

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// attachment checks what an Attachment says about its inline data against
// the data (R4 §2.24.0.9 Attachment): size is the number of bytes of the
// data, before base64 encoding; hash is the base64 SHA-1 of those bytes. A
// disagreement means the data or its description was damaged on the way,
// and the reference validator rejects both. An Attachment with neither data
// nor url describes nothing unless it says at least its content type or
// language (a warning). Only inline data is checked: carecert does not fetch
// an Attachment's url.
func (w *walker) attachment(m map[string]any, path string) {
	_, hasData := m["data"]
	_, hasURL := m["url"]
	_, hasType := m["contentType"]
	_, hasLang := m["language"]
	if !hasData && !hasURL && !hasType && !hasLang {
		w.add(model.Warning, CodeAttachment, path, "the Attachment has neither data nor url, nor even a contentType or language: it describes nothing", "")
	}
	size, hasSize := m["size"].(json.Number)
	hash, hasHash := m["hash"].(string)
	data, ok := m["data"].(string)
	if !ok || !hasSize && !hasHash {
		return
	}
	content, err := decodeBase64(data)
	if err != nil {
		return // the base64Binary format check reports it
	}
	if hasSize {
		if n, err := size.Int64(); err == nil && n != int64(len(content)) {
			w.add(model.Error, CodeAttachment, path+".size", fmt.Sprintf("size says %d bytes, but the data holds %d", n, len(content)), "")
		}
	}
	if hasHash {
		want, err := decodeBase64(hash)
		if err != nil {
			w.add(model.Error, CodeAttachment, path+".hash", fmt.Sprintf("hash is not base64 (%v): it must be the base64 of the SHA-1 of the data", err), "")
			return
		}
		got := sha1.Sum(content)
		if !bytes.Equal(want, got[:]) {
			w.add(model.Error, CodeAttachment, path+".hash", fmt.Sprintf("hash %s is not the SHA-1 of the data, which is %s", hash, base64.StdEncoding.EncodeToString(got[:])), "")
		}
	}
}

// decodeBase64 decodes base64 as readers do, ignoring whitespace (whose
// presence the format check judges).
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	return base64.StdEncoding.DecodeString(s)
}
