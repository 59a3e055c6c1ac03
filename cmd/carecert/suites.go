package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/internal/spelling"
	"github.com/carecert/carecert/suites"
)

func (a *app) suitesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "suites [ID]",
		Short: "List the built-in suites, or show one suite's requirements",
		Args:  cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeSuites(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				listed := []suiteListing{}
				for _, id := range suites.BuiltinIDs() {
					s, err := suites.Builtin(id, a.env.checks)
					if err != nil {
						return err
					}
					if asJSON {
						listed = append(listed, listSuite(s, false))
						continue
					}
					def := ""
					if s.Default {
						def = " (default)"
					}
					fmt.Fprintf(a.stdout, "%-22s %-8s %s%s\n", s.ID, s.Version, s.Title, def)
				}
				if asJSON {
					return writeJSON(a.stdout, listed)
				}
				return nil
			}
			s, err := suites.Resolve(args[0], ".", a.env.checks)
			if err != nil {
				return usageError("%v", err)
			}
			if asJSON {
				return writeJSON(a.stdout, listSuite(s, true))
			}
			fmt.Fprintf(a.stdout, "%s %s — %s\n", s.ID, s.Version, s.Title)
			for _, r := range s.Requirements {
				fmt.Fprintf(a.stdout, "  %-14s %-6s %s [%s]\n", r.ID, r.Level, r.Title, r.Check)
				if r.Source != nil {
					fmt.Fprintf(a.stdout, "  %-14s rule: %s %s\n", "", r.Source.URL, r.Source.Section)
				}
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	cmd.AddCommand(a.importFrictionlessCommand())
	return cmd
}

func (a *app) checksCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "checks [TYPE]",
		Short: "List the check types a suite can use and the target types a plan can use, or show one check type's parameters or target type's options",
		Args:  cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return append(a.env.checks.Types(), a.env.targets.Types()...), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return a.showCheck(args[0], asJSON)
			}
			if asJSON {
				out := struct {
					Checks  []typeListing `json:"checks"`
					Targets []typeListing `json:"targets"`
				}{[]typeListing{}, []typeListing{}}
				for _, t := range a.env.checks.Types() {
					out.Checks = append(out.Checks, typeListing{t, a.env.checks.Doc(t)})
				}
				for _, t := range a.env.targets.Types() {
					out.Targets = append(out.Targets, typeListing{t, a.env.targets.Doc(t)})
				}
				return writeJSON(a.stdout, out)
			}
			fmt.Fprintln(a.stdout, "Check types:")
			for _, t := range a.env.checks.Types() {
				fmt.Fprintf(a.stdout, "  %-24s %s\n", t, a.env.checks.Doc(t))
			}
			fmt.Fprintln(a.stdout, "Target types:")
			for _, t := range a.env.targets.Types() {
				fmt.Fprintf(a.stdout, "  %-24s %s\n", t, a.env.targets.Doc(t))
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

// showCheck prints one check type's parameter table, generated from the
// parameter struct the type declares, so it cannot drift from the code.
func (a *app) showCheck(typ string, asJSON bool) error {
	reg := a.env.checks
	if !reg.Has(typ) && a.env.targets.Has(typ) {
		return a.showTarget(typ, asJSON)
	}
	if !reg.Has(typ) || typ == check.Manual {
		hint := ""
		if near := spelling.Closest(typ, append(reg.Types(), a.env.targets.Types()...), 4); near != "" {
			hint = fmt.Sprintf("; did you mean %s?", near)
		}
		return fmt.Errorf("no check or target type %q%s (carecert checks lists them)", typ, hint)
	}
	params, declared := reg.Params(typ)
	heading := fmt.Sprintf("%s: %s", typ, reg.Doc(typ))
	if at := reg.DefinedAt(typ); at != "" {
		// The registration names the function that compiles the check: from
		// a report's requirement (its check type) to the code in one step.
		heading += "\nCode: " + at
	}
	return a.showParams(checkListing{Name: typ, Doc: reg.Doc(typ), Code: reg.DefinedAt(typ), Declared: declared, Params: params}, asJSON,
		heading, "PARAMETER",
		"Its parameters are read by the check itself and not declared for this listing; see docs/.", "It takes no parameters.")
}

// showTarget prints one target type's option table, generated from the
// options struct the type declares, as showCheck does for a check type.
func (a *app) showTarget(typ string, asJSON bool) error {
	reg := a.env.targets
	params, declared := reg.Options(typ)
	return a.showParams(checkListing{Name: typ, Doc: reg.Doc(typ), Declared: declared, Params: params}, asJSON,
		fmt.Sprintf("target %s: %s\nEvery target takes name, type, and path or url; these are its other options.", typ, reg.Doc(typ)), "OPTION",
		"Its options are read by the target itself and not declared for this listing; see docs/.", "It takes no other options.")
}

// showParams prints a type's parameter or option table under heading (as
// JSON with --json), or says why there is none.
func (a *app) showParams(l checkListing, asJSON bool, heading, column, undeclared, none string) error {
	if asJSON {
		if l.Params == nil {
			l.Params = []params.Doc{}
		}
		return writeJSON(a.stdout, l)
	}
	fmt.Fprintln(a.stdout, heading)
	switch {
	case !l.Declared:
		fmt.Fprintln(a.stdout, undeclared)
		return nil
	case len(l.Params) == 0:
		fmt.Fprintln(a.stdout, none)
		return nil
	}
	return a.paramTable(column, l.Params)
}

// paramTable prints a parameter or option table.
func (a *app) paramTable(title string, params []params.Doc) error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "%s\tTYPE\tDEFAULT\tMEANING\n", title)
	for _, p := range params {
		def := p.Default
		if p.Required {
			def = "(required)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, p.Type, def, p.Doc)
	}
	return w.Flush()
}
