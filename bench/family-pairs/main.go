// Command family-pairs prints carecert's decisions on a folder of family
// pairs (validators/profile/agreement/testdata/family-pairs/dev, heldout,
// heldout2, heldout3, heldout4, heldout5, heldout6, heldout7 or heldout8):
// one row per rule family, decided right when the instance that keeps the
// rule has no error and the one that breaks it has one. Run it through
// bench/family-pairs.sh, which gives it what `carecert validate` reported on
// the folder (every default suite); without -report it judges with the
// profile engine alone, as the agreement harness does.
//
//	go run ./bench/family-pairs [-set dev|heldout|heldout2|heldout3|heldout4|heldout5|heldout6|heldout7|heldout8] [-report REPORT.json]
//
// The held-out sets are kept for a measure: run each once, after the
// development work, and report the figure as it comes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/command"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/profile/agreement"
)

func main() {
	set := flag.String("set", "dev", "which pairs: dev, heldout, heldout2, heldout3, heldout4, heldout5, heldout6, heldout7 or heldout8")
	report := flag.String("report", "", "a JSON report of `carecert validate` on the folder (default: judge with the profile engine alone)")
	flag.Parse()
	if !slices.Contains([]string{"dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8"}, *set) {
		command.Usage("usage: family-pairs [-set dev|heldout|heldout2|heldout3|heldout4|heldout5|heldout6|heldout7|heldout8] [-report REPORT.json]")
	}
	if err := run(filepath.Join("validators", "profile", "agreement", "testdata", "family-pairs", *set), *report); err != nil {
		command.Stop(1, "family-pairs", err)
	}
}

func run(dir, report string) error {
	if report == "" {
		core, err := definitions.New(definitions.Options{})
		if err != nil {
			return fmt.Errorf("R4 core: %w", err)
		}
		results, err := agreement.RunFamilies(dir, agreement.Options{Core: core, XML: fhirxml.Decode, Invariants: profile.FHIRPath{}})
		if err != nil {
			return err
		}
		fmt.Println("judged by the profile engine alone")
		fmt.Print(agreement.FamilyReport(results))
		return nil
	}
	pairs, err := agreement.FamilyPairs(dir)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		return err
	}
	var rep model.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return fmt.Errorf("report %s: %w", report, err)
	}
	fmt.Println("judged by carecert validate (default suites)")
	fmt.Print(agreement.FamilyReport(agreement.DecideFamilies(pairs, agreement.ErrorsByFile(&rep))))
	return nil
}
