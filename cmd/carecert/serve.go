package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/history"
	webportal "github.com/carecert/carecert/portal"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/submission"
)

type serveFlags struct {
	history, users, addr, keys                      string
	secureCookies, fullEvidence, acceptFullEvidence bool
	maxUpload                                       int64
	policies                                        []string
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --users USERS.yaml [--history LOCATION] [--addr 127.0.0.1:8080]",
		Short: "Serve the assurance portal: runs, vendors, comparisons and requirements over the run history",
		Long: `Serve the assurance portal over the run history (a SQLite file or a
postgres:// DSN): runs filtered by vendor, product, release, suite, verdict and
date; a vendor's releases with charts, diffs and waivers; comparisons; one
requirement across vendors; a run's report, manifest and signature. Every page
has JSON under /api/. With --keys (the vendors' registered public keys) it
takes signed runs at POST /api/submissions (carecert submit) and marks runs
signed by their vendor's key as trusted. An assessor attests a run's manual
requirements on its page (or POST /api/runs/ID/attest); the run is re-graded
under its own policy, which the portal must know: the default, or one given
with --policy.

  carecert serve --users portal-users.yaml --keys vendor-keys.yaml --history portal.db

Nothing is public: everyone signs in as a user of the users file (a supplier
sees its own vendor only; an assessor or a buyer sees all). The portal listens
on 127.0.0.1 unless --addr says otherwise; behind an HTTPS proxy give
--secure-cookies. carecert serve hash and carecert serve token make the hashes
the users file keeps. Exit 2 for a bad users file (file:line:column) or an
address that cannot be listened on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.servePortal(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.history, "history", "", "history: a SQLite file or a postgres:// DSN (default $CARECERT_HISTORY, else out/history.db)")
	fl.StringVar(&f.users, "users", "", "users file (YAML): who may sign in, with which role (required)")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "host:port to listen on")
	fl.BoolVar(&f.secureCookies, "secure-cookies", false, "mark cookies Secure (when users reach the portal over HTTPS)")
	fl.BoolVar(&f.fullEvidence, "full-evidence", false, "show findings' evidence as reports keep it (default: identifying values redacted)")
	fl.StringVar(&f.keys, "keys", "", "vendors' registered public keys (YAML): runs signed by them are trusted, and submissions are checked against them")
	fl.Int64Var(&f.maxUpload, "max-upload", 0, "largest submission accepted, in bytes, as sent and as unpacked (default 512 MiB)")
	fl.StringArrayVar(&f.policies, "policy", nil, "a plan or policy file whose policy runs were graded under, for re-grading attested runs (repeatable; the default policy is always known)")
	fl.BoolVar(&f.acceptFullEvidence, "accept-full-evidence", false, "accept submitted reports that keep unredacted evidence (default: refused)")
	cmd.AddCommand(a.serveHashCommand(), a.serveTokenCommand())
	return cmd
}

func (a *app) servePortal(ctx context.Context, f serveFlags) error {
	if f.users == "" {
		return usageError("--users is required: nothing is public, so the portal needs its users file")
	}
	users, err := webportal.LoadUsers(f.users)
	if err != nil {
		return usageError("%v", err)
	}
	location := historyLocation(f.history, "out")
	if !history.IsDSN(location) && !exists(location) {
		return usageError("no history at %s: carecert run records one there (or give --history)", location)
	}
	store, err := history.Open(ctx, location)
	if err != nil {
		return usageError("%v", err)
	}
	defer store.Close()
	opt := webportal.Options{SecureCookies: f.secureCookies, FullEvidence: f.fullEvidence,
		Upload: submission.Options{MaxBytes: f.maxUpload, AcceptFullEvidence: f.acceptFullEvidence}}
	if f.keys != "" {
		if opt.Keys, err = submission.LoadKeys(f.keys); err != nil {
			return usageError("%v", err)
		}
	}
	for _, file := range f.policies {
		pol, err := policy.Load(file)
		if err != nil {
			return usageError("--policy: %v", err)
		}
		opt.Policies = append(opt.Policies, pol)
	}
	if f.maxUpload < 0 {
		return usageError("--max-upload must not be negative")
	}
	p, err := webportal.New(store, users, opt)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usageError("--addr %s: %v", f.addr, err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(a.stdout, "carecert portal on http://%s (history %s)\n", ln.Addr(), store.Where)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}

func (a *app) serveHashCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "hash",
		Short: "Read a password on standard input and print the bcrypt hash a users file keeps",
		Long: `Read a password (one line) on standard input and print its bcrypt hash, for a
user's password: field in the portal's users file.

  printf '%s\n' "$PASSWORD" | carecert serve hash`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return usageError("no password on standard input")
			}
			h, err := webportal.HashSecret(strings.TrimRight(line, "\r\n"))
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintln(a.stdout, h)
			return nil
		},
	}
}

func (a *app) serveTokenCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Make a bearer token for the portal's API and print it with its users-file entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			token, entry, err := webportal.NewToken()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "token (give it to the client; it is not kept): %s\nusers file entry, under the user's tokens:\n  - id: %s\n    hash: %q\n", token, entry.ID, entry.Hash)
			return nil
		},
	}
}
