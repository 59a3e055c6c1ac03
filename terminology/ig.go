package terminology

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/fhir/pkgcache"
)

// XMLDecoder turns a FHIR XML resource into the JSON form (a decoded map).
// The engine has none by default; a build with the FHIR XML converter sets
// one with SetXMLDecoder so that XML guides (UK Core) load too.
type XMLDecoder func(data []byte) (map[string]any, error)

// SetXMLDecoder lets LoadIG read XML resources.
func (e *Engine) SetXMLDecoder(d XMLDecoder) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.xml = d
}

// Skipped lists the files LoadIG left out and why ("file: reason"): XML
// without a decoder, or a resource that does not parse. One broken file of a
// published guide (UK Core has one) should not keep the rest out; callers
// show this list so nothing is left out silently.
func (e *Engine) Skipped() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]string(nil), e.skipped...)
}

// LoadIG adds the code systems, value sets and concept maps of an
// implementation guide: a folder of resources (JSON, or XML with a decoder),
// a single resource file, or an NPM package (.tgz).
func (e *Engine) LoadIG(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("implementation guide: %w", err)
	}
	if info.IsDir() {
		return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("implementation guide %s: %w", path, err)
			}
			if d.IsDir() {
				// Examples, copies and the publisher's files hold no
				// definitions, and profiles no terminology.
				if p != path && pkgcache.SkipFolder(d.Name()) {
					return filepath.SkipDir
				}
				switch d.Name() {
				case "structuredefinitions", "StructureDefinition":
					return filepath.SkipDir
				}
				return nil
			}
			if !isResourceFile(p) {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("implementation guide %s: %w", path, err)
			}
			return e.addFile(p, data)
		})
	}
	if strings.HasSuffix(path, ".tgz") || strings.HasSuffix(path, ".tar.gz") {
		return e.loadPackage(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("implementation guide: %w", err)
	}
	return e.addFile(path, data)
}

func isResourceFile(p string) bool {
	base := filepath.Base(p)
	if base == "package.json" || strings.HasPrefix(base, ".") {
		return false
	}
	return strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".xml")
}

// interesting reports whether a file may hold terminology, judged by the
// FHIR package naming convention; unknown names are read to be sure.
func interesting(name string) bool {
	base := filepath.Base(name)
	for _, skip := range []string{"StructureDefinition-", "CapabilityStatement-", "SearchParameter-", "OperationDefinition-", "ImplementationGuide-", "Patient-", "Observation-"} {
		if strings.HasPrefix(base, skip) {
			return false
		}
	}
	return true
}

func (e *Engine) addFile(name string, data []byte) error {
	if !interesting(name) {
		return nil
	}
	if strings.HasSuffix(name, ".xml") {
		e.mu.RLock()
		dec := e.xml
		e.mu.RUnlock()
		if dec == nil {
			e.skip(name, "XML, and this engine has no FHIR XML decoder")
			return nil
		}
		res, err := dec(data)
		if err != nil {
			e.skip(name, err.Error())
			return nil
		}
		if err := e.AddResource(res, name); err != nil {
			e.skip(name, err.Error())
		}
		return nil
	}
	if err := e.AddJSON(data, name); err != nil {
		e.skip(name, err.Error())
	}
	return nil
}

func (e *Engine) skip(name, why string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.skipped = append(e.skipped, name+": "+why)
}

func (e *Engine) loadPackage(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("implementation guide: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("implementation guide %s: %w", path, err)
	}
	tr := tar.NewReader(zr)
	var layout pkgcache.Layout
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if err := layout.Err(path); err != nil {
				return fmt.Errorf("implementation guide %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("implementation guide %s: %w", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if _, ok := layout.Entry(h.Name); !ok || !isResourceFile(h.Name) {
			continue
		}
		// gzip carries an entry of gigabytes in megabytes.
		if h.Size > pkgcache.MaxEntry {
			return fmt.Errorf("implementation guide %s: %s: %d bytes, more than the %d MiB carecert reads from one package entry", path, h.Name, h.Size, pkgcache.MaxEntry>>20)
		}
		data, err := io.ReadAll(io.LimitReader(tr, pkgcache.MaxEntry))
		if err != nil {
			return fmt.Errorf("implementation guide %s: %s: %w", path, h.Name, err)
		}
		if err := e.addFile(path+":"+h.Name, data); err != nil {
			return err
		}
	}
}
