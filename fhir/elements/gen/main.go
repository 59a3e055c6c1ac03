// Command gen writes r4.zip, the compact element index embedded by package
// elements, from the R4 core definitions embedded in fhir/r4core.
package main

import (
	"fmt"
	"os"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/r4core"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	var bundles [][]byte
	for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources} {
		data, err := r4core.ReadFile(name)
		if err != nil {
			return err
		}
		bundles = append(bundles, data)
	}
	defs, err := elements.FromBundles(bundles...)
	if err != nil {
		return err
	}
	out, err := elements.Compact(defs)
	if err != nil {
		return err
	}
	return os.WriteFile("r4.zip", out, 0o644)
}
