package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("carecert serve", func() {
	It("serves the portal on 127.0.0.1 to a token made by carecert serve token, and stops when interrupted", func() {
		dir := GinkgoT().TempDir()
		out := filepath.Join(dir, "out")
		code, _, stderr := carecert("run", "../../examples/demo-plan.yaml", "--out", out, "-q")
		Expect(code).To(Equal(exitFailed), stderr)

		code, stdout, _ := carecert("serve", "token")
		Expect(code).To(Equal(0))
		token := regexp.MustCompile(`token \(give it to the client; it is not kept\): (\S+)`).FindStringSubmatch(stdout)
		Expect(token).NotTo(BeNil(), stdout)
		entry := stdout[bytes.Index([]byte(stdout), []byte("  - id:")):]
		users := writeFile(dir, "users.yaml", "users:\n  - name: ci\n    role: buyer\n    tokens:\n"+indent(entry, "    "))

		ctx, cancel := context.WithCancel(context.Background())
		var served syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- execute(ctx, []string{"serve", "--users", users, "--history", filepath.Join(out, "history.db"), "--addr", "127.0.0.1:0"}, &served, io.Discard)
		}()
		addr := regexp.MustCompile(`carecert portal on (http://127\.0\.0\.1:\d+)`)
		Eventually(served.String, 10*time.Second).Should(MatchRegexp(addr.String()))
		base := addr.FindStringSubmatch(served.String())[1]

		req, err := http.NewRequest(http.MethodGet, base+"/api/vendors", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+token[1])
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(string(body)).To(ContainSubstring("Oakfield Health Software"))

		resp, err = http.Get(base + "/api/vendors")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized), "nothing public")

		cancel()
		Eventually(done, 10*time.Second).Should(Receive(Equal(0)))
	})

	It("refuses a users file with a mistake, naming its line and column, and starts nothing", func() {
		dir := GinkgoT().TempDir()
		users := writeFile(dir, "users.yaml", "users:\n  - name: a\n    role: boss\n    password: x\n")
		code, _, stderr := carecert("serve", "--users", users, "--history", filepath.Join(dir, "h.db"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring(users + `:3:11: users[0].role: role "boss": want supplier, assessor or buyer`))
		code, _, stderr = carecert("serve", "--history", filepath.Join(dir, "h.db"))
		Expect(code).To(Equal(exitUsage))
		Expect(stderr).To(ContainSubstring("--users is required"))
	})
})

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return regexp.MustCompile(`(?m)^`).ReplaceAllString(s, prefix)
}
