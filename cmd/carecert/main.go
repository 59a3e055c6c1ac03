// Command carecert certifies health and social care suppliers' systems and data
// feeds against conformance suites and writes a report per vendor.
//
// Exit codes: 0 success (every vendor certified; no error findings), 1 a vendor
// not certified or error findings, 2 usage error or input that cannot be read at
// all, 3 interrupted (the results so far were written, marked incomplete).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/carecert/carecert/internal/buildinfo"
)

// Exit codes, documented in the README.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 3
)

// version may be set at build time with -ldflags "-X main.version=..."; else
// toolVersion reads the module version or commit the Go toolchain stamped.
var version = "dev"

// toolVersion is the release written into reports, manifests and SARIF.
func toolVersion() string { return buildinfo.Version(version) }

// exitError carries an exit code up to main with an optional message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// app is what every command shares: where it writes and the registries.
type app struct {
	stdout, stderr io.Writer
	env            *registries
	// lookupEnv reads the environment for the collector's policy
	// (collector.go); nil leaves the collector alone.
	lookupEnv func(string) (string, bool)
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go interrupts(sigs, cancel, os.Stderr, os.Exit)
	os.Exit(executeWith(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// interrupts cancels the run on the first Ctrl-C or SIGTERM, so that it
// stops reading and writes the reports it has, marked incomplete. A second
// signal ends the process at once: a run can be stuck where cancellation
// does not reach (opening a FIFO, a library call), and the user must never
// need SIGKILL.
func interrupts(sigs <-chan os.Signal, cancel func(), stderr io.Writer, exit func(int)) {
	<-sigs
	cancel()
	fmt.Fprintln(stderr, "carecert: interrupted: writing the results so far (interrupt again to stop at once)")
	s := <-sigs
	fmt.Fprintf(stderr, "carecert: stopped at once on a second %v: reports of this run may be missing or partial\n", s)
	exit(exitInterrupted)
}

// execute runs the command line and returns the exit code, leaving the
// garbage collector as it is.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return executeWith(ctx, args, stdout, stderr, nil)
}

// executeWith is execute; the commands that validate set the collector's
// policy from lookupEnv (os.LookupEnv in the binary).
func executeWith(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	a := &app{stdout: stdout, stderr: stderr, env: newRegistries(), lookupEnv: lookupEnv}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "carecert:", ee.err)
		}
		return ee.code
	}
	// Anything cobra itself rejects (unknown flag or command) is a usage error.
	fmt.Fprintln(stderr, "carecert:", err)
	return exitUsage
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "carecert",
		Short: "Certify health and social care data feeds and systems against conformance suites",
		Long: `carecert runs conformance suites against suppliers' systems and data feeds
(FHIR R4 files, Bundles and NDJSON; FHIR servers; HL7 v2; CSV extracts) and writes a
certification report per vendor with a verdict and the evidence behind it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       toolVersion(),
	}
	root.AddCommand(
		a.runCommand(),
		a.validateCommand(),
		a.fixturesCommand(),
		a.suitesCommand(),
		a.checksCommand(),
		a.formatsCommand(),
		a.mergeCommand(),
	)
	for _, c := range a.env.extraCommands(a) {
		root.AddCommand(c)
	}
	registerCompletions(root)
	return root
}
