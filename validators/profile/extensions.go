package profile

import (
	"fmt"
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
		// Unknown extensions are allowed by FHIR unless a profile closes the
		// slicing; they are reported so that the user can load the guide.
		w.add(model.Warning, CodeExtension, path, fmt.Sprintf("unknown extension %s: no loaded definition, so it was not checked (load its implementation guide with --ig)", url), "")
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
