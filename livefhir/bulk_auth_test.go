package livefhir_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-bulk target", func() {
	It("exports the whole system and streams every resource into the feed suites", func() {
		_, url := simulator(fhirserver.Options{})
		rep := run([]map[string]any{bulkTarget(url, nil)}, "fhir-bulk-data", "fhir-r4-structure")
		Expect(failing(rep)).To(BeEmpty())
		// Kick-off, manifest, seven files (one per type), and every resource.
		Expect(result(rep, "bulk", "STRUCT-01").Evaluated).To(Equal(int64(feedRecords)))
		Expect(result(rep, "bulk", "BULK-04").Evaluated).To(Equal(int64(7)))
		for _, req := range []string{"BULK-01", "BULK-03", "BULK-04", "BULK-05", "BULK-07", "BULK-08"} {
			Expect(result(rep, "bulk", req).Outcome).To(Equal(model.Pass), req)
		}
		// Every line of the seven files was compared with its file's type.
		Expect(result(rep, "bulk", "BULK-07").Evaluated).To(Equal(int64(7 + feedRecords)))
		Expect(result(rep, "bulk", "BULK-09").Outcome).To(Equal(model.Skip), "files need no token here")
	})

	It("exports one patient compartment at the Patient and Group levels", func() {
		_, url := simulator(fhirserver.Options{})
		rep := run([]map[string]any{
			bulkTarget(url, map[string]any{"name": "patients", "level": "patient"}),
			bulkTarget(url, map[string]any{"name": "group", "level": "group", "group": "all", "types": []any{"Patient", "Observation"}}),
		}, "fhir-bulk-data", "fhir-r4-structure")
		Expect(failing(rep)).To(BeEmpty())
		// No Organization or Practitioners: 6 patients' blocks of ten.
		Expect(result(rep, "patients", "STRUCT-01").Evaluated).To(Equal(int64(60)))
		Expect(result(rep, "group", "STRUCT-01").Evaluated).To(Equal(int64(6 + 24)))
	})

	It("judges a Group export against the Group's members: all of them, and no one else", func() {
		_, url := simulator(fhirserver.Options{})
		rep := run([]map[string]any{
			bulkTarget(url, map[string]any{"name": "cohort", "level": "group", "group": "cohort"}),
			bulkTarget(url, map[string]any{"name": "since", "level": "group", "group": "all", "since": since}),
		}, "fhir-bulk-data")
		Expect(failing(rep)).To(BeEmpty())
		g := result(rep, "cohort", "BULK-13")
		Expect(g.Outcome).To(Equal(model.Pass), g.Message)
		// Three of six patients, each with their block of ten resources.
		Expect(g.Message).To(ContainSubstring("30 of 30 case(s) judged"))
		Expect(result(rep, "cohort", "BULK-12").Outcome).To(Equal(model.Pass))
		Expect(result(rep, "cohort", "BULK-11").Message).To(Equal("not judged: the target gives no auth, so carecert cannot tell whether the server requires a token"))

		opts := withDefects("bulk-group-ignored")
		_, url = simulator(opts)
		rep = run([]map[string]any{bulkTarget(url, map[string]any{"level": "group", "group": "cohort", "types": []any{"Patient"}})}, "fhir-bulk-data")
		Expect(failing(rep)).To(Equal([]string{"fhir-bulk-data/BULK-13"}))
		g = result(rep, "bulk", "BULK-13")
		var outsiders []string
		for _, f := range g.Findings {
			Expect(f.Code).To(Equal("bulk.group-outsider"))
			outsiders = append(outsiders, f.Record)
		}
		Expect(outsiders).To(ConsistOf("Patient/pat-000004", "Patient/pat-000005", "Patient/pat-000006"))
	})

	It("fails BULK-13 when a Group export leaves members out, naming them at the Group's read", func() {
		var base string
		base = hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			switch r.URL.Path {
			case "/Group/g1":
				w.Write([]byte(`{"resourceType":"Group","id":"g1","type":"person","actual":true,"member":[{"entity":{"reference":"Patient/a"}},{"entity":{"reference":"Patient/b"}}]}`))
			case "/Group/g1/$export":
				w.Header().Set("Content-Location", base+"/status")
				w.WriteHeader(http.StatusAccepted)
			case "/status":
				w.Write([]byte(`{"transactionTime":"2026-01-01T00:00:00Z","request":"` + base + `/Group/g1/$export","requiresAccessToken":false,` +
					`"output":[{"type":"Patient","url":"` + base + `/patients.ndjson"}],"error":[]}`))
			case "/patients.ndjson":
				w.Header().Set("Content-Type", "application/fhir+ndjson")
				w.Write([]byte(`{"resourceType":"Patient","id":"a"}` + "\n"))
			default:
				w.WriteHeader(http.StatusNotFound)
			}
		})
		rep := run([]map[string]any{bulkTarget(base, map[string]any{"level": "group", "group": "g1"})}, "fhir-bulk-data")
		g := result(rep, "bulk", "BULK-13")
		Expect(g.Outcome).To(Equal(model.Fail))
		Expect(codes(g)).To(Equal([]string{"bulk.group-missing"}))
		Expect(g.Findings[0].Record).To(Equal("GET Group/g1"))
		Expect(g.Findings[0].Message).To(Equal("1 member(s) of the Group are not in its export, which asked for Patients without _since (Patient/b)"))
	})

	It("reports an unknown Group at kick-off", func() {
		_, url := simulator(fhirserver.Options{})
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"level": "group", "group": "nope"})}, "fhir-bulk-data")
		k := result(rep, "bulk", "BULK-01")
		Expect(k.Outcome).To(Equal(model.Fail))
		Expect(k.Findings[0].Message).To(ContainSubstring("returned HTTP 404, want 202 (OperationOutcome: Group/nope is not known"))
	})

	It("waits as long as Retry-After asks between status polls", func() {
		_, url := simulator(fhirserver.Options{BulkPolls: 1, RetryAfter: 1})
		start := time.Now()
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"types": []any{"Organization"}})}, "fhir-bulk-data")
		Expect(time.Since(start)).To(BeNumerically(">=", time.Second))
		Expect(failing(rep)).To(BeEmpty())
		Expect(result(rep, "bulk", "BULK-02").Evaluated).To(Equal(int64(1)), "one in-progress poll")
	})

	It("gives up waiting at max_wait with a clear finding", func() {
		_, url := simulator(fhirserver.Options{BulkPolls: 5, RetryAfter: 1})
		start := time.Now()
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"max_wait": "300ms"})}, "fhir-bulk-data")
		// Waiting out the five polls would take five seconds.
		Expect(time.Since(start)).To(BeNumerically("<", 3*time.Second))
		Expect(rep.Complete).To(BeTrue())
		s := result(rep, "bulk", "BULK-02")
		Expect(codes(s)).To(Equal([]string{"bulk.timeout"}))
		Expect(s.Findings[0].Message).To(ContainSubstring("had not finished after 300ms (max_wait)"))
	})

	It("finds every seeded defect of a downloaded file, and nothing on clean records", func() {
		dir := GinkgoT().TempDir()
		m, err := fixtures.WriteDir(dir, fixtures.Options{Seed: 3, Records: 200,
			Defects: map[string]int{"unknown-element": 3, "bad-date-format": 2, "invalid-enum-code": 2}})
		Expect(err).NotTo(HaveOccurred())
		_, url := simulator(fhirserver.Options{Feed: dir})
		rep := run([]map[string]any{bulkTarget(url, nil)}, "fhir-bulk-data", "fhir-r4-structure")
		var want, got []string
		for _, d := range m.Defects {
			want = append(want, d.Record)
		}
		st := result(rep, "bulk", "STRUCT-02")
		for _, f := range st.Findings {
			got = append(got, f.Record)
			typ, _, _ := strings.Cut(f.Record, "/")
			Expect(f.File).To(HaveSuffix("/" + typ + ".ndjson"))
			Expect(f.Line).To(BeNumerically(">", 0))
		}
		sort.Strings(want)
		sort.Strings(got)
		Expect(got).To(Equal(want))
		Expect(st.Failing).To(Equal(int64(len(m.Defects))))
		Expect(result(rep, "bulk", "STRUCT-02").Evaluated).To(Equal(int64(200)))
	})

	It("sends the bearer token to files that require one, and never reports it", func() {
		const token = "bulk-token-ABCDEFGHIJKLMNOP"
		_, url := simulator(fhirserver.Options{Token: token})
		GinkgoT().Setenv("CARECERT_BULK_TOKEN", token)
		rep := run([]map[string]any{bulkTarget(url, map[string]any{"auth": map[string]any{"type": "bearer", "token_env": "CARECERT_BULK_TOKEN"}})}, "fhir-bulk-data")
		Expect(failing(rep)).To(BeEmpty())
		Expect(result(rep, "bulk", "BULK-04").Evaluated).To(Equal(int64(7)))
		Expect(result(rep, "bulk", "BULK-09").Outcome).To(Equal(model.Pass), "a file asked for without the token is refused")
		Expect(result(rep, "bulk", "BULK-11").Outcome).To(Equal(model.Pass), "so is the kick-off")
		Expect(reportJSON(rep)).NotTo(ContainSubstring(token))
	})
})

