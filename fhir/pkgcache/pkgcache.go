// Package pkgcache finds FHIR packages named "id#version" (as the HL7
// validator's -ig takes them) in the local FHIR package cache,
// ~/.fhir/packages, in the layout the HL7 validator and FHIR tooling write:
// <cache>/<id>#<version>/package/. carecert only reads the cache: it never
// downloads a package or writes there.
package pkgcache

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// MaxEntry bounds one file read from inside an implementation guide
// package (.tgz), by the definitions and the terminology loaders alike: the
// largest in published guides are a few MiB.
const MaxEntry = 64 << 20

// SkipFolder reports whether a folder of a guide (a package's, or one given
// as a folder) holds no definitions carecert reads: its examples, the XML
// copies of its JSON resources, and the publisher's other files (QA
// reports, OpenAPI documents, which are not FHIR at all). Every loader of a
// guide's definitions and terminology asks this one rule.
func SkipFolder(name string) bool {
	switch strings.ToLower(name) {
	case "examples", "example", "other", "openapi", "xml", ".git":
		return true
	}
	return false
}

// Entry returns the path inside the package of a .tgz entry carecert reads
// (one under package/, outside the folders SkipFolder leaves out), and
// false for any other entry.
func Entry(name string) (string, bool) {
	rest, ok := strings.CutPrefix(path.Clean(name), "package/")
	if !ok {
		return "", false
	}
	if dir, _, nested := strings.Cut(rest, "/"); nested && SkipFolder(dir) {
		return "", false
	}
	return rest, true
}

// Layout follows the entries of a package .tgz as a loader reads them,
// to say when it holds no package/ folder (or no file at all): a FHIR
// package keeps all its files there, so such an archive gives nothing, and the loader must say
// so rather than load nothing in silence. Each loader of a guide asks it.
type Layout struct {
	inside  bool
	outside []string // a few regular entries outside package/
	others  int
}

// Entry is Entry for a regular .tgz entry, noting where it lies.
func (l *Layout) Entry(name string) (string, bool) {
	clean := path.Clean(name)
	if clean == "package" || strings.HasPrefix(clean, "package/") {
		l.inside = true
	} else {
		if len(l.outside) < 3 {
			l.outside = append(l.outside, clean)
		}
		l.others++
	}
	return Entry(name)
}

// Err says, once the archive is read, that it holds no package/ folder,
// or no file at all (nil when it has files under package/).
func (l *Layout) Err(tgz string) error {
	if l.inside {
		return nil
	}
	if l.others == 0 {
		return fmt.Errorf("%s holds no file, so nothing of it was read: give a package as npm pack writes it (its files under package/), or its folder", tgz)
	}
	return fmt.Errorf("%s has no package/ folder, where a FHIR package keeps its files, so nothing of it was read (its %d file(s) lie elsewhere: %s): give a package as npm pack writes it, or unpack it and give its folder", tgz, l.others, strings.Join(l.outside, ", "))
}

var reference = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*#[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// IsReference reports whether s names a package by id and version
// ("hl7.fhir.uv.ips#1.1.0") rather than a file or folder.
func IsReference(s string) bool {
	if !reference.MatchString(s) {
		return false
	}
	_, err := os.Stat(s)
	return err != nil // a file or folder of that name is meant as one
}

// Dir is the cache folder: ~/.fhir/packages.
func Dir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("the FHIR package cache: %w", err)
	}
	return filepath.Join(home, ".fhir", "packages"), nil
}

// Resolve returns the folder of package ref in the cache, or an error that
// names the cache and the versions of the package it holds.
func Resolve(ref string) (string, error) {
	cache, err := Dir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, ref, "package")
	if info, err := os.Stat(dir); err == nil && info.IsDir() {
		return dir, nil
	}
	id, _, _ := strings.Cut(ref, "#")
	versions := cachedVersions(cache, id)
	msg := fmt.Sprintf("package %s is not in the FHIR package cache %s", ref, cache)
	if len(versions) > 0 {
		msg += fmt.Sprintf(" (it holds %s version(s) %s)", id, strings.Join(versions, ", "))
	}
	return "", fmt.Errorf("%s: carecert reads the cache but never downloads; put the package there with the FHIR tools (as the HL7 validator does), or give its .tgz or folder", msg)
}
