package terminology

// ScanBundle exposes the lazy index's scanner to the specs.
func ScanBundle(b []byte) (types, urls, contents []string, raws [][]byte, err error) {
	hs, err := scanBundle(b)
	for _, h := range hs {
		types = append(types, h.resourceType)
		urls = append(urls, h.url)
		contents = append(contents, h.content)
		raws = append(raws, h.raw)
	}
	return types, urls, contents, raws, err
}

// MemoLimit bounds each memo of an engine.
const MemoLimit = memoLimit

// MemoSizes is how many answers an engine's memos hold, together.
func MemoSizes(e *Engine) int { return e.members.size() + e.codes.size() }

// CoreArchive is the embedded core.zip.
func CoreArchive() []byte { return coreArchive }

// ParseCodeSystem parses a CodeSystem's JSON as the engine does.
func ParseCodeSystem(raw []byte, source string) (*CodeSystem, error) {
	res, err := decodeMap(raw)
	if err != nil {
		return nil, err
	}
	return parseCodeSystem(res, source)
}

// LOINCShape is the hand-written reader of a LOINC code's shape.
func LOINCShape(code string) (part bool, number string, check byte, ok bool) {
	return loincShape(code)
}