// writeKey writes a private key as PKCS#8 PEM and returns its path.
func writeKey(key crypto.Signer) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	p := filepath.Join(GinkgoT().TempDir(), "client-key.pem")
	Expect(os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)).To(Succeed())
	return p
}

var _ = Describe("SMART Backend Services", func() {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred())
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())

	smartAuth := func(keyFile, alg string, extra map[string]any) map[string]any {
		a := map[string]any{"type": "smart-backend", "client_id": "carecert-test", "key_file": keyFile, "alg": alg, "scope": "system/*.read"}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}

	It("gets one token with an RS384 assertion, found by discovery, and reuses it for every request", func() {
		sim, url := simulator(fhirserver.Options{SMART: &fhirserver.SMARTClient{ClientID: "carecert-test", PublicKey: &rsaKey.PublicKey}})
		rep := run([]map[string]any{
			apiTarget(url, map[string]any{"auth": smartAuth(writeKey(rsaKey), "RS384", nil)}),
			bulkTarget(url, map[string]any{"auth": smartAuth(writeKey(rsaKey), "RS384", nil), "types": []any{"Patient"}}),
		}, "fhir-rest-api", "fhir-bulk-data")
		Expect(failing(rep)).To(BeEmpty())
		tokens := sim.IssuedTokens()
		Expect(tokens).To(HaveLen(2), "one per target")
		js := reportJSON(rep)
		for _, t := range tokens {
			Expect(js).NotTo(ContainSubstring(t))
		}
	})

	It("validates the SMART configuration and, when asked, checks that bad credentials are refused", func() {
		sim, url := simulator(fhirserver.Options{SMART: &fhirserver.SMARTClient{ClientID: "carecert-test", PublicKey: &rsaKey.PublicKey}})
		expired := sim.IssueExpired()
		GinkgoT().Setenv("CARECERT_TEST_EXPIRED", expired)
		rep := run([]map[string]any{apiTarget(url, map[string]any{"auth": smartAuth(writeKey(rsaKey), "RS384", map[string]any{"expired_token_env": "CARECERT_TEST_EXPIRED"}),
			"interactions": []any{"capabilities", "search", "read", "smart-config", "auth"}})}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		Expect(result(rep, "api", "API-14").Outcome).To(Equal(model.Pass))
		refused := result(rep, "api", "API-15")
		Expect(refused.Outcome).To(Equal(model.Pass))
		// No token, a token never issued, the plan's expired token, a token
		// of scope system/Organization.read searching Patient, an assertion
		// signed by an unknown key and an expired assertion.
		Expect(refused.Evaluated).To(Equal(int64(6)))
		tokens := sim.IssuedTokens()
		Expect(tokens).To(HaveLen(3), "the expired one, the client's and the narrow one; the bad assertions got none")
		js := reportJSON(rep)
		for _, t := range tokens {
			Expect(js).NotTo(ContainSubstring(t), "no token is quoted, the narrow and expired ones included")
		}

		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"interactions": []any{"search", "auth"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("it needs the target's auth")))
	})

	It("names the request a server should have refused: an expired token, a token of another scope", func() {
		for _, c := range []struct{ defect, record string }{
			{"expired-accepted", "GET Patient?_count=1 with an expired token (auth.expired_token)"},
			{"scope-ignored", "GET Patient?_count=1 with a token of scope system/Organization.read only"},
		} {
			d, err := fhirserver.ParseDefects(c.defect)
			Expect(err).NotTo(HaveOccurred())
			sim, url := simulator(fhirserver.Options{Defects: d, SMART: &fhirserver.SMARTClient{ClientID: "carecert-test", PublicKey: &rsaKey.PublicKey}})
			GinkgoT().Setenv("CARECERT_TEST_EXPIRED", sim.IssueExpired())
			rep := run([]map[string]any{apiTarget(url, map[string]any{"auth": smartAuth(writeKey(rsaKey), "RS384", map[string]any{"expired_token_env": "CARECERT_TEST_EXPIRED"}),
				"interactions": []any{"capabilities", "search", "read", "auth"}})}, "fhir-rest-api")
			r := result(rep, "api", "API-15")
			Expect(r.Outcome).To(Equal(model.Fail), c.defect)
			Expect(r.Findings).To(HaveLen(1), c.defect)
			Expect(r.Findings[0].Record).To(Equal(c.record))
			Expect(r.Findings[0].Message).To(ContainSubstring("returned HTTP 200"))
		}
	})

	It("signs with ES384 at a token_url given in the plan", func() {
		sim, url := simulator(fhirserver.Options{SMART: &fhirserver.SMARTClient{ClientID: "carecert-test", PublicKey: &ecKey.PublicKey}})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"auth": smartAuth(writeKey(ecKey), "ES384", map[string]any{"token_url": url + "/auth/token"})})}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		Expect(sim.IssuedTokens()).To(HaveLen(1))
	})

	It("reports a refused client assertion as an authentication finding on each request", func() {
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		Expect(err).NotTo(HaveOccurred())
		sim, url := simulator(fhirserver.Options{SMART: &fhirserver.SMARTClient{ClientID: "carecert-test", PublicKey: &rsaKey.PublicKey}})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"auth": smartAuth(writeKey(other), "RS384", nil)})}, "fhir-rest-api")
		Expect(rep.Complete).To(BeTrue())
		Expect(sim.IssuedTokens()).To(BeEmpty())
		tr := result(rep, "api", "API-13")
		// Every request, /metadata included, carries credentials, so none
		// was sent without a token; only the SMART configuration, which is
		// public, was answered.
		Expect(codes(tr)).To(HaveEach("api.auth"))
		Expect(tr.Errors).To(Equal(tr.Evaluated - 1))
		Expect(tr.Findings[0].Message).To(MatchRegexp(`token endpoint .*/auth/token returned 401: .*invalid_client`))
	})

	It("refuses an algorithm that does not fit the key before any request", func() {
		_, url := simulator(fhirserver.Options{})
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"auth": smartAuth(writeKey(rsaKey), "ES384", nil)})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring(`algorithm "ES384" does not fit the key`)))
	})
})
