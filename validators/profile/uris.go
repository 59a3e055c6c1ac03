package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/model"
)

// uriForm checks what the R4 datatypes (§2.24.0.1 uri, canonical, oid, uuid)
// say of the form of a URI beyond its characters: OIDs and UUIDs are written
// as URNs (urn:oid:, urn:uuid:, never the bare "oid:" or "uuid:"), a UUID in
// lower case, an OID with a real root; a canonical reference is absolute (or
// a #fragment to a contained resource); and the canonical URL a definition is
// known by (CodeSystem.url, StructureDefinition.url…) is absolute. The
// reference validator judges each as an error.
func (w *walker) uriForm(s, typ string, k *node, at pathAt) {
	switch {
	case strings.HasPrefix(s, "oid:"):
		w.add(model.Error, CodeFormat, w.pathText(at), fmt.Sprintf("%q is not a URI: an OID is written urn:oid:%s", s, s[len("oid:"):]), "")
		return
	case strings.HasPrefix(s, "uuid:"):
		w.add(model.Error, CodeFormat, w.pathText(at), fmt.Sprintf("%q is not a URI: a UUID is written urn:uuid:%s", s, s[len("uuid:"):]), "")
		return
	}
	if id, ok := strings.CutPrefix(s, "#"); ok && w.localReferencePlace(typ, k.path) {
		w.localFragment(s, id, typ, k.path, at)
		return
	}
	if typ == "canonical" && !absoluteURI(s) {
		w.add(model.Error, CodeFormat, w.pathText(at), fmt.Sprintf("canonical %q is relative: a canonical reference is the absolute URL of a definition (or #id of a contained one)", s), "")
		return
	}
	if typ == "uri" && w.definingURL(k.path) && !absoluteURI(s) {
		w.add(model.Error, CodeFormat, w.pathText(at), fmt.Sprintf("the canonical URL %q of this definition must be absolute: it is how other resources refer to it", s), "")
		return
	}
	value := s
	if typ == "canonical" {
		value, _, _ = strings.Cut(value, "|")
	}
	switch {
	case typ != "uuid" && strings.HasPrefix(value, "urn:uuid:"):
		u, _, _ := strings.Cut(value[len("urn:uuid:"):], "#")
		if !validUUID(u) {
			w.add(model.Error, CodeFormat, w.pathText(at), fmt.Sprintf("%q is not a valid UUID: 8-4-4-4-12 hexadecimal digits in lower case", u), "")
		}
	case strings.HasPrefix(value, "urn:oid:"):
		o := value[len("urn:oid:"):]
		if !validOID(o) {
			w.add(model.Error, CodeFormat, w.pathText(at), fmt.Sprintf("%q is not a valid OID: numbers separated by dots, starting 0, 1 or 2 and with a root of more than one arc (such as 2.16.840.1.113883)", o), "")
		}
	}
}

// definingURL reports whether an element is the canonical URL a resource is
// known by: "url" directly under the root of a canonical resource. The url
// of another resource (Device.url, a network address) or of a datatype
// (Attachment.url, RelatedArtifact.url, Extension.url) points elsewhere or
// names something else.
func (w *walker) definingURL(elementPath string) bool {
	typ, name, ok := strings.Cut(elementPath, ".")
	return ok && name == "url" && isCanonicalType(typ)
}

// validUUID reports whether s is a UUID written as RFC 4122 and FHIR ask:
// lower-case hexadecimal in groups of 8-4-4-4-12.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// validOID reports whether s is an OID a namespace can be: arcs of decimal
// numbers without leading zeros, the first 0, 1 or 2, and, since roots of
// one or two short arcs are never assigned as namespaces, a first two arcs
// longer than "x.y" (1.3 excepted, the root of many real namespaces).
func validOID(s string) bool {
	arcs := strings.Split(s, ".")
	if len(arcs) < 2 || len(arcs[0]) != 1 || arcs[0][0] < '0' || arcs[0][0] > '2' {
		return false
	}
	for _, a := range arcs {
		if a == "" || len(a) > 1 && a[0] == '0' {
			return false
		}
		for _, c := range a {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return strings.LastIndexByte(s, '.') >= 4 || strings.HasPrefix(s, "1.3")
}

// identifier checks an Identifier's system and, for the systems that say
// what the value is, the value (R4 §2.24.0.13 Identifier): a system is an
// absolute URI of a namespace (http:, https:, urn:, or ldap:) made of RFC
// 3986 characters; urn:ietf:rfc:3986 means the value is itself a URI; and
// the RFC 4122 page is not the system of UUIDs, urn:ietf:rfc:3986 is.
func (w *walker) identifier(m map[string]any, at pathAt) {
	system, ok := m["system"].(string)
	if !ok || system == "" {
		return
	}
	// Paths are made only for a finding: most Identifiers have none.
	sp := func() string { return w.pathText(at) + ".system" }
	if !strings.HasPrefix(system, "http:") && !strings.HasPrefix(system, "https:") && !strings.HasPrefix(system, "urn:") && !strings.HasPrefix(system, "ldap:") {
		w.add(model.Error, CodeFormat, sp(), fmt.Sprintf("Identifier.system %q must be an absolute URI naming the namespace of the identifier (http:, https:, urn: or ldap:)", system), "")
		return
	}
	if bad := nonURIChars(system); bad != "" {
		w.add(model.Warning, CodeFormat, sp(), fmt.Sprintf("Identifier.system %q has characters a URI may not have unescaped (RFC 3986): %s", system, bad), "")
	}
	value, hasValue := m["value"].(string)
	if !hasValue {
		return
	}
	vp := func() string { return w.pathText(at) + ".value" }
	switch system {
	case "urn:ietf:rfc:3986":
		if !absoluteURI(value) {
			w.add(model.Error, CodeFormat, vp(), fmt.Sprintf("with the system urn:ietf:rfc:3986 the identifier is a URI, so the value must be an absolute URI, not %q", value), "")
		}
	case "https://tools.ietf.org/html/rfc4122":
		switch {
		case strings.HasPrefix(value, "urn:uuid:"), validUUID(value):
			w.add(model.Warning, CodeFormat, sp(), fmt.Sprintf("the system of a UUID identifier is urn:ietf:rfc:3986, with the value written urn:uuid:…; not the page of RFC 4122 (value %q)", value), "")
		default:
			w.add(model.Error, CodeFormat, sp(), fmt.Sprintf("the RFC 4122 page names no identifier system, and %q is not a UUID", value), "")
		}
	}
}

// nonURIChars lists the characters of s that RFC 3986 allows in no part of
// a URI unless percent-encoded ("" when there are none).
func nonURIChars(s string) string {
	var bad []string
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~:/?#[]@!$&'()*+,;=%", c)
		if !ok {
			q := fmt.Sprintf("%q", c)
			if !slices.Contains(bad, q) {
				bad = append(bad, q)
			}
		}
	}
	return strings.Join(bad, " ")
}
