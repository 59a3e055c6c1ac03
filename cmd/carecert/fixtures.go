package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/fixtures"
)

func (a *app) fixturesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fixtures",
		Short: "Generate deterministic synthetic vendor feeds with seeded defects",
	}
	var (
		seed    uint64
		records int
		defects string
		out     string
	)
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write OUT/feed.ndjson and OUT/manifest.json (the defects seeded, as ground truth)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if records < 1 {
				return usageError("--records must be at least 1")
			}
			spec, err := fixtures.ParseDefects(defects, records)
			if err != nil {
				return usageError("%v", err)
			}
			m, err := fixtures.WriteDir(out, fixtures.Options{Seed: seed, Records: records, Defects: spec})
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintf(a.stdout, "wrote %d records with %d seeded defect(s) to %s\n", m.Records, len(m.Defects), out)
			return nil
		},
	}
	gen.Flags().Uint64Var(&seed, "seed", 1, "random seed: the same seed gives the same feed")
	gen.Flags().IntVar(&records, "records", 1000, "number of records")
	gen.Flags().StringVar(&defects, "defects", "all", "none, all, kind=N,... or all,kind=N,... (kinds: 'carecert fixtures defects')")
	gen.Flags().StringVar(&out, "out", "fixture-feed", "output folder")
	var asJSON bool
	list := &cobra.Command{
		Use:   "defects",
		Short: "List the defect kinds the generator can seed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				listed := []typeListing{}
				for _, d := range fixtures.Catalogue() {
					listed = append(listed, typeListing{Name: d.Kind, Doc: d.Doc})
				}
				return writeJSON(a.stdout, listed)
			}
			for _, d := range fixtures.Catalogue() {
				fmt.Fprintf(a.stdout, "%-28s %s\n", d.Kind, d.Doc)
			}
			return nil
		},
	}
	jsonFlag(list, &asJSON)
	cmd.AddCommand(gen, list, a.cldFixturesCommand())
	return cmd
}
