// Command fhir-unseen measures carecert's agreement with the HL7 reference
// validator (error / no error) on the R4 cases of fhir-test-cases that are not
// in the shared selection, so on cases never used in development. Run it
// through bench/fhir-unseen.sh, which extracts the cases from a mirror.
//
//	go run ./bench/fhir-unseen [-case NAME] [-packs DIR] [-terminology=false] VALIDATOR-DIR SHARED-MANIFEST
//
// -case runs one case (shared or not) and prints every finding, to study a
// disagreement. -packs names a folder of registry packages (npm pack's
// tarballs) that brings the cases needing them in scope.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/profile/agreement"
)

func main() {
	only := flag.String("case", "", "run only this case and print all its findings")
	withTerminology := flag.Bool("terminology", true, "judge codes with carecert's terminology engine over each case's definitions, as carecert validate does (false: only against the value sets the registry enumerates, the harness before stop 27)")
	listSkipped := flag.Bool("skipped", false, "also list each step out of scope, with the reason")
	packs := flag.String("packs", "", "a folder of package tarballs fetched from the npm registry (name-version.tgz): cases needing them are judged")
	counts := flag.Bool("counts", false, "also list the steps whose error count differs from the reference's, with carecert's errors")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: fhir-unseen [-case NAME] [-packs DIR] [-terminology=false] VALIDATOR-DIR SHARED-MANIFEST")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *packs, *only, *counts, *listSkipped, *withTerminology); err != nil {
		fmt.Fprintln(os.Stderr, "fhir-unseen:", err)
		os.Exit(1)
	}
}

func run(dir, sharedManifest, packs, only string, counts, listSkipped, withTerminology bool) error {
	shared, err := agreement.CaseNames(sharedManifest)
	if err != nil {
		return fmt.Errorf("shared manifest: %w", err)
	}
	if only != "" {
		shared = nil
	}
	cases, skipped, err := agreement.Upstream(dir, shared, packs)
	if err != nil {
		return fmt.Errorf("upstream cases: %w", err)
	}
	if only != "" {
		cases = slices.DeleteFunc(cases, func(c agreement.Case) bool { return c.Name != only })
		skipped = nil
	}
	core, err := definitions.New(definitions.Options{})
	if err != nil {
		return fmt.Errorf("R4 core: %w", err)
	}
	s, err := agreement.RunCases(dir, cases, skipped, agreement.Options{Core: core, XML: fhirxml.Decode, Invariants: profile.FHIRPath{}, Terminology: withTerminology})
	if err != nil {
		return err
	}
	fmt.Print(s.Report())
	if only != "" {
		for _, o := range s.Outcomes {
			fmt.Printf("%s [%s]: reference %d, carecert %d\n", o.Case, o.Step, o.Want, o.Got)
			for _, f := range o.Findings {
				fmt.Printf("  %s %s %s: %s\n", f.Severity, f.Code, f.Path, f.Message)
			}
		}
		return nil
	}
	if counts {
		for _, o := range s.Outcomes {
			if o.Agrees() && o.Want != o.Got {
				fmt.Printf("COUNT %s [%s]: reference %d error(s), carecert %d\n", o.Case, o.Step, o.Want, o.Got)
				for _, f := range o.Findings {
					if f.Severity == model.Error {
						fmt.Printf("    %s: %s\n", f.Path, f.Message)
					}
				}
			}
		}
	}
	kinds := map[string][2]int{}
	missed, falseErrs := 0, 0
	for _, o := range s.Outcomes {
		k := kinds[kind(o.Case, cases)]
		k[1]++
		if o.Agrees() {
			k[0]++
		} else if o.Want > 0 {
			missed++
		} else {
			falseErrs++
		}
		kinds[kind(o.Case, cases)] = k
	}
	fmt.Printf("\nunseen R4 cases: %d steps judged, %d agree (%.1f%%); %d missed errors, %d false errors\n",
		len(s.Outcomes), s.Agreeing(), 100*s.Rate(), missed, falseErrs)
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-6s %d/%d\n", n, kinds[n][0], kinds[n][1])
	}
	why := map[string]int{}
	for _, r := range s.Skipped {
		why[r]++
	}
	fmt.Printf("out of scope: %d\n", len(s.Skipped))
	reasons := make([]string, 0, len(why))
	for r := range why {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Printf("  %d\t%s\n", why[r], r)
		if !listSkipped {
			continue
		}
		var steps []string
		for step, reason := range s.Skipped {
			if reason == r {
				steps = append(steps, step)
			}
		}
		sort.Strings(steps)
		fmt.Printf("\t\t%s\n", strings.Join(steps, ", "))
	}
	return nil
}

// kind is the file extension of a case's resource (json, xml, ndjson).
func kind(name string, cases []agreement.Case) string {
	for _, c := range cases {
		if c.Name == name {
			return strings.TrimPrefix(filepath.Ext(c.File), ".")
		}
	}
	return "?"
}
