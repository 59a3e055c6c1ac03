package pkgcache

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Manifest is what a package's package.json says of it: its id, version
// and the packages it depends on (id to version).
type Manifest struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Dependencies map[string]string `json:"dependencies"`
	// Canonical is the package's canonical base, when its package.json
	// says it (the IG publisher writes it).
	Canonical string `json:"canonical"`
}

// ReadManifest reads the package.json of a guide given as a package .tgz
// or a folder (the package's own folder or the one holding package/). A
// guide without one (a folder of definitions, a single file) has no
// manifest: the zero Manifest and no error.
func ReadManifest(p string) (Manifest, error) {
	var m Manifest
	info, err := os.Stat(p)
	if err != nil {
		return m, err
	}
	var data []byte
	switch {
	case info.IsDir():
		for _, f := range []string{filepath.Join(p, "package.json"), filepath.Join(p, "package", "package.json")} {
			if data, err = os.ReadFile(f); err == nil {
				break
			}
		}
		if data == nil {
			return m, nil
		}
	case strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz"):
		if data, err = tgzManifest(p); err != nil || data == nil {
			return m, err
		}
	default:
		return m, nil
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: package.json: %w", p, err)
	}
	return m, nil
}

// tgzManifest returns package/package.json of a package .tgz, or nil.
func tgzManifest(p string) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: not a gzip package: %w", p, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading package: %w", p, err)
		}
		if rest, ok := Entry(h.Name); ok && rest == "package.json" && h.Typeflag == tar.TypeReg {
			return io.ReadAll(io.LimitReader(tr, MaxEntry))
		}
	}
}

// embedded are the packages carecert holds itself: FHIR R4's core
// definitions, in every 4.0 patch release's version.
func embedded(id, version string) bool {
	return id == "hl7.fhir.r4.core" && (version == "4.0" || strings.HasPrefix(version, "4.0."))
}

// Gap is a dependency of a guide that carecert did not load as asked: Used
// is the version loaded in its place (a guide of the same id given with
// --ig), empty when none is; Cached lists the versions the package cache
// holds of it.
type Gap struct {
	Guide   string // id#version of the guide that declares the dependency
	Package string
	Version string
	Used    string
	Cached  []string
}

// String says what the gap means for a run, once, in the report's words.
func (g Gap) String() string {
	if g.Used != "" {
		return fmt.Sprintf("implementation guide %s depends on %s#%s; %s#%s, given with --ig, is used in its place (the version asked is not loaded): whether its profiles, extensions and value sets are the ones %s had is not decided",
			g.Guide, g.Package, g.Version, g.Package, g.Used, g.Version)
	}
	msg := fmt.Sprintf("implementation guide %s depends on %s#%s, which is neither given with --ig nor in the FHIR package cache", g.Guide, g.Package, g.Version)
	if len(g.Cached) > 0 {
		msg += fmt.Sprintf(" (it holds version(s) %s, not used in place of the version asked: give one with --ig %s#VERSION to use it)", strings.Join(g.Cached, ", "), g.Package)
	}
	return msg + ": profiles, extensions and value sets defined by it are not decided (never errors in the data)"
}

// WithDependencies returns the guides with the dependencies their
// package.json files declare (and theirs in turn) added from the FHIR
// package cache, as the HL7 validator loads them offline, and the
// dependencies it could not load as asked. A dependency is met by a guide
// given of the same id and version, by the embedded R4 core, or by the
// cache's folder id#version; a version written with a wildcard or without
// its patch part (1.2.x, 1.2) takes the highest matching version, given
// or cached. A version asked exactly is never replaced by another from the
// cache (another release may define other profiles), but a guide of the
// same id the user gave is used, and the difference said (Gap.Used).
func WithDependencies(guides []string) ([]string, []Gap) {
	out := append([]string(nil), guides...)
	given := map[string]string{} // id → version, of the guides given
	queue := make([]Manifest, 0, len(guides))
	for _, g := range guides {
		m, err := ReadManifest(g)
		if err != nil || m.Name == "" {
			continue
		}
		given[m.Name] = m.Version
		queue = append(queue, m)
	}
	cache, _ := Dir()
	var gaps []Gap
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		ids := make([]string, 0, len(m.Dependencies))
		for id := range m.Dependencies {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			want := m.Dependencies[id]
			if embedded(id, want) {
				continue
			}
			if have, ok := given[id]; ok {
				if have != want && !versionMatches(want, have) {
					gaps = append(gaps, Gap{Guide: m.Name + "#" + m.Version, Package: id, Version: want, Used: have})
				}
				continue
			}
			versions := cachedVersions(cache, id)
			found := ""
			for _, v := range versions {
				if v == want || versionMatches(want, v) && (found == "" || newer(v, found)) {
					found = v
				}
				if v == want {
					break
				}
			}
			if found == "" {
				gaps = append(gaps, Gap{Guide: m.Name + "#" + m.Version, Package: id, Version: want, Cached: versions})
				continue
			}
			dir := filepath.Join(cache, id+"#"+found, "package")
			dm, err := ReadManifest(dir)
			if err != nil {
				gaps = append(gaps, Gap{Guide: m.Name + "#" + m.Version, Package: id, Version: want, Cached: versions})
				continue
			}
			given[id] = found
			out = append(out, dir)
			if dm.Name == "" {
				dm.Name, dm.Version = id, found
			}
			queue = append(queue, dm)
		}
	}
	return out, gaps
}

// versionMatches reports whether version have meets a wildcard or
// patch-less version asked (1.2.x, 1.2 meet 1.2.7); a full version meets
// only itself.
func versionMatches(want, have string) bool {
	prefix, wild := strings.CutSuffix(want, ".x")
	if !wild {
		if strings.Count(want, ".") >= 2 {
			return false
		}
		prefix = want
	}
	return strings.HasPrefix(have, prefix+".")
}

// newer compares two versions by their dot-separated numeric parts.
func newer(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var na, nb int
		_, ea := fmt.Sscan(pa[i], &na)
		_, eb := fmt.Sscan(pb[i], &nb)
		if ea != nil || eb != nil {
			if pa[i] != pb[i] {
				return pa[i] > pb[i]
			}
			continue
		}
		if na != nb {
			return na > nb
		}
	}
	return len(pa) > len(pb)
}

// cachedVersions lists the versions of package id the cache holds, sorted.
func cachedVersions(cache, id string) []string {
	var versions []string
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if name, version, ok := strings.Cut(e.Name(), "#"); ok && e.IsDir() && name == id {
			versions = append(versions, version)
		}
	}
	sort.Strings(versions)
	return versions
}
