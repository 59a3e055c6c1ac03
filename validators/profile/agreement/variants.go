package agreement

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// VariantKind names how a variant writes or places an instance: the same
// data, which must get the same verdict unless a rule is about the format or
// the placement itself.
type VariantKind string

const (
	// AsXML is a JSON instance written as FHIR XML (fhirxml.Encode).
	AsXML VariantKind = "xml"
	// AsJSON is an XML instance read (fhirxml.Decode) and written as FHIR JSON.
	AsJSON VariantKind = "json"
	// InBundle is the instance, as written, the one entry of a collection
	// Bundle, with a fullUrl made from its type and id (a urn:uuid without an id).
	InBundle VariantKind = "bundle-entry"
	// OtherInBundle is the instance in the other format (AsXML, AsJSON) as
	// the one entry of a collection Bundle, as InBundle places it.
	OtherInBundle VariantKind = "other-format-bundle-entry"
	// Contained is the instance, as written, contained in a carrier Basic
	// that references it, with an id given when it has none.
	Contained VariantKind = "contained"
	// InParameters is the instance, as written, the resource of a
	// Parameters' one parameter.
	InParameters VariantKind = "parameter"
)

// VariantBase is the server base a Bundle variant's fullUrl names: the
// fictional trust the family pairs' own Bundles use.
const VariantBase = "https://fhir.oakfield-trust.nhs.uk/R4/"

// variantUUID is the fullUrl of an entry whose resource has no id.
const variantUUID = "urn:uuid:6f1c2a34-8b1e-4c7d-9a50-3e2b1d0c4f57"

// containedID is the id a contained variant gives a resource that has none.
const containedID = "variant-contained"

// Variant is one instance of a family pair written another way or placed
// elsewhere.
type Variant struct {
	Of   FamilyInstance
	Kind VariantKind
	// File is the variant's file name: the instance's stem, the kind, and
	// the extension of the format it is written in.
	File string
	Data []byte
}

// Unmade is a variant that cannot be made, with why: the instance does not
// hold the data the variant would carry (it does not parse, or its format
// cannot hold it), or the placement has no meaning for it.
type Unmade struct {
	Of   FamilyInstance
	Kind VariantKind
	Why  string
}

// MakeVariants derives every variant of an instance in dir: the other
// format, the Bundle entry in either format and, where a resource can be
// contained, the contained resource.
func MakeVariants(dir string, inst FamilyInstance) ([]Variant, []Unmade, error) {
	raw, err := os.ReadFile(filepath.Join(dir, inst.File))
	if err != nil {
		return nil, nil, fmt.Errorf("variants: %w", err)
	}
	ext := filepath.Ext(inst.File)
	if ext != ".json" && ext != ".xml" {
		return nil, nil, fmt.Errorf("variants: %s: neither .json nor .xml", inst.File)
	}
	stem := strings.TrimSuffix(inst.File, ext)
	var made []Variant
	var unmade []Unmade
	add := func(kind VariantKind, ext string, data []byte, why error) {
		if why != nil {
			unmade = append(unmade, Unmade{Of: inst, Kind: kind, Why: why.Error()})
			return
		}
		made = append(made, Variant{Of: inst, Kind: kind, File: stem + "." + string(kind) + ext, Data: data})
	}
	res, other, err := otherFormat(raw, ext)
	otherKind, otherExt := AsXML, ".xml"
	if ext == ".xml" {
		otherKind, otherExt = AsJSON, ".json"
	}
	add(otherKind, otherExt, other, err)
	if other != nil {
		b, err := inBundle(other, otherExt, res)
		add(OtherInBundle, otherExt, b, err)
	} else {
		add(OtherInBundle, otherExt, nil, fmt.Errorf("no %s form: %w", otherKind, err))
	}
	if res == nil {
		add(InBundle, ext, nil, err)
		add(Contained, ext, nil, err)
		add(InParameters, ext, nil, err)
		return made, unmade, nil
	}
	b, err := inBundle(raw, ext, res)
	add(InBundle, ext, b, err)
	c, err := contained(raw, ext, res)
	add(Contained, ext, c, err)
	pr, err := inParameters(raw, ext)
	add(InParameters, ext, pr, err)
	return made, unmade, nil
}

// inParameters writes the instance, byte for byte, as the resource of the
// one parameter of a Parameters.
func inParameters(raw []byte, ext string) ([]byte, error) {
	if ext == ".json" {
		return concat(`{"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": `, string(raw), "}]}\n"), nil
	}
	body, err := xmlBody(raw)
	if err != nil {
		return nil, err
	}
	return concat(`<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="resource"/><resource>`, body, "</resource></parameter></Parameters>\n"), nil
}

