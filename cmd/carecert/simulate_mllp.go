package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/mllp"
)

// simulateMLLPCommand is `carecert simulate mllp`.
func (a *app) simulateMLLPCommand() *cobra.Command {
	var (
		addr, defect    string
		cert, key, ca   string
		every           int
		delay, duration time.Duration
	)
	var names []string
	for k, v := range mllp.Defects() {
		names = append(names, fmt.Sprintf("  %-11s %s", k, v))
	}
	sort.Strings(names)
	cmd := &cobra.Command{
		Use:   "mllp --addr 127.0.0.1:PORT",
		Short: "An MLLP endpoint that acknowledges messages, with configurable defects",
		Long: `Run an MLLP endpoint that acknowledges every message, playing a defect on
every --every-th one, so that a client (carecert run against mllp://...) can be
seen to catch it:

` + strings.Join(names, "\n") + `

  carecert simulate mllp --addr 127.0.0.1:2575 --defect wrong-msa2 --every 3

With --tls-cert and --tls-key it speaks MLLP over TLS (1.2 or later);
--tls-client-ca also requires client certificates signed by a CA in that
file (mutual TLS):

  carecert simulate mllp --addr 127.0.0.1:2576 --tls-cert server.pem --tls-key server.key

Runs until interrupted or --duration ends.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s := &mllp.Simulator{Defect: defect, Every: every, Delay: delay}
			if err := s.Validate(); err != nil {
				return usageError("--defect: %v", err)
			}
			cfg, err := serverTLSConfig(cert, key, ca)
			if err != nil {
				return usageError("%v", err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageError("cannot listen on %s: %v", addr, err)
			}
			over := ""
			if cfg != nil {
				ln = tls.NewListener(ln, cfg)
				over = " over TLS"
			}
			ctx := cmd.Context()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			fmt.Fprintf(a.stderr, "simulating an MLLP endpoint%s on %s (defect %s, every %d)\n", over, ln.Addr(), defect, max(every, 1))
			return s.Serve(ctx, ln)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:2575", "host:port to listen on")
	fl.StringVar(&defect, "defect", "none", "the defect to play")
	fl.IntVar(&every, "every", 1, "play the defect on every N-th message")
	fl.DurationVar(&delay, "delay", 2*time.Second, "how late the slow defect answers")
	fl.DurationVar(&duration, "duration", 0, "stop after this long (0: until interrupted)")
	addServerTLSFlags(fl, &cert, &key, &ca)
	return cmd
}
