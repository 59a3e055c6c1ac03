package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/reports/formats"
)

// formatsCommand lists the report formats: what --format takes in run's
// siblings (report, validate) and the files run writes per vendor.
func (a *app) formatsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the report formats: the --format names and the files run writes per vendor",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "FORMAT\tFILE\tWHAT")
			for _, f := range formats.All() {
				file := f.File()
				if file == "" {
					file = "(printed only)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name(), file, f.Doc())
			}
			return tw.Flush()
		},
	}
}
