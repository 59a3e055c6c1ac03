// Command bundles turns an NDJSON feed (as `carecert fixtures generate`
// writes it) into the other shapes a feed arrives in, for
// bench/memory-bundles.sh: one collection Bundle in JSON, the same Bundle in
// FHIR XML, and a folder of one XML file per resource. XML is written with
// fhirxml.Encode, one resource at a time, so that building a Bundle of
// 200,000 entries needs no more memory than one resource.
//
//	go run ./bench/bundles FEED.ndjson OUT-DIR
//
// writes OUT-DIR/bundle.json, OUT-DIR/bundle.xml and OUT-DIR/xml/NNNNNNN.xml.
// Each entry's fullUrl is https://example.org/fhir/TYPE/ID, so the feed's
// relative references resolve inside the Bundle. The JSON Bundle has one entry
// per line, so that findings inside it fall on distinct lines.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
)

const base = "https://example.org/fhir/"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bundles FEED.ndjson OUT-DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "bundles:", err)
		os.Exit(1)
	}
}

func run(feed, out string) error {
	in, err := os.Open(feed)
	if err != nil {
		return fmt.Errorf("open feed: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Join(out, "xml"), 0o755); err != nil {
		return fmt.Errorf("make output folder: %w", err)
	}
	js, err := create(filepath.Join(out, "bundle.json"))
	if err != nil {
		return err
	}
	xs, err := create(filepath.Join(out, "bundle.xml"))
	if err != nil {
		return err
	}
	js.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	xs.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>` + "\n")
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n, notJSON, notXML := 0, 0, 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		res, err := fhir.Decode(line)
		if err != nil {
			notJSON++ // a seeded defect a Bundle cannot carry: the Bundle would not parse
			continue
		}
		url := base + fhir.ResourceType(res) + "/" + fhir.ID(res)
		if n > 0 {
			js.WriteString(",")
		}
		fmt.Fprintf(js, "\n{\"fullUrl\":%q,\"resource\":%s}", url, line)
		n++
		// a record with seeded defects may have no XML form: it is left
		// out of the XML shapes, and counted
		x, err := fhirxml.Encode(res)
		if err != nil {
			notXML++
			continue
		}
		body := bytes.TrimPrefix(x, []byte(`<?xml version="1.0" encoding="UTF-8"?>`))
		fmt.Fprintf(xs, "<entry><fullUrl value=%q/><resource>%s</resource></entry>\n", url, body)
		if err := os.WriteFile(filepath.Join(out, "xml", fmt.Sprintf("%07d.xml", n)), x, 0o644); err != nil {
			return fmt.Errorf("write XML file: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read feed: %w", err)
	}
	if notJSON > 0 {
		fmt.Fprintf(os.Stderr, "bundles: %d lines of the feed are not JSON and are left out\n", notJSON)
	}
	if notXML > 0 {
		fmt.Fprintf(os.Stderr, "bundles: %d of %d records have no FHIR XML form and are only in bundle.json\n", notXML, n)
	}
	js.WriteString("\n]}\n")
	xs.WriteString("</Bundle>\n")
	for _, w := range []*writer{js, xs} {
		if err := w.Close(); err != nil {
			return err
		}
	}
	return nil
}

// writer is a buffered file whose Close flushes it and reports either error.
type writer struct {
	*bufio.Writer
	f *os.File
}

func create(path string) (*writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &writer{bufio.NewWriterSize(f, 1<<20), f}, nil
}

func (w *writer) Close() error {
	if err := w.Flush(); err != nil {
		w.f.Close()
		return fmt.Errorf("write %s: %w", w.f.Name(), err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", w.f.Name(), err)
	}
	return nil
}
