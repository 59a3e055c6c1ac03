// Package browsertest starts the real headless Chromium that carecert's
// browser specs drive (the HTML report, the portal), and keeps their
// screenshots where people can look at them.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// ChromiumPath is $CARECERT_CHROMIUM, else chromium on PATH (Debian's package,
// which test.sh installs when it is missing).
func ChromiumPath() string {
	if p := os.Getenv("CARECERT_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return "/usr/bin/chromium"
}

// Artifacts is the gitignored folder at the module root where specs keep
// screenshots for people to look at.
func Artifacts() string {
	dir, err := os.Getwd()
	Expect(err).NotTo(HaveOccurred())
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			out := filepath.Join(dir, ".artifacts")
			Expect(os.MkdirAll(out, 0o755)).To(Succeed())
			return out
		}
		parent := filepath.Dir(dir)
		Expect(parent).NotTo(Equal(dir), "no go.mod above the test")
		dir = parent
	}
}

// Browser starts a fresh headless Chromium, ended when the calling spec is
// done. A missing Chromium fails the spec: browser specs never skip.
func Browser() context.Context {
	path := ChromiumPath()
	if _, err := os.Stat(path); err != nil {
		Fail(fmt.Sprintf("Chromium not found at %s (%v): run ./test.sh, which installs it, or set CARECERT_CHROMIUM", path, err))
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// No UserDataDir: chromedp then passes --user-data-dir with a fresh
		// temporary folder, and removes it once the browser has exited.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Containers give /dev/shm 64 MB, too little for a 10 MB page's renderer.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1300, 1800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// No deadline of its own: under a load average of 40 the portal's spec
	// took 80 s of the 90 it had. Each step waits for an event (a page
	// loaded, a node shown), and a browser that never sends it is stopped by
	// go test's -timeout, with every goroutine's stack.
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	DeferCleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx
}
