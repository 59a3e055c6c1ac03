package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/mllptarget"
	v2checks "github.com/carecert/carecert/validators/hl7v2"
)

type listenFlags struct {
	addr, ack, vendor, out, evidence string
	tlsCert, tlsKey, tlsClientCA     string
	duration, readTimeout            time.Duration
	count, maxFrame, workers         int
	maxConns                         int
	suites                           []string
	quiet                            bool
}

func (a *app) listenCommand() *cobra.Command {
	listen := &cobra.Command{
		Use:   "listen",
		Short: "Receive a vendor's feed and certify what arrives",
	}
	var f listenFlags
	cmd := &cobra.Command{
		Use:   "mllp --addr HOST:PORT",
		Short: "Receive HL7 v2 over MLLP for a time or a message count, acknowledge it, validate it, report",
		Long: `Listen for a vendor's HL7 v2 feed over MLLP. Each message is acknowledged
(AA; or AE when --ack validate finds an error in it), and everything received
is validated with the suites (default: hl7v2-structure). Frames split across
reads, several frames in one read, bytes outside frames and oversize frames
are handled and reported. Ends after --duration or --count messages:

  carecert listen mllp --addr 127.0.0.1:2575 --count 100 --suite nhs-adt-v2 --out out/

With --tls-cert and --tls-key it listens for MLLP over TLS (1.2 or later);
--tls-client-ca also requires each sender to present a certificate signed by
a CA in that file (mutual TLS). A failed handshake is reported.

Writes OUT/<vendor>/report.json and junit.xml. Exit 0 when certified, 1 when
not, 2 for bad flags, unreadable or mismatched TLS files, or an address that
cannot be listened on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.listen(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:2575", "host:port to listen on")
	fl.DurationVar(&f.duration, "duration", time.Minute, "stop listening after this long")
	fl.IntVar(&f.count, "count", 0, "stop after this many messages (0: only --duration bounds it)")
	fl.StringVar(&f.ack, "ack", "validate", "acknowledge with aa (always AA) or validate (AE for a message with errors)")
	fl.IntVar(&f.maxFrame, "max-frame", 0, "largest frame accepted, in bytes (default 8 MiB)")
	fl.IntVar(&f.maxConns, "max-connections", mllp.DefaultMaxConns, "connections served at once; more are closed and counted in a warning")
	fl.DurationVar(&f.readTimeout, "read-timeout", mllp.DefaultReadTimeout, "how long a connection may take to deliver each complete frame before it is closed")
	fl.StringArrayVar(&f.suites, "suite", nil, "a built-in suite id or suite file (repeatable; default hl7v2-structure)")
	fl.StringVar(&f.vendor, "vendor", "MLLP sender", "vendor name for the report")
	fl.StringVar(&f.out, "out", "out", "folder for the reports")
	fl.StringVar(&f.evidence, "evidence", "redacted", "evidence in reports: redacted or full")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no summary table")
	fl.IntVar(&f.workers, "workers", 0, "messages checked at once (default: every core)")
	addServerTLSFlags(fl, &f.tlsCert, &f.tlsKey, &f.tlsClientCA)
	listen.AddCommand(cmd)
	return listen
}

func (a *app) listen(ctx context.Context, f listenFlags) error {
	if len(f.suites) == 0 {
		f.suites = []string{"hl7v2-structure"}
	}
	if f.evidence != "redacted" && f.evidence != "full" {
		return usageError("--evidence %q: want redacted or full", f.evidence)
	}
	tlsOpt, err := serverTLSOption(f.tlsCert, f.tlsKey, f.tlsClientCA)
	if err != nil {
		return usageError("%v", err)
	}
	scheme := "mllp://"
	if tlsOpt != nil {
		scheme = "mllps://"
	}
	t := map[string]any{"name": scheme + f.addr, "type": "mllp-listen", "url": scheme + f.addr,
		"duration": f.duration.String(), "count": f.count, "ack": f.ack, "max-frame": f.maxFrame,
		"max-connections": f.maxConns, "read-timeout": f.readTimeout.String()}
	if tlsOpt != nil {
		t["tls"] = tlsOpt
	}
	plan := &runner.Plan{Name: "listen", Suites: f.suites, Evidence: f.evidence, Vendors: []runner.VendorPlan{{
		Name: f.vendor, Targets: []map[string]any{t},
	}}}
	if err := plan.Check(); err != nil {
		return usageError("%v", err)
	}
	r := a.newRunner(f.workers, true)
	// A registry of its own for this run's one target, so that the listener
	// can say where it listens (the port, when --addr asks for port 0).
	targets := target.NewRegistry()
	mllptarget.RegisterListen(targets, mllptarget.ListenOptions{
		Judge: v2checks.NewJudge(),
		Ready: func(addr string) {
			if f.quiet {
				return
			}
			fmt.Fprintf(a.stderr, "listening for MLLP%s on %s (up to %s", map[bool]string{true: " over TLS"}[tlsOpt != nil], addr, f.duration)
			if f.count > 0 {
				fmt.Fprintf(a.stderr, " or %d message(s)", f.count)
			}
			fmt.Fprintln(a.stderr, ")")
		},
	})
	r.Targets = targets
	reps, err := r.Run(ctx, plan)
	interrupted := err != nil && errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return usageError("%v", err)
	}
	if err := a.writeReports(reps, runFlags{out: f.out, quiet: f.quiet}, !interrupted); err != nil {
		return err
	}
	for _, rep := range reps {
		for _, t := range rep.Targets {
			if t.Error != "" {
				return &exitError{code: exitUsage, err: errors.New(t.Error)}
			}
		}
		if rep.Verdict.Decision == model.NotCertified {
			return &exitError{code: exitFailed}
		}
	}
	if interrupted {
		return &exitError{code: exitInterrupted, err: errors.New("interrupted: the results so far were written")}
	}
	return nil
}
