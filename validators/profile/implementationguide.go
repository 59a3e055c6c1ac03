package profile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// CodeImplementationGuide marks an ImplementationGuide whose dependencies
// or HL7 metadata are not what a guide's users and tools need.
const CodeImplementationGuide = "profile.implementation-guide"

// packageID is the form of a package id: dot-separated parts of letters,
// digits, '-' and '_', at least two, the first starting with a letter
// (hl7.fhir.us.core).
var packageID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$`)

// Extensions an HL7 guide states its standing with.
const (
	extStandardsStatus = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
	extWorkGroup       = "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg"
	extFMM             = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fmm"
)

// implementationGuideRules checks what R4's invariants on ImplementationGuide
// leave to validators (R4 ImplementationGuide.dependsOn; the reference
// validator's ImplementationGuideValidator, offline part): each dependency
// names the guide it depends on by the guide's own canonical URL (with
// "/ImplementationGuide/" in it), a version written into that URL is the
// dependency's version, and a packageId has a package id's form. A guide
// published by HL7 (its url under http://hl7.org/fhir/) states its standards
// status and its owning work group by extension (errors), and should state
// its maturity (a warning). What needs the packages themselves (that the
// package exists, its FHIR version, its canonical) is not judged.
func (w *walker) implementationGuideRules(m map[string]any, path string) {
	for i, dep := range objects(m["dependsOn"]) {
		w.guideDependency(dep, path+".dependsOn["+strconv.Itoa(i)+"]")
	}
	if url, _ := m["url"].(string); strings.HasPrefix(url, "http://hl7.org/fhir/") {
		for _, x := range []struct {
			url, what string
			sev       model.Severity
		}{
			{extStandardsStatus, "its standards status", model.Error},
			{extWorkGroup, "the HL7 work group that owns it", model.Error},
			{extFMM, "its maturity level (FMM)", model.Warning},
		} {
			if !hasExtension(m, x.url) {
				w.add(x.sev, CodeImplementationGuide, path, fmt.Sprintf("an HL7 implementation guide (url %s) states %s with the extension %s, which this one lacks", url, x.what, x.url), "")
			}
		}
	}
}

// guideDependency checks one dependsOn.
func (w *walker) guideDependency(dep map[string]any, path string) {
	uri, _ := dep["uri"].(string)
	version, _ := dep["version"].(string)
	if base, v, ok := strings.Cut(uri, "|"); ok {
		switch {
		case v == "":
			w.add(model.Error, CodeImplementationGuide, path+".uri", fmt.Sprintf("the dependency's uri %s ends in '|' with no version after it: remove the '|'", uri), "")
		case version == "":
			w.add(model.Error, CodeImplementationGuide, path+".uri", fmt.Sprintf("the dependency's uri %s names the version %s, but the dependency has no version: state it in version (and the uri without it)", uri, v), "")
		case v != version:
			w.add(model.Error, CodeImplementationGuide, path+".uri", fmt.Sprintf("the dependency's uri %s names the version %s, but its version is %s: the two must be the same", uri, v, version), "")
		}
		uri = base
	}
	if uri != "" && !strings.Contains(uri, "/ImplementationGuide/") {
		w.add(model.Error, CodeImplementationGuide, path+".uri", fmt.Sprintf("the dependency's uri %s is not the canonical URL of an ImplementationGuide resource (it has no /ImplementationGuide/ in it): name the guide's ImplementationGuide, not its home page or package", uri), "")
	}
	if id, ok := dep["packageId"].(string); ok && !packageID.MatchString(id) {
		w.add(model.Error, CodeImplementationGuide, path+".packageId", fmt.Sprintf("the packageId %q is not a package id: two or more parts separated by dots, of letters, digits, '-' and '_', starting with a letter (such as hl7.fhir.us.core)", id), "")
	}
}

// hasExtension reports whether an element carries an extension with the url.
func hasExtension(m map[string]any, url string) bool {
	for _, e := range objects(m["extension"]) {
		if e["url"] == url {
			return true
		}
	}
	return false
}
