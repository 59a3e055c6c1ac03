package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
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
// left out keeps the plan's value). Each is decoded as the plan's would be,
// so a mistake is reported at its flag; paths are the user's, relative to
// where they run carecert, and a SNOMED CT release must be there.
func (t *terminologySettings) apply(into params.Params) (params.Params, error) {
	for _, s := range t.terminology {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("--terminology %q: want key=value (snomed, server, server-timeout or server-cache)", s)
		}
		var decoded check.Terminology
		d := params.Decoder{Label: "the run's terminology", Options: true}
		if err := d.Decode(params.Params{key: value}, &decoded, ""); err != nil {
			return nil, fmt.Errorf("--terminology %s: %w", s, err)
		}
		if (key == "snomed" || key == "server-cache") && value != "" {
			abs, err := filepath.Abs(value)
			if err != nil {
				return nil, fmt.Errorf("--terminology %s: %w", s, err)
			}
			value = abs
		}
		switch key {
		case "snomed":
			if _, err := os.Stat(value); err != nil {
				return nil, fmt.Errorf("--terminology %s: no SNOMED CT release there (make one with carecert terminology load-snomed)", s)
			}
		case "server":
			if _, err := remote.New(remote.Options{BaseURL: value}); err != nil {
				return nil, fmt.Errorf("--terminology %s: %w", s, err)
			}
		}
		if into == nil {
			into = params.Params{}
		}
		into[key] = value
	}
	return into, nil
}