// otherFormat reads an instance (ext .json or .xml) and writes it in the
// other format. The resource read is returned when the instance parses,
// even when the other format cannot hold it.
func otherFormat(raw []byte, ext string) (map[string]any, []byte, error) {
	if ext == ".json" {
		res, err := fhir.Decode(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("the JSON does not parse: %w", err)
		}
		if dup := fhir.DuplicateKeys(raw); len(dup) > 0 {
			// decoding kept the last value; XML would hold that one alone
			return res, nil, fmt.Errorf("line %d: %s is written twice, a JSON-only fault FHIR XML cannot hold", dup[0].Line, dup[0].At())
		}
		x, err := fhirxml.Encode(res)
		return res, x, err
	}
	res, issues, _, err := fhirxml.DecodeDocument(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the XML does not parse: %w", err)
	}
	if len(issues) > 0 {
		// the data reads, but how it is written breaks FHIR XML's own
		// rules (element order, attributes, processing instructions),
		// which JSON has no way to write
		return res, nil, fmt.Errorf("line %d: %s, an XML-only fault FHIR JSON cannot hold", issues[0].Line, issues[0].Msg)
	}
	j, err := json.MarshalIndent(res, "", "  ")
	return res, j, err
}

// fullURL is the fullUrl of a Bundle entry holding res.
func fullURL(res map[string]any) string {
	if id := fhir.ID(res); id != "" && fhir.ResourceType(res) != "" {
		return VariantBase + fhir.ResourceType(res) + "/" + id
	}
	return variantUUID
}

// inBundle writes the instance, byte for byte, as the one entry of a
// collection Bundle.
func inBundle(raw []byte, ext string, res map[string]any) ([]byte, error) {
	url := fullURL(res)
	if ext == ".json" {
		return concat(`{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": `, quote(url), `, "resource": `, string(raw), "}]}\n"), nil
	}
	body, err := xmlBody(raw)
	if err != nil {
		return nil, err
	}
	return concat(`<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="`, url, `"/><resource>`, body, "</resource></entry></Bundle>\n"), nil
}

// contained writes the instance, byte for byte but for an id it lacks, as
// the contained resource of a Basic that names it as its subject.
func contained(raw []byte, ext string, res map[string]any) ([]byte, error) {
	switch {
	case fhir.ResourceType(res) == "Bundle":
		return nil, errors.New("a Bundle is not contained: R4 contains resources that have no independent existence")
	case res["contained"] != nil:
		return nil, errors.New("it contains resources itself, and a contained resource cannot (dom-2)")
	}
	id := fhir.ID(res)
	if ext == ".json" {
		body := string(raw)
		if id == "" {
			open := strings.Index(body, "{")
			if open < 0 || strings.TrimSpace(body[:open]) != "" {
				return nil, errors.New("the JSON does not start with its object")
			}
			id = containedID
			body = body[:open+1] + `"id": ` + quote(id) + ", " + body[open+1:]
		}
		return concat(`{"resourceType": "Basic", "id": "variant-carrier", "contained": [`, body,
			`], "code": {"text": "carrier of a contained variant"}, "subject": {"reference": `, quote("#"+id), "}}\n"), nil
	}
	body, err := xmlBody(raw)
	if err != nil {
		return nil, err
	}
	if id == "" {
		end := rootStartEnd(body)
		if end < 0 {
			return nil, errors.New("the root element has no content to give an id")
		}
		id = containedID
		body = body[:end+1] + `<id value="` + id + `"/>` + body[end+1:]
	}
	return concat(`<Basic xmlns="http://hl7.org/fhir"><id value="variant-carrier"/><contained>`, body,
		`</contained><code><text value="carrier of a contained variant"/></code><subject><reference value="#`, id, `"/></subject></Basic>`+"\n"), nil
}

// xmlBody is an XML document without its declaration, to be written inside
// another element. A document type declaration cannot be, and neither can
// a root element that is not FHIR's.
func xmlBody(raw []byte) (string, error) {
	s := string(raw)
	if strings.HasPrefix(strings.TrimSpace(s), "<?xml") {
		end := strings.Index(s, "?>")
		s = s[end+2:]
	}
	if strings.Contains(s, "<!DOCTYPE") {
		return "", errors.New("it declares a document type, which only a document's prolog can")
	}
	return s, nil
}

// rootStartEnd is the offset of the '>' ending the root element's start tag
// in an XML body, or -1 when there is none or the root is empty (<X/>).
func rootStartEnd(body string) int {
	i := 0
	for {
		lt := strings.Index(body[i:], "<")
		if lt < 0 {
			return -1
		}
		i += lt
		switch {
		case strings.HasPrefix(body[i:], "<!--"):
			end := strings.Index(body[i:], "-->")
			if end < 0 {
				return -1
			}
			i += end + 3
		case strings.HasPrefix(body[i:], "<?"):
			end := strings.Index(body[i:], "?>")
			if end < 0 {
				return -1
			}
			i += end + 2
		default:
			gt := tagEnd(body, i)
			if gt < 0 || body[gt-1] == '/' {
				return -1
			}
			return gt
		}
	}
}

// tagEnd is the offset of the '>' closing the tag that starts at i, quoted
// attribute values skipped.
func tagEnd(s string, i int) int {
	var q byte
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			return i
		}
	}
	return -1
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func concat(parts ...string) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString(p)
	}
	return b.Bytes()
}
