// Command fhir-corpus-errors validates every resource of a folder of FHIR
// files that independent validators judge valid (the Synthea corpus) and
// counts carecert's error findings by code, element and profile: each is a false
// error to explain or fix.
//
//	go run ./bench/fhir-corpus-errors [-accept PREFIX,...] [-profile URL] DIR
//
// -profile also validates each resource of the profile's type against it (a
// core profile such as http://hl7.org/fhir/StructureDefinition/bp), to see
// which of its rules the corpus meets.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

func main() {
	accept := flag.String("accept", "http://hl7.org/fhir/us/core/,http://synthetichealth.github.io/synthea/",
		"extension URL prefixes accepted without their definitions (the guides not loaded)")
	prof := flag.String("profile", "", "also validate each resource of this profile's type against it")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: fhir-corpus-errors [-accept PREFIX,...] [-profile URL] DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), strings.Split(*accept, ","), *prof); err != nil {
		fmt.Fprintln(os.Stderr, "fhir-corpus-errors:", err)
		os.Exit(1)
	}
}

// index matches the repetition indexes of a path.
var index = regexp.MustCompile(`\[[0-9]+\]`)

// element is a finding's path without repetition indexes, to group findings.
func element(path string) string { return index.ReplaceAllString(path, "") }

// profileOf is the profile a finding's message names, if any.
var profileOf = regexp.MustCompile(`\(profile ([^),]+)[^)]*\)$`) // an implied profile's note follows its URL

func run(dir string, accept []string, prof string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	defs, err := definitions.New(definitions.Options{})
	if err != nil {
		return fmt.Errorf("R4 core: %w", err)
	}
	e := profile.NewEngine(defs, profile.Options{Invariants: profile.FHIRPath{}, AcceptExtensions: accept})
	profType := ""
	if prof != "" {
		p, err := e.Compiled(prof)
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		profType = p.Type
	}
	records, errs := 0, 0
	byKind := map[string]int{}
	example := map[string]string{}
	for _, f := range files {
		err := fhir.ReadFile(f, func(r *model.Record) error {
			r.Load()
			records++
			if r.Problem != nil {
				errs++
				byKind["unreadable"]++
				return nil
			}
			url := ""
			if r.Type == profType {
				url = prof
			}
			for _, fd := range e.ValidateRecord(r, url, nil) {
				if fd.Severity != model.Error {
					continue
				}
				errs++
				k := fd.Code + " " + element(fd.Path)
				if m := profileOf.FindStringSubmatch(fd.Message); m != nil {
					k += " " + m[1]
				}
				byKind[k]++
				if example[k] == "" {
					example[k] = fmt.Sprintf("%s %s: %s", filepath.Base(f), fd.Path, fd.Message)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("files %d, records %d, error findings %d\n", len(files), records, errs)
	keys := make([]string, 0, len(byKind))
	for k := range byKind {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return byKind[keys[i]] > byKind[keys[j]] })
	for _, k := range keys {
		fmt.Printf("%6d  %s\n        e.g. %.300s\n", byKind[k], k, example[k])
	}
	return nil
}
