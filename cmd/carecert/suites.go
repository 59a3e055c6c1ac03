package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/suites"
)

func (a *app) suitesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "suites [ID]",
		Short: "List the built-in suites, or show one suite's requirements",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				for _, id := range suites.BuiltinIDs() {
					s, err := suites.Builtin(id, a.env.checks)
					if err != nil {
						return err
					}
					def := ""
					if s.Default {
						def = " (default)"
					}
					fmt.Fprintf(a.stdout, "%-22s %-8s %s%s\n", s.ID, s.Version, s.Title, def)
				}
				return nil
			}
			s, err := suites.Resolve(args[0], ".", a.env.checks)
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintf(a.stdout, "%s %s — %s\n", s.ID, s.Version, s.Title)
			for _, r := range s.Requirements {
				fmt.Fprintf(a.stdout, "  %-14s %-6s %s [%s]\n", r.ID, r.Level, r.Title, r.Check)
			}
			return nil
		},
	}
	cmd.AddCommand(a.importFrictionlessCommand())
	return cmd
}

func (a *app) checksCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List the check types a suite can use, and the target types a plan can use",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(a.stdout, "Check types:")
			for _, t := range a.env.checks.Types() {
				fmt.Fprintf(a.stdout, "  %-24s %s\n", t, a.env.checks.Doc(t))
			}
			fmt.Fprintln(a.stdout, "Target types:")
			for _, t := range a.env.targets.Types() {
				fmt.Fprintf(a.stdout, "  %-24s %s\n", t, a.env.targets.Doc(t))
			}
		},
	}
}
