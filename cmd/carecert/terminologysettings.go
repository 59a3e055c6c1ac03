package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/terminology/remote"
)

// terminologySettings are the plan's terminology: settings given on the command
// line as --terminology key=value, each set over the plan's.
type terminologySettings struct {
	terminology []string
}

func (t *terminologySettings) register(fl *pflag.FlagSet) {
	fl.StringArrayVar(&t.terminology, "terminology", nil, "a setting of the run's terminology, over the plan's terminology: (a vendor's or requirement's own still wins; repeatable): snomed=FILE (a SNOMED CT release from 'carecert terminology load-snomed'), server=URL (a FHIR terminology server), server-timeout=DURATION, server-cache=FOLDER")
}

// apply sets the settings given on the command line over a plan's (a key
// left out keeps the plan's value), each decoded by the plan's own decoder
// (runner.Plan.SetTerminology), so a mistake is reported at its flag. Paths
// are the user's, relative to where they run carecert; a SNOMED CT release
// and a server's URL are checked here too, so a bad flag stops before any
// work (the run's engine would refuse them later, less directly).
func (t *terminologySettings) apply(p *runner.Plan) error {
	for _, s := range t.terminology {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return fmt.Errorf("--terminology %q: want key=value (snomed, server, server-timeout or server-cache)", s)
		}
		if (key == "snomed" || key == "server-cache") && value != "" {
			abs, err := filepath.Abs(value)
			if err != nil {
				return fmt.Errorf("--terminology %s: %w", s, err)
			}
			value = abs
		}
		if err := p.SetTerminology(key, value, "--terminology "+s); err != nil {
			return fmt.Errorf("--terminology %s: %w", s, err)
		}
		switch key {
		case "snomed":
			if _, err := os.Stat(value); err != nil {
				return fmt.Errorf("--terminology %s: no SNOMED CT release there (make one with carecert terminology load-snomed)", s)
			}
		case "server":
			if _, err := remote.New(remote.Options{BaseURL: value}); err != nil {
				return fmt.Errorf("--terminology %s: %w", s, err)
			}
		}
	}
	return nil
}
