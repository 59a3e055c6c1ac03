package profile

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// extension validates an Extension: its url names a known definition (or the
// slice's profile), the definition allows it here, and its value and nested
// extensions conform to the definition.
func (w *walker) extension(m map[string]any, k *node, t *typeInfo, path, host string) {
	url, _ := m["url"].(string)
	if url == "" {
		w.object(m, k, t, path, false)
		w.add(model.Error, CodeExtension, path+".url", "extension has no url", "")
		return
	}
	canonical := url
	if len(t.profiles) > 0 {
		canonical = t.profiles[0]
	}
	if k.path == "Extension.extension" || strings.HasSuffix(k.path, ".extension.extension") || !strings.Contains(url, "/") {
		// A nested extension of a complex extension is identified by a
		// relative url and defined by the parent's slices.
		if !strings.Contains(url, "://") && !strings.HasPrefix(url, "urn:") {
			w.object(m, k, t, path, false)
			return
		}
	}
	p, err := w.e.Plan(canonical)
	if err != nil {
		// An extension is only usable when its definition can be found: its
		// value cannot be checked, and a reader cannot know what it means.
		// Feeds that carry extensions of a guide the user cannot load list
		// its domain in the check's accept-extensions parameter.
		sev, msg := model.Error, fmt.Sprintf("extension %s is unknown: no loaded definition declares it, so it is not allowed here (load its implementation guide with --ig, or accept its domain with --accept-extensions or the plan's extension_domains)", url)
		if why := hl7Extension(url); why != "" {
			sev, msg = model.Warning, fmt.Sprintf("extension %s was not checked: %s", url, why)
		} else if prefix := w.e.acceptedExtension(url); prefix != "" {
			sev, msg = model.Warning, fmt.Sprintf("extension %s was not checked: no loaded definition declares it (accepted: its domain %s is listed in extension_domains)", url, prefix)
		} else if exampleURL(url) {
			msg += "; example URLs are not allowed in real data"
		}
		f := w.rec.Finding(sev, CodeUnknownExtension, path, msg)
		f.Evidence = url
		w.out = append(w.out, f)
		w.object(m, k, t, path, false)
		return
	}
	if len(t.profiles) > 0 {
		if pu, _ := definitions.SplitCanonical(canonical); pu != url {
			w.add(model.Error, CodeExtension, path+".url", fmt.Sprintf("extension url %s does not match the profiled extension %s", url, pu), "")
		}
	}
	if p.Type != "Extension" {
		w.add(model.Error, CodeExtension, path, fmt.Sprintf("%s is a definition of %s, not an extension", url, p.Type), "")
		return
	}
	modifierPlace := strings.HasSuffix(k.path, "modifierExtension")
	switch {
	case p.root.modifier && !modifierPlace:
		w.add(model.Error, CodeExtension, path, fmt.Sprintf("extension %s is a modifier extension: it must be sent as a modifierExtension, never as an extension", url), "")
	case !p.root.modifier && modifierPlace:
		w.add(model.Error, CodeExtension, path, fmt.Sprintf("extension %s is not a modifier extension: it must be sent as an extension, not as a modifierExtension", url), "")
	}
	if msg := contextAllows(p, host, k); msg != "" {
		w.add(model.Error, CodeExtension, path, fmt.Sprintf("extension %s is not allowed here: %s", url, msg), "")
	}
	w.object(m, p.root, nil, path, false)
	w.invariants(p.root, &typeInfo{code: "Extension"}, m, nil, path)
}

// contextAllows checks an extension definition's context against where the
// extension appears: host is the element (path or data type) holding it.
func contextAllows(p *Plan, host string, k *node) string {
	if len(p.Context) == 0 {
		return ""
	}
	hostPath, hostType, _ := strings.Cut(host, "|")
	hostType, typedPath, _ := strings.Cut(hostType, "|")
	var allowed []string
	for _, c := range p.Context {
		switch c.Type {
		case "fhirpath":
			return "" // not checked without evaluating the expression
		case "extension":
			if hostType == "Extension" || strings.HasSuffix(hostPath, "xtension") {
				return ""
			}
		default:
			e := c.Expression
			switch {
			case e == hostPath || e == hostType || e == "*" || e == typedPath && typedPath != "",
				e == "Element", e == "Resource", e == "DomainResource",
				e == "BackboneElement" && strings.Contains(hostPath, "."),
				strings.HasPrefix(hostPath, e+"."), // a context on a resource covers its elements
				strings.HasPrefix(e, hostPath+"."): // an element's primitive children share its extensions
				return ""
			}
			// A context on a data type or element path matches its uses.
			if k != nil && (k.path == e+".extension" || k.path == e+".modifierExtension") {
				return ""
			}
		}
		allowed = append(allowed, c.Expression)
	}
	return fmt.Sprintf("it is used on %s but its definition allows only %s", hostPath, strings.Join(allowed, ", "))
}

// exampleURL reports whether a URL is on a domain reserved for examples
// (RFC 2606: example.org, example.com, example.net and their subdomains).
func exampleURL(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	for _, d := range []string{"example.org", "example.com", "example.net"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// hl7Extension says why an extension HL7 defines outside the R4 core
// definitions cannot be checked, or "" when the url is not HL7's: extensions
// published later in HL7's extensions pack share the core namespace, and
// cross-version extensions (http://hl7.org/fhir/5.0/StructureDefinition/
// extension-...) are defined by the other version's elements.
func hl7Extension(url string) string {
	rest, ok := strings.CutPrefix(url, "http://hl7.org/fhir/")
	if !ok {
		return ""
	}
	if strings.HasPrefix(rest, "StructureDefinition/") {
		return "it is in HL7's namespace but not in the R4 core definitions (it may come from HL7's extensions pack: load that package with --ig to check it)"
	}
	version, name, ok := strings.Cut(rest, "/StructureDefinition/extension-")
	if ok && name != "" && len(version) >= 3 && version[0] >= '1' && version[0] <= '9' && version[1] == '.' {
		return "it is a cross-version extension for FHIR " + version + ", whose definitions are not loaded"
	}
	return ""
}

// acceptedExtension returns the accepted domain an extension url falls in.
func (e *Engine) acceptedExtension(url string) string {
	for _, p := range e.acceptExt {
		if p != "" && strings.HasPrefix(url, p) {
			return p
		}
	}
	return ""
}
