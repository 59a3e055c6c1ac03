package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/creack/pty"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// validate's evidence default is decided by where its output goes, so these
// specs run the built binary with its output on a real pseudo-terminal, as a
// supplier's shell gives it, and on a pipe, as CI and redirection do.
var _ = Describe("validate's evidence default on a terminal", Ordered, func() {
	const number = "9434765918" // a wrong check digit: UKCORE-02 reports it with the value
	var bin, patient string
	BeforeAll(func() {
		dir := GinkgoT().TempDir()
		bin = filepath.Join(dir, "carecert")
		build := exec.Command("go", "build", "-o", bin, ".")
		out, err := build.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		patient = writeFile(dir, "patient.json", `{"resourceType": "Patient", "id": "p1",
			"identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "`+number+`"}]}`)
	})

	// environ is this process's environment without CI, plus extra.
	environ := func(extra ...string) []string {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "CI=") {
				env = append(env, kv)
			}
		}
		return append(env, extra...)
	}

	// onTerminal runs carecert with stdin, stdout and stderr on a new
	// pseudo-terminal and returns what it showed there.
	onTerminal := func(env []string, args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
		Expect(err).NotTo(HaveOccurred())
		defer ptmx.Close()
		var screen bytes.Buffer
		copied := make(chan error, 1)
		go func() {
			_, err := io.Copy(&screen, ptmx)
			copied <- err
		}()
		var exit *exec.ExitError
		if err := cmd.Wait(); err != nil && !errors.As(err, &exit) {
			Fail(err.Error())
		}
		// Linux ends a terminal whose last writer closed with EIO, not EOF.
		Eventually(copied).Should(Receive())
		Expect(cmd.ProcessState.ExitCode()).To(Equal(exitFailed), screen.String())
		return screen.String()
	}

	It("shows a supplier the value that is wrong on an interactive terminal, and says so", func() {
		screen := onTerminal(environ(), "validate", "--suite", "uk-core", patient)
		Expect(screen).To(ContainSubstring("value: " + number))
		Expect(screen).To(ContainSubstring("showing full evidence on this terminal (--evidence redacted hides"))
	})

	It("redacts on a terminal in CI, and wherever --evidence redacted says", func() {
		for _, run := range []struct {
			env  []string
			args []string
		}{
			{environ("CI=true"), nil},
			{environ(), []string{"--evidence", "redacted"}},
			{environ(), []string{"--out", filepath.Join(GinkgoT().TempDir(), "out")}},
		} {
			screen := onTerminal(run.env, append(append([]string{"validate", "--suite", "uk-core"}, run.args...), patient)...)
			Expect(screen).To(ContainSubstring("value: [redacted]"), "%v %v", run.env[len(run.env)-1], run.args)
			Expect(screen).NotTo(ContainSubstring(number), "%v", run.args)
			Expect(screen).NotTo(ContainSubstring("showing full evidence"))
		}
	})

	It("redacts on a pipe outside CI unless --evidence full is given", func() {
		for _, run := range []struct {
			args []string
			want string
		}{
			{nil, "value: [redacted]"},
			{[]string{"--evidence", "full"}, "value: " + number},
		} {
			cmd := exec.Command(bin, append(append([]string{"validate", "--suite", "uk-core"}, run.args...), patient)...)
			cmd.Env = environ()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			Expect(cmd.Run()).To(MatchError(ContainSubstring("exit status 1")))
			Expect(stdout.String()).To(ContainSubstring(run.want), "%v", run.args)
			Expect(stderr.String()).To(BeEmpty())
		}
	})
})
