package livefhir_test

import (
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
)

var _ = Describe("fhir-server target over TLS", func() {
	var url, caFile string
	var caCert []byte
	BeforeEach(func() {
		s, err := fhirserver.New(fhirserver.Options{Feed: feedDir})
		Expect(err).NotTo(HaveOccurred())
		hs := httptest.NewTLSServer(s)
		DeferCleanup(hs.Close)
		url, caCert = hs.URL, hs.Certificate().Raw
		caFile = filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o644)).To(Succeed())
	})

	It("refuses a certificate it cannot verify, as a finding", func() {
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(HaveEach("api.tls"))
		Expect(tr.Errors).To(Equal(tr.Evaluated))
	})

	It("trusts the CA the plan names, or skips verification when told to", func() {
		for _, tlsOpt := range []map[string]any{{"ca_file": caFile}, {"insecure_skip_verify": true}} {
			rep := run([]map[string]any{apiTarget(url, map[string]any{"tls": tlsOpt})}, "fhir-rest-api")
			Expect(failing(rep)).To(BeEmpty())
			Expect(result(rep, "api", "API-13").Outcome).To(Equal(model.Pass))
		}
	})

	It("says in the report, under INPUT, that verification was off when insecure_skip_verify is set, and only then", func() {
		rep := run([]map[string]any{apiTarget(url, map[string]any{"tls": map[string]any{"insecure_skip_verify": true}})}, "fhir-rest-api")
		in := result(rep, "api", "INPUT")
		Expect(in.Outcome).To(Equal(model.Warn))
		Expect(codes(in)).To(Equal([]string{"fhir.tls-insecure"}))
		Expect(in.Findings[0].Message).To(ContainSubstring("TLS certificate verification is OFF"))
		rep = run([]map[string]any{apiTarget(url, map[string]any{"tls": map[string]any{"ca_file": caFile}})}, "fhir-rest-api")
		Expect(result(rep, "api", "INPUT").Warnings).To(BeZero())
	})

	It("names a CA file that holds no certificate", func() {
		bad := filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(os.WriteFile(bad, []byte("not a certificate"), 0o644)).To(Succeed())
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"tls": map[string]any{"ca_file": bad}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("tls.ca_file " + bad + ": no PEM certificate in it")))
	})
	// The plan's file, the line and column of the value written, the option
	// and the target, then what is wrong, naming the file; the server is
	// never asked anything.
	DescribeTable("refuses a certificate or key that cannot be used at its option's line and column in the plan",
		func(option string, lines []string, column int, want func(dir string) string) {
			dir := GinkgoT().TempDir()
			cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert})
			Expect(os.WriteFile(filepath.Join(dir, "ca.pem"), cert, 0o644)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a certificate"), 0o644)).To(Succeed())
			plan := filepath.Join(dir, "plan.yaml")
			text := "suites: [fhir-rest-api]\nvendors:\n  - name: Acme\n    targets:\n      - name: api\n        type: fhir-server\n        url: " + url + "\n"
			for _, l := range lines {
				text += "        " + l + "\n"
			}
			Expect(os.WriteFile(plan, []byte(text), 0o644)).To(Succeed())
			p, err := runner.LoadPlan(plan)
			Expect(err).NotTo(HaveOccurred())
			treg := target.NewRegistry()
			livefhir.Register(treg)
			r := &runner.Runner{Checks: check.NewRegistry(), Targets: treg, Workers: 1, Tool: model.Tool{Name: "carecert", Version: "test"}}
			at := fmt.Sprintf("plan %s:%d:%d: vendors[0].targets[0].%s: target api: %s", plan, 7+len(lines), column, option, want(dir))
			Expect(r.Preflight(p)).To(MatchError(HavePrefix(at)))
		},
		Entry("a CA file that is not there", "tls.ca_file", []string{"tls:", "  ca_file: absent.pem"}, 20,
			func(dir string) string {
				return "tls.ca_file " + filepath.Join(dir, "absent.pem") + ": cannot read it: no such file or directory"
			}),
		Entry("a CA file with no PEM certificate", "tls.ca_file", []string{"tls: {ca_file: notes.txt}"}, 24,
			func(dir string) string {
				return "tls.ca_file " + filepath.Join(dir, "notes.txt") + ": no PEM certificate in it"
			}),
		Entry("a CA trusted and verification skipped", "tls.ca_file", []string{"tls: {insecure_skip_verify: true, ca_file: ca.pem}"}, 52,
			func(string) string {
				return "tls.ca_file and insecure_skip_verify are both given: trust a CA or skip verification, not both"
			}),
		Entry("a SMART key file that is a certificate", "auth.key_file", []string{"auth:", "  type: smart-backend", "  client_id: c1", "  key_file: ca.pem"}, 21,
			func(dir string) string {
				return "private key " + filepath.Join(dir, "ca.pem") + ": not a PEM RSA or EC private key"
			}),
		Entry("a SMART key file that is not there", "auth.key_file", []string{"auth: {type: smart-backend, client_id: c1, key_file: absent.pem}"}, 62,
			func(dir string) string {
				return "private key: open " + filepath.Join(dir, "absent.pem") + ": no such file or directory"
			}),
	)
})
