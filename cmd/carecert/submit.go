package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/submission"
)

func (a *app) submitCommand() *cobra.Command {
	var server, token string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "submit --server URL [--token T] DIR",
		Short: "Upload a signed run folder to a carecert portal",
		Long: `Upload the folder carecert run --sign-key wrote for one vendor (out/<vendor>)
to a carecert portal (carecert serve), which checks the signature against
the keys registered for that vendor and stores the run. Only the manifest,
its signature and the files the manifest lists are sent.

The token is the portal login's bearer token: --token, or the environment
variable CARECERT_TOKEN (which keeps it out of the process list).

  carecert submit --server https://assurance.example.nhs.uk out/oakfield

Exit 0 when the portal stored the run (its id is printed), 1 when the portal
refused it (the reason is printed), 2 when the folder cannot be read or the
portal cannot be reached or failed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" {
				return usageError("--server is required: the portal's address (http://127.0.0.1:8080)")
			}
			if token == "" {
				token = os.Getenv("CARECERT_TOKEN")
			}
			client := &http.Client{Timeout: timeout}
			rec, err := submission.Submit(cmd.Context(), client, server, token, args[0])
			var ref *submission.Refusal
			switch {
			case errors.As(err, &ref):
				fmt.Fprintf(a.stdout, "refused (%s): %s\n", ref.Code, ref.Reason)
				return &exitError{code: exitFailed}
			case err != nil:
				return usageError("%v", err)
			}
			fmt.Fprintf(a.stdout, "stored as run %d: %s %s (%s), signed by key %s, %d file(s)\n",
				rec.RunID, rec.Vendor, rec.Release, rec.Decision, rec.KeyID, rec.Files)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "the portal's base URL")
	cmd.Flags().StringVar(&token, "token", "", "bearer token of the portal login (default $CARECERT_TOKEN)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up when the upload and answer take longer")
	return cmd
}
