package profile

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// extension validates an Extension: its url names a known definition (or the
// slice's profile), the definition allows it here, and its value and nested
// extensions conform to the definition. Its path text is built only when
// something needs it (a finding, a definition's context), as elsewhere in
// the walk: most extensions conform.
func (w *walker) extension(m map[string]any, k *node, t *typeInfo, at pathAt, host hostElem) {
	url, _ := m["url"].(string)
	if url == "" {
		path := w.pathText(at)
		w.object(m, k, t, path, false)
		w.add(model.Error, CodeExtension, path+".url", "extension has no url", "")
		return
	}
	canonical := url
	if len(t.profiles) > 0 {
		canonical = t.profiles[0]
	}
	if !strings.Contains(url, "://") && !strings.HasPrefix(url, "urn:") && len(t.profiles) == 0 {
		w.subExtension(m, k, t, url, w.pathText(at))
		return
	}
	p, err := w.e.Compiled(canonical)
	if err != nil {
		path := w.pathText(at)
		saved := w.extParent
		w.extParent = &extParent{url: url}
		defer func() { w.extParent = saved }()
		// An extension is only usable when its definition can be found: its
		// value cannot be checked, and a reader cannot know what it means.
		// Feeds that carry extensions of a guide the user cannot load list
		// its domain in the check's accept-extensions parameter.
		sev, msg := model.Error, fmt.Sprintf("extension %s is unknown: no loaded definition declares it, so it is not allowed here (load its implementation guide with --ig, or accept its domain with --accept-extensions or the plan's extension_domains)", url)
		if why := hl7Extension(url); why != "" {
			sev, msg = model.Warning, fmt.Sprintf("extension %s was not checked: %s", url, why)
		} else if why := w.e.missingDefinition(url); why != "" {
			sev, msg = model.Warning, fmt.Sprintf("extension %s was not checked: %s", url, why)
		} else if prefix := w.e.acceptedExtension(url); prefix != "" {
			sev, msg = model.Warning, fmt.Sprintf("extension %s was not checked: no loaded definition declares it (accepted: its domain %s is listed in extension_domains)", url, prefix)
		} else if exampleExtension(url) && w.e.allowExampleURLs {
			sev, msg = model.Warning, fmt.Sprintf("extension %s was not checked: its URL is on an example domain (example.org or acme.com), accepted because allow-example-urls is on", url)
		} else if exampleURL(url) {
			msg += "; example URLs are not allowed in real data (allow-example-urls accepts them)"
		}
		if inlineSlice(k, url) {
			// The profile describes its content, which is checked below
			// against the slice, but a reader of the instance still has no
			// definition to look the url up in.
			msg += fmt.Sprintf("; the profile's slice %q describes it inline, so its content is checked against that slice", k.sliceName)
		}
		f := w.rec.Finding(sev, CodeUnknownExtension, path, msg)
		f.Evidence = url
		w.out = append(w.out, f)
		w.object(m, k, t, path, false)
		return
	}
	if len(t.profiles) > 0 {
		if pu, _ := definitions.SplitCanonical(canonical); pu != url {
			w.add(model.Error, CodeExtension, w.pathText(at)+".url", fmt.Sprintf("extension url %s does not match the profiled extension %s", url, pu), "")
		}
	}
	if p.Type != "Extension" {
		w.add(model.Error, CodeExtension, w.pathText(at), fmt.Sprintf("%s is a definition of %s, not an extension", url, p.Type), "")
		return
	}
	modifierPlace := strings.HasSuffix(k.path, "modifierExtension")
	switch {
	case p.root.modifier && !modifierPlace:
		w.add(model.Error, CodeExtension, w.pathText(at), fmt.Sprintf("extension %s is a modifier extension: it must be sent as a modifierExtension, never as an extension", url), "")
	case !p.root.modifier && modifierPlace:
		w.add(model.Error, CodeExtension, w.pathText(at), fmt.Sprintf("extension %s is not a modifier extension: it must be sent as an extension, not as a modifierExtension", url), "")
	}
	if msg := w.contextAllows(p, host, at, k); msg != "" {
		w.add(model.Error, CodeExtension, w.pathText(at), fmt.Sprintf("extension %s is not allowed here: %s", url, msg), "")
	} else {
		w.contextInvariants(p, url, at)
	}
	if p.versions != nil && !p.versions.admits(r4) {
		w.add(model.Error, CodeExtension, w.pathText(at), fmt.Sprintf("extension %s is defined for FHIR %s only (version-specific-use), and this is FHIR %s", url, p.versions, r4), "")
	}
	w.dependsOnStanding(p, at)
	saved, savedParent := w.extURL, w.extParent
	w.extURL, w.extParent = url, &extParent{url: url, compiled: p}
	w.objectAt(m, p.root, nil, at, false, hostElem{n: p.root})
	w.extURL, w.extParent = saved, savedParent
	w.checkAt(p.root.invariants, p.root, &typeInfo{code: "Extension"}, m, nil, at)
}

