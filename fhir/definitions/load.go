package definitions

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir/pkgcache"
)

// loadIG reads a folder of conformance resources or a package .tgz.
func (r *Registry) loadIG(p string) (Package, error) {
	info, err := os.Stat(p)
	if err != nil {
		return Package{}, err
	}
	pkg := Package{Path: p}
	if info.IsDir() {
		err = r.loadFolder(p, &pkg)
	} else if strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz") {
		err = r.loadTGZ(p, &pkg)
	} else if err = r.loadFile(p, &pkg); err != nil {
		return pkg, err
	}
	if err != nil {
		return pkg, err
	}
	if pkg.Resources == 0 {
		if len(pkg.Problems) > 0 {
			return pkg, fmt.Errorf("no conformance resource could be read: %s", strings.Join(pkg.Problems, "; "))
		}
		return pkg, errors.New("no conformance resources (StructureDefinition, ValueSet, CodeSystem, SearchParameter) found: is this a FHIR package or a folder of definitions?")
	}
	if pkg.Name == "" {
		pkg.Name = filepath.Base(p)
	}
	return pkg, nil
}

func (r *Registry) loadFolder(dir string, pkg *Package) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && pkgcache.SkipFolder(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if filepath.Base(f) == "package.json" {
			readPackageJSON(f, pkg)
			continue
		}
		if err := r.loadFile(f, pkg); err != nil {
			// One broken file must not make the whole guide unusable.
			pkg.Problems = append(pkg.Problems, err.Error())
		}
	}
	return nil
}

func readPackageJSON(f string, pkg *Package) {
	data, err := os.ReadFile(f)
	if err != nil {
		return
	}
	parsePackageJSON(data, pkg)
}

func parsePackageJSON(data []byte, pkg *Package) {
	var pj pkgcache.Manifest
	if json.Unmarshal(data, &pj) == nil {
		pkg.Name, pkg.Version, pkg.Dependencies = pj.Name, pj.Version, pj.Dependencies
	}
}

func (r *Registry) loadFile(f string, pkg *Package) error {
	ext := strings.ToLower(filepath.Ext(f))
	if ext != ".json" && ext != ".xml" {
		return nil
	}
	data, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	return r.loadBytes(f, data, pkg)
}

func (r *Registry) loadTGZ(f string, pkg *Package) error {
	fh, err := os.Open(f)
	if err != nil {
		return err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return fmt.Errorf("not a gzip package: %w", err)
	}
	tr := tar.NewReader(zr)
	var layout pkgcache.Layout
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return layout.Err(f)
		}
		if err != nil {
			return fmt.Errorf("reading package: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		rest, ok := layout.Entry(name)
		if !ok {
			continue
		}
		if h.Size > pkgcache.MaxEntry {
			// A hostile package can declare (and gzip can carry, at a
			// thousandth of its size) an entry of gigabytes.
			pkg.Problems = append(pkg.Problems, fmt.Sprintf("%s!%s: %d bytes, more than the %d MiB carecert reads from one package entry; skipped", f, name, h.Size, pkgcache.MaxEntry>>20))
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, pkgcache.MaxEntry))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if rest == "package.json" {
			parsePackageJSON(data, pkg)
			continue
		}
		ext := strings.ToLower(path.Ext(rest))
		if ext != ".json" && ext != ".xml" || strings.HasPrefix(path.Base(rest), ".") {
			continue
		}
		if err := r.loadBytes(f+"!"+name, data, pkg); err != nil {
			pkg.Problems = append(pkg.Problems, err.Error())
		}
	}
}

// loadBytes indexes a JSON or XML file: a conformance resource, or a Bundle of
// them. Other resources (examples) are ignored.
func (r *Registry) loadBytes(source string, data []byte, pkg *Package) error {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil
	}
	if trimmed[0] == '<' {
		root, err := xmlRoot(trimmed)
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		if !conformanceTypes[root] && root != "Bundle" && root != "ImplementationGuide" {
			return nil
		}
		if r.opts.XML == nil {
			return fmt.Errorf("%s: FHIR XML, but this registry has no XML converter", source)
		}
		m, err := r.opts.XML(trimmed)
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		trimmed = raw
	}
	var h struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(trimmed, &h); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if h.ResourceType == "Bundle" {
		for i, e := range h.Entry {
			if err := r.addCounted(e.Resource, fmt.Sprintf("%s#entry[%d]", source, i), pkg); err != nil {
				return err
			}
		}
		return nil
	}
	return r.addCounted(trimmed, source, pkg)
}

func (r *Registry) addCounted(raw []byte, source string, pkg *Package) error {
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if h.ResourceType == "ImplementationGuide" {
		return r.addRaw(raw, source) // its global profiles
	}
	if !conformanceTypes[h.ResourceType] || h.URL == "" && (h.ResourceType == "Questionnaire" || h.ResourceType == "Measure") {
		return nil
	}
	if err := r.addRaw(raw, source); err != nil {
		return err
	}
	pkg.Resources++
	return nil
}

// xmlRoot returns the name of the root element of an XML document.
func xmlRoot(data []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", fmt.Errorf("malformed XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local, nil
		}
	}
}
