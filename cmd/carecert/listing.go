package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

// writeJSON writes v as indented JSON: the machine-readable form of every
// listing command (--json), so scripts never parse the aligned text.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Listing shapes: one object per listed thing, named as the text columns are.
type (
	suiteListing struct {
		ID           string               `json:"id"`
		Version      string               `json:"version"`
		Title        string               `json:"title"`
		Description  string               `json:"description,omitempty"`
		Kinds        []string             `json:"kinds"`
		Default      bool                 `json:"default"`
		Requirements []requirementListing `json:"requirements,omitempty"`
	}
	requirementListing struct {
		ID    string `json:"id"`
		Level string `json:"level"`
		Title string `json:"title"`
		Check string `json:"check"`
		// Source is the normative text of the rule, where the suite names it.
		Source *model.RuleSource `json:"source,omitempty"`
	}
	typeListing struct {
		Name string `json:"name"`
		Doc  string `json:"doc"`
	}
	// checkListing is one check type with its parameter table; Declared is
	// false for types whose parameters are not declared as a struct.
	checkListing struct {
		Name string `json:"name"`
		Doc  string `json:"doc"`
		// Code is where a check type is registered (check.Registry.DefinedAt).
		Code     string       `json:"code,omitempty"`
		Declared bool         `json:"declared"`
		Params   []params.Doc `json:"params"`
	}
	formatListing struct {
		Name string `json:"name"`
		File string `json:"file,omitempty"`
		Doc  string `json:"doc"`
	}
)

func listSuite(s *suites.Suite, withRequirements bool) suiteListing {
	l := suiteListing{ID: s.ID, Version: s.Version, Title: s.Title, Description: s.Description, Kinds: []string{}, Default: s.Default}
	for _, k := range s.Kinds {
		l.Kinds = append(l.Kinds, string(k))
	}
	if withRequirements {
		for _, r := range s.Requirements {
			l.Requirements = append(l.Requirements, requirementListing{ID: r.ID, Level: string(r.Level), Title: r.Title, Check: r.Check, Source: r.Source})
		}
	}
	return l
}

// jsonFlag adds --json to a listing command.
func jsonFlag(cmd *cobra.Command, on *bool) {
	cmd.Flags().BoolVar(on, "json", false, "print the listing as JSON")
}

// completeSuites offers the built-in suite ids to the shell, for --suite and
// 'suites ID'; a suite file is completed as a file name.
func completeSuites(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return suites.BuiltinIDs(), cobra.ShellCompDirectiveDefault
}

// registerCompletions gives the shell completion cobra generates
// ('carecert completion bash|zsh|fish|powershell') the values it cannot
// know: suite ids for every --suite, and report formats for the --format of
// the commands that print reports.
func registerCompletions(root *cobra.Command) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("suite") != nil {
			_ = c.RegisterFlagCompletionFunc("suite", completeSuites)
		}
		if c.Flags().Lookup("format") != nil && (c.Name() == "report" || c.Name() == "validate") {
			_ = c.RegisterFlagCompletionFunc("format", completeFormats)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
