package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/remote"
	"github.com/carecert/carecert/terminology/snomed"
)

// terminologyFlags are the content options the terminology commands share.
type terminologyFlags struct {
	igs           []string
	snomedDB      string
	server        string
	serverTimeout time.Duration
}

func (f *terminologyFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.igs, "ig", nil, "an implementation guide to load: folder or package .tgz (repeatable)")
	fl.StringVar(&f.snomedDB, "snomed", "", "a SNOMED CT file made by 'carecert terminology load-snomed'")
	fl.StringVar(&f.server, "server", "", "a FHIR terminology server asked what offline content cannot answer")
	fl.DurationVar(&f.serverTimeout, "server-timeout", 10*time.Second, "time allowed for one terminology server request")
}

// engine builds the engine the flags describe.
// engine builds the terminology engine of the flags, telling stderr which
// guide files it left out.
func (f *terminologyFlags) engine(stderr io.Writer) (*terminology.Engine, error) {
	e := terminology.NewCore(func(e *terminology.Engine) error {
		for _, ig := range f.igs {
			if err := e.LoadIG(ig); err != nil {
				return err
			}
		}
		return nil
	})
	e.SetXMLDecoder(fhirxml.Decode)
	if f.snomedDB != "" {
		st, err := snomed.Open(f.snomedDB)
		if err != nil {
			return nil, err
		}
		e.AddProvider(terminology.SNOMED, st)
	}
	if f.server != "" {
		c, err := remote.New(remote.Options{BaseURL: f.server, Timeout: f.serverTimeout})
		if err != nil {
			return nil, err
		}
		e.SetRemote(c)
	}
	if err := e.Ready(); err != nil {
		return nil, err
	}
	for _, skipped := range e.Skipped() {
		fmt.Fprintln(stderr, "carecert: guide file left out:", skipped)
	}
	return e, nil
}

func (a *app) terminologyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "terminology",
		Short: "Validate codes, expand value sets and load SNOMED CT releases, offline",
	}
	cmd.AddCommand(a.validateCodeCommand(), a.expandCommand(), a.loadSNOMEDCommand())
	return cmd
}

func (a *app) validateCodeCommand() *cobra.Command {
	var f terminologyFlags
	var system, code, display, valueSet string
	cmd := &cobra.Command{
		Use:   "validate-code --system URI --code CODE [--display TEXT] [--valueset URL]",
		Short: "Check a code against its code system and a value set (FHIR $validate-code)",
		Long: `Check a code against its code system and, with --valueset, a value set, and
print the result as JSON. Exit 0 when the code is valid, 1 when it is not or
cannot be decided offline, 2 for a usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code == "" {
				return usageError("--code is required")
			}
			e, err := f.engine(a.stderr)
			if err != nil {
				return usageError("%v", err)
			}
			r, err := e.ValidateCode(cmd.Context(), system, code, display, valueSet)
			if err != nil {
				return usageError("%v", err)
			}
			out := struct {
				Valid      bool                `json:"valid"`
				Membership string              `json:"membership"`
				Display    string              `json:"display,omitempty"`
				Issues     []terminology.Issue `json:"issues,omitempty"`
			}{r.Valid() && r.Membership == terminology.Member, r.Membership.String(), r.Display, r.Issues}
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(out); err != nil {
				return err
			}
			if !out.Valid {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&system, "system", "", "the code system URI (empty for a plain code a value set implies)")
	fl.StringVar(&code, "code", "", "the code")
	fl.StringVar(&display, "display", "", "a display to check against the code system's")
	fl.StringVar(&valueSet, "valueset", "", "a value set URL the code must be in")
	f.add(cmd)
	return cmd
}

func (a *app) expandCommand() *cobra.Command {
	var f terminologyFlags
	cmd := &cobra.Command{
		Use:   "expand URL",
		Short: "List a value set's codes (FHIR $expand), offline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := f.engine(a.stderr)
			if err != nil {
				return usageError("%v", err)
			}
			codes, err := e.Expand(args[0])
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			for _, c := range codes {
				fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", c.System, c.Code, c.Display)
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func (a *app) loadSNOMEDCommand() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "load-snomed RF2-FOLDER --db FILE",
		Short: "Load a SNOMED CT RF2 snapshot into a SQLite file the terminology checks can use",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if db == "" {
				return usageError("--db is required")
			}
			sum, err := snomed.Load(cmd.Context(), args[0], db)
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintf(a.stdout, "%s: %d concepts, %d descriptions, %d is-a relationships, %d preferred terms (release %s)\n",
				db, sum.Concepts, sum.Descriptions, sum.Relationships, sum.Preferred, sum.Effective)
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "the SQLite file to create")
	return cmd
}