// inlineSlice reports whether k is a profile's slice that defines the
// extension with this url inline: a slice fixing Extension.url rather than
// naming an extension definition by type profile.
func inlineSlice(k *node, url string) bool {
	if k == nil || k.sliceName == "" {
		return false
	}
	u := k.kidIndex["url"]
	return u != nil && u.fixed == url
}

// extParent is a complex extension whose sub-extensions are being walked;
// compiled is nil when no loaded definition declares it.
type extParent struct {
	url      string
	compiled *Compiled
}

// subExtension handles an extension with a relative url. R4 §2.17.1: only the
// sub-extensions of a complex extension are identified by a relative url (the
// name its definition gives them); every other extension needs an absolute
// one. A sub-extension the parent's definition does not declare is an error,
// as the reference validator rules; under an unknown parent, or one a profile
// defines inline (Patient.extension.extension), nothing can be told.
func (w *walker) subExtension(m map[string]any, k *node, t *typeInfo, url, path string) {
	w.object(m, k, t, path, false)
	nested := k.path == "Extension.extension" || strings.HasSuffix(k.path, ".extension.extension")
	switch {
	case !nested || w.extParent == nil:
		w.add(model.Error, CodeExtension, path+".url", fmt.Sprintf("extension url %s is relative: an extension's url must be absolute; only the sub-extensions of a complex extension use the relative names its definition declares", url), url)
	case w.extParent.compiled == nil || k.path != "Extension.extension":
		return
	default:
		declared := declaredSubExtensions(w.extParent.compiled)
		if !slices.Contains(declared, url) {
			why := "it declares no sub-extensions"
			if len(declared) > 0 {
				why = "it declares " + strings.Join(declared, ", ")
			}
			w.add(model.Error, CodeExtension, path+".url", fmt.Sprintf("sub-extension %s is not defined by the extension %s (%s)", url, w.extParent.url, why), url)
		}
	}
}

