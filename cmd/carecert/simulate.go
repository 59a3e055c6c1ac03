package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/spf13/cobra"

	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fixtures/fhirserver"
)

// simulateCommand groups the simulated supplier systems: a FHIR server and an
// MLLP endpoint.
func (a *app) simulateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run simulated supplier systems (a FHIR server, an MLLP endpoint) for tests and demos",
	}
	cmd.AddCommand(a.simulateFHIRCommand(), a.simulateMLLPCommand())
	return cmd
}

// simulateFHIRCommand is `carecert simulate fhir`.
func (a *app) simulateFHIRCommand() *cobra.Command {
	var (
		addr, feed, defects, tokenEnv, tokenFile string
		smartClient, smartKey                    string
		pageSize, bulkPolls, retryAfter          int
	)
	fhirCmd := &cobra.Command{
		Use:   "fhir",
		Short: "Serve a fixture feed as a FHIR R4 REST server with Bulk export and optional defects",
		Long: `Serve a folder of NDJSON (as 'carecert fixtures generate' writes it) as a FHIR R4
REST server: /metadata, read, vread, search with the common parameters and
paging, history, create and update (in memory), and Bulk Data $export at the
system, Patient and Group/all levels. Stop it with Ctrl-C.

  carecert fixtures generate --records 500 --defects none --out feed
  carecert simulate fhir --addr 127.0.0.1:8080 --feed feed
  carecert simulate fhir --feed feed --defects paging-loop,slow=200ms

Defects (--defects kind,kind=value):
` + defectList(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := fhirserver.ParseDefects(defects)
			if err != nil {
				return usageError("%v", err)
			}
			opts := fhirserver.Options{Feed: feed, Defects: d, PageSize: pageSize, BulkPolls: bulkPolls, RetryAfter: retryAfter}
			switch {
			case tokenEnv != "" && tokenFile != "":
				return usageError("give --token-env or --token-file, not both")
			case tokenEnv != "":
				if opts.Token, err = fhirclient.TokenFromEnv(tokenEnv); err != nil {
					return usageError("--token-env: %v", err)
				}
			case tokenFile != "":
				if opts.Token, err = fhirclient.TokenFromFile(tokenFile); err != nil {
					return usageError("--token-file: %v", err)
				}
			}
			if (smartClient == "") != (smartKey == "") {
				return usageError("SMART Backend Services needs both --smart-client-id and --smart-public-key")
			}
			if smartClient != "" {
				key, err := loadPublicKey(smartKey)
				if err != nil {
					return usageError("--smart-public-key: %v", err)
				}
				opts.SMART = &fhirserver.SMARTClient{ClientID: smartClient, PublicKey: key}
			}
			srv, err := fhirserver.New(opts)
			if err != nil {
				return usageError("%v", err)
			}
			return a.serve(cmd.Context(), addr, srv, defects)
		},
	}
	fl := fhirCmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&feed, "feed", "", "NDJSON file or folder of them to serve (required)")
	fl.StringVar(&defects, "defects", "none", "server defects to switch on: none, or kind,kind=value,...")
	fl.StringVar(&tokenEnv, "token-env", "", "require this bearer token, read from the named environment variable")
	fl.StringVar(&tokenFile, "token-file", "", "require the bearer token in this file")
	fl.StringVar(&smartClient, "smart-client-id", "", "require SMART Backend Services tokens, issued at /auth/token to this client")
	fl.StringVar(&smartKey, "smart-public-key", "", "PEM public key that verifies the SMART client's assertions")
	fl.IntVar(&pageSize, "page-size", 20, "default search page size")
	fl.IntVar(&bulkPolls, "bulk-polls", 1, "Bulk status polls answered 'in progress' before the manifest")
	fl.IntVar(&retryAfter, "retry-after", 1, "Retry-After seconds on in-progress Bulk status (0: none)")
	fhirCmd.MarkFlagRequired("feed")
	return fhirCmd
}

func defectList() string {
	var b strings.Builder
	for _, d := range fhirserver.Catalogue() {
		fmt.Fprintf(&b, "  %-20s %s\n", d.Kind, d.Doc)
	}
	return b.String()
}

func loadPublicKey(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if k, err := jwt.ParseRSAPublicKeyFromPEM(data); err == nil {
		return k, nil
	}
	if k, err := jwt.ParseECPublicKeyFromPEM(data); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("%s: not a PEM RSA or EC public key", path)
}

// serve runs the simulator until the command's context ends (Ctrl-C).
func (a *app) serve(ctx context.Context, addr string, srv *fhirserver.Server, defects string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError("listen on %s: %v", addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stdout, "carecert simulator: %d resources of %d types at http://%s (defects: %s); Ctrl-C stops it\n",
		srv.Resources(), len(srv.Types()), ln.Addr(), defects)
	if n := srv.Skipped(); n > 0 {
		fmt.Fprintf(a.stderr, "carecert simulator: %d feed line(s) could not be served (unreadable, no type or id, or duplicate)\n", n)
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("simulator: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("simulator: %w", err)
	}
	return nil
}
