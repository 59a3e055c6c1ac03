package r4core

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Derived is an archive a package derives from the core with go generate
// (Derive): a form of some of the core's resources that is cheaper to read
// than the published JSON, such as a definition with only the members the
// package reads. Its entries are found by the core resource they derive
// from; it is opened on first use and is safe for concurrent use.
type Derived struct {
	data  []byte
	once  sync.Once
	files map[string]*zip.File
	err   error
}

// NewDerived reads an archive Derive made (embedded by its package).
func NewDerived(data []byte) *Derived { return &Derived{data: data} }

// Bytes decompresses the entry derived from r; ok is false when the archive
// has none.
func (d *Derived) Bytes(r *Resource) (data []byte, ok bool, err error) {
	d.once.Do(func() {
		zr, err := zip.NewReader(bytes.NewReader(d.data), int64(len(d.data)))
		if err != nil {
			d.err = fmt.Errorf("r4core: derived archive: %w", err)
			return
		}
		d.files = make(map[string]*zip.File, len(zr.File))
		for _, f := range zr.File {
			d.files[f.Name] = f
		}
	})
	if d.err != nil {
		return nil, false, d.err
	}
	f := d.files[derivedName(r.bundle, r.File)]
	if f == nil {
		return nil, false, nil
	}
	data, err = readEntry(f)
	return data, err == nil, err
}

// Derive makes a derived archive from the resources of bundles: one deflated
// entry for each resource derive returns ok for, holding what it returns.
// The same core and derive always give the same bytes.
func Derive(bundles []string, derive func(r Resource, data []byte) (out []byte, ok bool, err error)) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, name := range bundles {
		list, err := Resources(name)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			data, err := r.Bytes()
			if err != nil {
				return nil, err
			}
			out, ok, err := derive(r, data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Source(), err)
			}
			if !ok {
				continue
			}
			// No timestamps: the same core gives the same archive.
			w, err := zw.CreateHeader(&zip.FileHeader{Name: derivedName(name, r.File), Method: zip.Deflate})
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(out); err != nil {
				return nil, err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DeriveType is Derive for the resources of one type: slim gives each
// one's entry, and the other types get none. It is how a package keeps only
// the members it reads of the core's definitions of one kind.
func DeriveType(bundles []string, resourceType string, slim func(data []byte) ([]byte, error)) ([]byte, error) {
	return Derive(bundles, func(r Resource, data []byte) ([]byte, bool, error) {
		if r.ResourceType != resourceType {
			return nil, false, nil
		}
		out, err := slim(data)
		return out, err == nil, err
	})
}

func derivedName(bundle, entry string) string {
	return strings.TrimSuffix(bundle, ".json") + "/" + entry
}

// MarshalAsWritten writes v as compact JSON with its raw values
// (json.RawMessage) byte for byte: json.Marshal would escape <, > and & in
// them.
func MarshalAsWritten(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Each calls each for every resource of bundles, with its published JSON
// and what the archive derives from it (nil when nothing): what a spec
// compares to hold a derived form to the published one.
func (d *Derived) Each(bundles []string, each func(r Resource, published, derived []byte)) error {
	for _, name := range bundles {
		list, err := Resources(name)
		if err != nil {
			return err
		}
		for i := range list {
			published, err := list[i].Bytes()
			if err != nil {
				return err
			}
			derived, _, err := d.Bytes(&list[i])
			if err != nil {
				return err
			}
			each(list[i], published, derived)
		}
	}
	return nil
}

// SameEntries reports whether two derived archives hold the same entries, in
// the same order, with the same contents once decompressed. A staleness spec
// compares archives this way rather than byte for byte, so a Go release
// that deflates differently does not make an unchanged archive stale.
func SameEntries(a, b []byte) (bool, error) {
	za, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		return false, fmt.Errorf("r4core: first archive: %w", err)
	}
	zb, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false, fmt.Errorf("r4core: second archive: %w", err)
	}
	if len(za.File) != len(zb.File) {
		return false, nil
	}
	for i, fa := range za.File {
		fb := zb.File[i]
		if fa.Name != fb.Name {
			return false, nil
		}
		da, err := readEntry(fa)
		if err != nil {
			return false, fmt.Errorf("r4core: first archive: %w", err)
		}
		db, err := readEntry(fb)
		if err != nil {
			return false, fmt.Errorf("r4core: second archive: %w", err)
		}
		if !bytes.Equal(da, db) {
			return false, nil
		}
	}
	return true, nil
}