// declaredSubExtensions lists the relative urls a complex extension's
// definition fixes on the slices of its Extension.extension.
func declaredSubExtensions(p *Compiled) []string {
	var out []string
	if p.root == nil {
		return nil
	}
	ext := p.root.kidIndex["extension"]
	if ext == nil {
		return nil
	}
	for _, s := range ext.slices {
		if u := s.kidIndex["url"]; u != nil {
			if v, ok := u.fixed.(string); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// contextAllows checks an extension definition's context against where the
// extension appears: on is the element holding it ("path|type|typedPath",
// or a resource type for a resource's root) and self the extension's own
// location. It returns why the extension is not allowed, or "".
func (w *walker) contextAllows(p *Compiled, on hostElem, self pathAt, k *node) string {
	if len(p.Context) == 0 {
		return ""
	}
	host, path := on.String(), w.pathText(self)
	hostPath, hostType, _ := strings.Cut(host, "|")
	hostType, typedPath, _ := strings.Cut(hostType, "|")
	// The element in the instance, without indexes ("Patient.name.given").
	at := path
	if i := strings.LastIndexByte(at, '.'); i >= 0 {
		at = at[:i]
	}
	literal := stripIndexes(at)
	root := !strings.Contains(host, "|") && !strings.Contains(hostPath, ".") && w.e.IsResourceType(hostPath)
	var allowed []string
	for _, c := range append(p.Context, r4ContextErrata(p.URL)...) {
		e := c.Expression
		switch c.Type {
		case "fhirpath":
			if w.selects(p, e, at) {
				return ""
			}
		case "extension":
			// Used on the extension itself, or on its value: both are
			// within the extension named.
			onExtension := hostType == "" && hostPath == "Extension" || hostPath == "Extension.value[x]"
			if u, _ := definitions.SplitCanonical(e); onExtension && w.extURL != "" && (w.extURL == e || w.extURL == u) {
				return ""
			}
		default:
			switch {
			case e == "Element" || e == "Any" || e == "*":
				return "" // every element, and resources too, as the reference validator reads it
			case root && w.e.resourceIs(hostPath, e):
				return "" // Patient is a DomainResource and a Resource; Questionnaire a CanonicalResource
			case !root && (e == "BackboneElement" && hostType == "BackboneElement"):
				return ""
			case e == hostPath || e == literal || e == typedPath && typedPath != "":
				return ""
			case w.inheritedPath(e, literal):
				return "" // DomainResource.text is Patient.text too
			case hostType != "" && hostType != "BackboneElement" && hostType != "Element" && w.e.typeIs(hostType, e):
				return "" // a data type, or one it derives from (Age is a Quantity)
			case k != nil && (k.path == e+".extension" || k.path == e+".modifierExtension"):
				return ""
			}
		}
		allowed = append(allowed, c.Expression)
	}
	where := literal
	if where == "" {
		where = hostPath
	}
	return fmt.Sprintf("it is used on %s but its definition allows only %s", where, strings.Join(allowed, ", "))
}

// inheritedPath reports whether a context path written on an abstract or
// base type ("DomainResource.text") names the element at literal
// ("Patient.text"): the same element, reached through a type that derives
// from the context's.
func (w *walker) inheritedPath(context, literal string) bool {
	cHead, cTail, _ := strings.Cut(context, ".")
	lHead, lTail, _ := strings.Cut(literal, ".")
	return cTail == lTail && cHead != lHead && w.e.resourceIs(lHead, cHead)
}

// contextInvariants evaluates an extension definition's context invariants
// on the element the extension is used on (R4 StructureDefinition.
// contextInvariant: each must hold where the extension appears).
func (w *walker) contextInvariants(p *Compiled, url string, at pathAt) {
	h := w.holder
	if len(p.contextInvariants) == 0 || h.n == nil {
		return
	}
	for _, inv := range p.contextInvariants {
		if inv.compiled == nil {
			w.unevaluated(inv, inv.unusable)
			continue
		}
		ok, err := inv.compiled.Holds(w.focus(h.n, h.t, h.value, nil))
		if err != nil {
			w.unevaluated(inv, "FHIRPath: "+err.Error())
			continue
		}
		if !ok {
			w.add(model.Error, CodeExtension, w.pathText(at), fmt.Sprintf("extension %s is not allowed here: its definition's context invariant %s does not hold on the element it is used on", url, inv.expr), "")
		}
	}
}

// r4 is the FHIR version carecert validates (major.minor).
const r4 = "4.0"

// versionRange is the FHIR versions an extension definition says it is for
// (the version-specific-use extension: startFhirVersion, endFhirVersion).
type versionRange struct{ start, end string }

// specificUse reads a definition's version-specific-use extension, or nil.
func specificUse(exts []json.RawMessage) *versionRange {
	for _, raw := range exts {
		var x struct {
			URL       string `json:"url"`
			Extension []struct {
				URL       string `json:"url"`
				ValueCode string `json:"valueCode"`
			} `json:"extension"`
		}
		if json.Unmarshal(raw, &x) != nil || x.URL != definitions.CoreBase+"version-specific-use" {
			continue
		}
		r := &versionRange{}
		for _, e := range x.Extension {
			switch e.URL {
			case "startFhirVersion":
				r.start = e.ValueCode
			case "endFhirVersion":
				r.end = e.ValueCode
			}
		}
		if r.start != "" || r.end != "" {
			return r
		}
	}
	return nil
}

// admits reports whether version (major.minor) is within the range, each
// bound compared on its major and minor numbers.
func (r *versionRange) admits(version string) bool {
	return (r.start == "" || compareVersions(version, r.start) >= 0) && (r.end == "" || compareVersions(version, r.end) <= 0)
}

func (r *versionRange) String() string {
	switch {
	case r.start == "":
		return "up to " + r.end
	case r.end == "":
		return r.start + " onwards"
	}
	return r.start + " to " + r.end
}

// compareVersions compares two FHIR versions on major and minor numbers
// ("4.0.1" is 4.0), numerically.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 2; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}

// r4ContextErrata are the places core extensions are used in published
// definitions although their R4 context leaves them out: the type of an
// element (ElementDefinition.type) carries fhir-type and regex, and the
// normative version and capability expectations appear on many elements.
func r4ContextErrata(url string) []definitions.Context {
	switch strings.TrimPrefix(url, definitions.CoreBase) {
	case "structuredefinition-fhir-type", "regex":
		return []definitions.Context{{Type: "element", Expression: "ElementDefinition.type"}}
	case "structuredefinition-normative-version", "capabilitystatement-expectation", "capabilitystatement-prohibited":
		return []definitions.Context{{Type: "element", Expression: "Element"}}
	}
	return nil
}

// selects reports whether a fhirpath context of an extension definition,
// evaluated on the resource, selects the element at path. An expression
// that cannot be evaluated allows the extension (and is reported once).
func (w *walker) selects(p *Compiled, expr, path string) bool {
	sel := p.contexts[expr]
	if sel == nil {
		w.unevaluated(&invariant{key: "context of " + p.URL, expr: expr}, "the extension context cannot be evaluated")
		return true
	}
	paths, err := sel.Select(Focus{Value: w.res, Type: fhirResourceType(w.res), DefPath: fhirResourceType(w.res), Resource: w.res, Root: w.root}, w.resPath)
	if err != nil {
		w.unevaluated(&invariant{key: "context of " + p.URL, expr: expr}, "FHIRPath: "+err.Error())
		return true
	}
	return slices.Contains(paths, path)
}

func fhirResourceType(m map[string]any) string {
	t, _ := m["resourceType"].(string)
	return t
}

// stripIndexes turns an instance path into an element path
// ("Patient.name[0].given[1]" → "Patient.name.given").
func stripIndexes(p string) string {
	if !strings.Contains(p, "[") {
		return p
	}
	var b strings.Builder
	skip := false
	for _, r := range p {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// resourceIs reports whether a resource type is, or derives from, the
// (possibly abstract) type named: Resource, DomainResource, and R5's
// CanonicalResource and MetadataResource, which R4 does not define but
// contexts written for several versions use.
func (e *Engine) resourceIs(typ, abstract string) bool {
	switch abstract {
	case "CanonicalResource", "MetadataResource":
		if !isCanonicalType(typ) {
			return false
		}
		if abstract == "CanonicalResource" {
			return true
		}
		// R4 has no such types: a metadata resource is a canonical one
		// that also has its review and approval dates.
		p, err := e.CompiledType(typ)
		return err == nil && p.root != nil && p.root.kidIndex["approvalDate"] != nil
	}
	return e.typeIs(typ, abstract)
}

// typeIs reports whether a type is the type named or derives from it,
// following the base definitions of the core (Age → Quantity → Element).
func (e *Engine) typeIs(typ, base string) bool {
	if typ == base {
		return true
	}
	key := "is:" + typ + ">" + base
	if v, ok := e.ready.Load(key); ok {
		return v.(bool)
	}
	found := false
	for t, n := typ, 0; t != "" && n < 10; n++ {
		sd, err := e.defs.BaseType(t)
		if err != nil {
			break
		}
		parent, ok := strings.CutPrefix(sd.BaseDefinition, definitions.CoreBase)
		if !ok {
			break
		}
		if parent == base {
			found = true
			break
		}
		t = parent
	}
	e.ready.Store(key, found)
	return found
}

// exampleExtension reports whether allow-example-urls accepts an unknown
// extension of this url unchecked. The reference validator accepts only urls
// containing example.org or acme.com (not example.com or example.net) here,
// although it counts those as example URLs elsewhere.
func exampleExtension(u string) bool {
	return strings.Contains(u, "example.org") || strings.Contains(u, "acme.com")
}

// exampleDomains are the domains the reference validator takes for examples:
// RFC 2606's and the acme domains FHIR's own examples use.
var exampleDomains = []string{"example.org", "example.com", "example.net", "acme.com", "acme.org"}

// exampleOIDRoots are OID arcs reserved for examples: 2.999 (ITU-T X.660's
// example arc) and IANA's example enterprise number 32473 (RFC 5612).
var exampleOIDRoots = []string{"urn:oid:2.999.", "urn:oid:1.3.6.1.4.1.32473."}

// exampleURL reports whether a URL is an example one, as the reference
// validator counts them: on an example domain or one of its subdomains, or
// an OID under an example arc. A look-alike host (notexample.com,
// example.org.uk) is not an example; the reference matches the text and
// would take the first for one.
func exampleURL(u string) bool {
	for _, root := range exampleOIDRoots {
		if strings.HasPrefix(u, root) {
			return true
		}
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	for _, d := range exampleDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// mayBeExampleURL is a quick test that lets most values through without
// parsing them: every example URL has one of these in it.
func mayBeExampleURL(s string) bool {
	return strings.Contains(s, "example.") || strings.Contains(s, "acme.") || strings.HasPrefix(s, "urn:oid:")
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

// MissingPackage is a package a run's guide depends on that the run did not
// load as asked: Used is the version loaded in its place, "" when none is;
// Canonical is its canonical base (its own ImplementationGuide.url when it
// is loaded, else a guide's ImplementationGuide.dependsOn), "" when not
// known.
type MissingPackage struct {
	Guide, Package, Version, Used, Canonical string
}

// substitute returns the gap a profile's package fills: the package a guide
// depends on, loaded at another version in place of the one asked; nil when
// the profile comes from no such package.
func (e *Engine) substitute(p *Compiled) *MissingPackage {
	if len(e.missing) == 0 {
		return nil
	}
	pkg, ok := e.defs.PackageOf(p.URL + "|" + p.Version)
	if !ok {
		return nil
	}
	for i, m := range e.missing {
		if m.Used != "" && m.Package == pkg.Name && m.Used == pkg.Version {
			return &e.missing[i]
		}
	}
	return nil
}

// substitutedClaim says that resource res, claiming profile p without a
// version (meta.profile), was judged against the version of p that a
// package loaded in place of the one its guide asks defines: passing it says
// nothing of the version asked, carecert's limit, not decided. "" when p
// comes from no such package or the claim names its version.
func (e *Engine) substitutedClaim(p *Compiled, res map[string]any) string {
	meta, _ := res["meta"].(map[string]any)
	if !slices.Contains(fhir.Strings(meta["profile"]), p.URL) {
		return ""
	}
	g := e.substitute(p)
	if g == nil {
		return ""
	}
	return fmt.Sprintf("profile %s was checked as %s#%s defines it, loaded in place of %s#%s, which %s depends on: whether this resource conforms to the version asked is not decided",
		p.URL, g.Package, g.Used, g.Package, g.Version, g.Guide)
}

// missingDefinition says why a definition carecert does not hold may be
// defined by a package the run's guides depend on and the run did not load
// as asked: not loaded at all, or loaded at another version, which may lack
// what the version asked defines. "" when none may define it. Either way
// carecert's limit, not decided.
func (e *Engine) missingDefinition(url string) string {
	var from []string
	var guides []string // the loaded guides' own bases
	if len(e.missing) > 0 {
		guides = e.defs.GuideCanonicals()
	}
	for _, m := range e.missing {
		if m.Canonical != "" {
			if !strings.HasPrefix(url, m.Canonical+"/") {
				continue
			}
		} else {
			// A package's canonical is not knowable offline from its name;
			// any URL may be its, except one under a loaded guide's own
			// base: that guide defines what is there, so an unknown URL
			// under it (a typo of the supplier's) is no missing package's.
			if underGuide(url, guides) {
				continue
			}
		}
		if m.Used != "" {
			from = append(from, m.Package+"#"+m.Version+" (a dependency of "+m.Guide+", loaded at version "+m.Used+" in its place)")
		} else {
			from = append(from, m.Package+"#"+m.Version+" (a dependency of "+m.Guide+", not loaded)")
		}
	}
	if len(from) == 0 {
		return ""
	}
	return "no loaded definition declares it, and it may be defined by " + strings.Join(from, ", ") + ", which this run did not load as asked: not decided"
}

// underGuide reports whether a definition's url is one a guide of these
// canonical bases would publish: the base, a resource type, an id
// (http://example.org/fhir/StructureDefinition/x under http://example.org/fhir),
// so a guide nested under another's base is told apart from it.
func underGuide(url string, bases []string) bool {
	i := strings.LastIndexByte(url, '/')
	if i < 0 {
		return false
	}
	j := strings.LastIndexByte(url[:i], '/')
	if j < 0 {
		return false
	}
	for _, b := range bases {
		if url[:j] == b {
			return true
		}
	}
	return false
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
