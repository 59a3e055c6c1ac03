// Command gen writes core.zip, the core CodeSystems with only what package
// terminology reads, embedded by it, from the R4 core definitions embedded in
// fhir/r4core.
package main

import (
	"fmt"
	"os"

	"github.com/carecert/carecert/terminology"
)

func main() {
	out, err := terminology.SlimCore()
	if err == nil {
		err = os.WriteFile("core.zip", out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
