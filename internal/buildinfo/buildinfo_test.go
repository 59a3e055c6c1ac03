package buildinfo_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/buildinfo"
)

func TestBuildinfo(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "internal/buildinfo")
}

var _ = Describe("Version", func() {
	It("prefers a version set at link time", func() {
		Expect(buildinfo.Version("1.4.0")).To(Equal("1.4.0"))
	})

	DescribeTable("reads the build's stamp",
		func(main string, settings map[string]string, want string) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/carecert/carecert", Version: main}}
			for k, v := range settings {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
			}
			Expect(buildinfo.FromBuildInfo(bi)).To(Equal(want))
		},
		Entry("a module install", "v1.2.0", nil, "v1.2.0"),
		Entry("a clean checkout", "(devel)", map[string]string{"vcs.revision": "0123456789abcdef0123", "vcs.modified": "false"}, "dev+0123456789ab"),
		Entry("a checkout with changes", "(devel)", map[string]string{"vcs.revision": "0123456789abcdef0123", "vcs.modified": "true"}, "dev+0123456789ab.dirty"),
		Entry("nothing recorded", "(devel)", nil, "dev"),
	)

	It("stamps a real carecert binary built from this repository with its commit", func() {
		// -buildvcs=true: the default (auto) stamps too, but an environment may
		// turn it off with GOFLAGS, and this spec is about the stamp.
		bin := filepath.Join(GinkgoT().TempDir(), "carecert")
		build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "../../cmd/carecert")
		out, err := build.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		out, err = exec.Command(bin, "--version").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if fi, statErr := os.Stat("../../.git"); err != nil || statErr != nil || !fi.IsDir() {
			// A source archive, or a git worktree (.git is a file, which the
			// Go toolchain does not read): nothing is stamped, and the
			// binary says so rather than inventing a version.
			Expect(string(out)).To(Equal("carecert version dev\n"))
			return
		}
		// Go stamps the commit into the module's pseudo-version, or carecert
		// writes dev+REVISION: either way the commit is in the version.
		Expect(string(out)).To(ContainSubstring(strings.TrimSpace(string(head))[:12]))
	})
})
