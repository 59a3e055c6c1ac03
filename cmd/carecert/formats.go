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
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "formats",
		Short: "List the report formats: the --format names and the files run writes per vendor",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				listed := []formatListing{}
				for _, f := range formats.All() {
					listed = append(listed, formatListing{Name: f.Name(), File: f.File(), Doc: f.Doc()})
				}
				return writeJSON(a.stdout, listed)
			}
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
	jsonFlag(cmd, &asJSON)
	return cmd
}

// completeFormats offers the --format names to the shell.
func completeFormats(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var names []string
	for _, f := range formats.All() {
		names = append(names, f.Name())
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
