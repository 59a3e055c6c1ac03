package livefhir_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	neturl "net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// vitalSigns is an R4 core value set of LOINC codes the terminology engine
// expands offline: six of the simulator's seven Observation codes, not glucose.
const vitalSigns = "http://hl7.org/fhir/ValueSet/observation-vitalsignresult"

// actCode is the v3 code system of the simulator's Encounter classes (AMB,
// IMP, EMER), whose hierarchy the R4 core holds: IMP has ACUTE and NONAC
// below it.
const actCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

// planSearches runs the plan's own searches on the simulator (clean, or
// with the defects given) beside a Patient listing, and returns API-05.
func planSearches(defects string, searches ...any) model.Result {
	opts := fhirserver.Options{PageSize: 5}
	if defects != "" {
		opts = withDefects(defects)
	}
	_, url := simulator(opts)
	rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient"}, "searches": searches, "count": 100})}, "fhir-rest-api")
	return result(rep, "api", "API-05")
}

var _ = Describe("fhir-server target against the supplier simulator", func() {
	It("passes every REST API requirement on a clean server and validates each returned resource once", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api", "fhir-r4-structure")
		Expect(rep.Targets[0].Error).To(BeEmpty())
		Expect(failing(rep)).To(BeEmpty())
		for _, r := range rep.Targets[0].Results {
			Expect(r.Warnings).To(BeZero(), r.Requirement+": "+r.Message)
			if r.Requirement == "API-14" || r.Requirement == "API-15" || r.Requirement == "API-27" || r.Requirement == "API-30" || slices.Contains(writeReqs, r.Requirement) {
				Expect(r.Outcome).To(Equal(model.Skip), "writes, SMART, negative auth tests and load are off by default")
			} else {
				Expect(r.Outcome).To(Equal(model.Pass), r.Requirement+": "+r.Message)
			}
		}
		// 6 Patients and 24 Observations, each read at least once, validated
		// once each: STRUCT-02 also sees the CapabilityStatements and Bundles.
		st := result(rep, "api", "STRUCT-01")
		Expect(st.Evaluated).To(BeNumerically(">", 30))
		paging := result(rep, "api", "API-06")
		// Observation?_count=4 over 24 Observations: 6 pages.
		Expect(paging.Evaluated).To(BeNumerically(">=", 6+2))
		lat := result(rep, "api", "API-12")
		m, ok := lat.Lookup("p95 threshold (ms)")
		Expect(ok).To(BeTrue())
		Expect(m.Rate()).To(Equal(2000.0), "the suite's default threshold")
	})

	It("exercises create and update only when the target allows writes", func() {
		_, url := simulator(fhirserver.Options{})
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"interactions": []any{"read", "create"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("create changes the server's data; it needs allow_writes: true")))

		rep := run([]map[string]any{apiTarget(url, map[string]any{
			"allow_writes": true, "interactions": []any{"search", "read", "create", "update"},
		})}, "fhir-rest-api")
		w := result(rep, "api", "API-11")
		Expect(w.Outcome).To(Equal(model.Pass), w.Message)
		Expect(w.Evaluated).To(Equal(int64(2)))
	})

	// Each server defect must be found by exactly the requirements the
	// simulator's catalogue says detect it, and by no other: precision and
	// recall per defect kind.
	catalogueKey, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred())
	for _, d := range fhirserver.Catalogue() {
		It("finds server defect "+d.Kind+" by exactly "+strings.Join(d.Detects, ", "), func() {
			spec := d.Kind
			// Generous thresholds, so that only the slow defect is slow
			// even on a loaded machine.
			extra := map[string]any{"latency": map[string]any{"p50": "5s", "p95": "10s"}}
			if d.Kind == "slow" {
				spec = "slow=40ms"
				extra["latency"] = map[string]any{"p50": "20ms", "p95": "30ms"}
			}
			opts := withDefects(spec)
			apiExtra, bulkExtra := map[string]any{}, map[string]any{}
			if d.Writes {
				// Every write interaction the simulator declares.
				apiExtra["allow_writes"] = true
			}
			switch d.Kind {
			case "undeclared-delete-done", "undeclared-writes-done":
				// Only a statement without writes can show it.
				opts.Basic = true
			case "undeclared-reads-done":
				// Observation declares read alone, Patient no vread or history.
				opts.Sparse = true
				apiExtra["resources"] = []any{"Patient", "Observation"}
			case "xml-writes-refused", "xml-body-misread":
				// Only a server that declares XML is asked to take it.
				opts.XML = true
			case "token-in-ignored":
				// Only a plan search with :in can show it: glucose is no vital sign.
				apiExtra["searches"] = []any{"Observation?code:in=" + vitalSigns}
			case "token-hierarchy-ignored":
				// Only a plan search with a token's :below can show it: not
				// every Encounter is inpatient.
				apiExtra["searches"] = []any{"Encounter?class:below=" + actCode + "|IMP"}
			case "bulk-group-ignored":
				// Only a Group export can show it: the cohort is half the patients.
				bulkExtra["level"], bulkExtra["group"] = "group", "cohort"
			case "bulk-open-files", "bulk-kickoff-open":
				// Only a server that needs a token can fail to demand it.
				const token = "catalogue-token-0123456789"
				opts.Token = token
				GinkgoT().Setenv("CARECERT_TEST_TOKEN", token)
				extra["auth"] = map[string]any{"type": "bearer", "token_env": "CARECERT_TEST_TOKEN"}
			case "open-access", "smart-config-incomplete", "expired-accepted", "scope-ignored":
				// SMART Backend Services, with the negative auth tests.
				opts.SMART = &fhirserver.SMARTClient{ClientID: "carecert-test", PublicKey: catalogueKey.Public()}
				extra["auth"] = map[string]any{"type": "smart-backend", "client_id": "carecert-test", "key_file": writeKey(catalogueKey),
					"token_url": "", "scope": "system/*.read"}
				delete(extra["auth"].(map[string]any), "token_url")
				apiExtra["interactions"] = []any{"capabilities", "read", "vread", "search", "history", "not-found", "bad-request", "format", "smart-config", "auth"}
			}
			sim, url := simulator(opts)
			if opts.SMART != nil {
				// A token the server issued that has since expired.
				GinkgoT().Setenv("CARECERT_TEST_EXPIRED", sim.IssueExpired())
				extra["auth"].(map[string]any)["expired_token_env"] = "CARECERT_TEST_EXPIRED"
			}
			suites := []string{"fhir-rest-api", "fhir-bulk-data"}
			for _, want := range d.Detects {
				if strings.HasPrefix(want, "fhir-r4-structure/") {
					suites = append(suites, "fhir-r4-structure")
				}
			}
			// Every export asks for _since, so that BULK-06 is judged
			// under each defect and only bulk-ignores-since fails it.
			bulk := bulkTarget(url, extra)
			bulk["since"] = since
			bulk["types"] = []any{"Patient", "Observation", "Condition"}
			for k, v := range bulkExtra {
				bulk[k] = v
			}
			api := apiTarget(url, extra)
			for k, v := range apiExtra {
				api[k] = v
			}
			rep := run([]map[string]any{api, bulk}, suites...)
			want := append([]string{}, d.Detects...)
			sort.Strings(want)
			Expect(failing(rep)).To(Equal(want))
			if d.Kind != "bulk-no-delete" {
				started, left := sim.Exports()
				// The export, then one kick-off per _outputFormat alias;
				// a server refusing the aliases starts only the first.
				wantStarted := 4
				switch d.Kind {
				case "bulk-format-aliases":
					wantStarted = 2
				case "bulk-lenient-kickoff":
					wantStarted = 6 // the two bad kick-offs too, each cancelled
				case "open-access", "bulk-kickoff-open":
					wantStarted = 5 // the kick-off without a token too, cancelled
				}
				Expect(started).To(Equal(wantStarted))
				Expect(left).To(BeZero(), "carecert deletes every export it starts")
			}
		})
	}

	It("reports each invalid resource the server returns at its URL, record and path", func() {
		_, url := simulator(withDefects("invalid-resources"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient"}, "searches": []any{}, "count": 100})}, "fhir-r4-structure")
		st := result(rep, "api", "STRUCT-02")
		// Six Patients; the one also read (same version) is validated once.
		Expect(st.Failing).To(Equal(int64(6)))
		Expect(st.Errors).To(Equal(int64(6)))
		for _, f := range st.Findings {
			Expect(f.Path).To(Equal("Patient.colour"))
			Expect(f.Record).To(HavePrefix("Patient/pat-"))
			Expect(f.File).To(HavePrefix(url + "/Patient"))
			Expect(f.Line).To(BeNumerically(">", 0))
		}
	})

	It("names the request and quotes the response in the evidence of a failing check", func() {
		_, url := simulator(withDefects("html-errors"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		nf := result(rep, "api", "API-08")
		Expect(nf.Findings).To(HaveLen(1))
		f := nf.Findings[0]
		Expect(f.File).To(Equal(url + "/Patient/carecert-unknown-0000"))
		Expect(f.Record).To(Equal("GET Patient/carecert-unknown-0000"))
		Expect(f.Message).To(ContainSubstring("HTTP 404 with a text/html body, want an OperationOutcome"))
		Expect(f.Evidence).To(Equal("HTTP 404; content-type text/html; charset=utf-8; body: <html><head><title>404</title></head><body><h1>Error 404</h1><p>Patient/carecert-unknown-0000 is not known</p></body></html>"))
	})

	It("reports search results that do not match their parameters, naming resource and parameter", func() {
		_, url := simulator(withDefects("ignore-params"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient"}, "searches": []any{"Observation?patient=pat-000001"}, "count": 100})}, "fhir-rest-api")
		m := result(rep, "api", "API-05")
		// 24 Observations come back; the 4 of pat-000001 match.
		Expect(m.Errors).To(Equal(int64(20)))
		Expect(m.Findings[0].Message).To(MatchRegexp(`returned Observation/obs-0000(0[2-6])-\d, which does not match patient=pat-000001`))
		Expect(m.Findings[0].Path).To(MatchRegexp(`^Bundle\.entry\[\d+\]\.resource$`))
	})

	Describe(":in and :not-in, judged with the run's terminology engine", func() {
		search := planSearches

		It("passes a server that honours them, on value sets the engine expands", func() {
			m := search("", "Observation?code:in="+vitalSigns, "Observation?code:not-in="+vitalSigns)
			Expect(m.Outcome).To(Equal(model.Pass), m.Message)
			Expect(m.Message).To(ContainSubstring("2 of 3 case(s) judged")) // the Patient listing has no filter
		})

		It("fails a server that ignores :in, naming the resource whose code is not in the value set", func() {
			m := search("token-in-ignored", "Observation?code:in="+vitalSigns)
			Expect(m.Outcome).To(Equal(model.Fail))
			// Glucose (2339-0) is one Observation code in seven, and no vital sign.
			Expect(m.Errors).To(BeNumerically(">", 0))
			Expect(codes(m)).To(ContainElement("api.search-mismatch"))
			for _, f := range m.Findings {
				if f.Code == "api.search-mismatch" {
					Expect(f.Message).To(MatchRegexp(`returned Observation/obs-\d+-\d, which does not match code:in=` + regexp.QuoteMeta(vitalSigns)))
				}
			}
		})

		It("leaves a value set the engine cannot expand not judged, never the server's failure", func() {
			// All of LOINC: carecert has no LOINC offline.
			m := search("token-in-ignored", "Observation?code:in=http://hl7.org/fhir/ValueSet/observation-codes")
			Expect(m.Outcome).To(Equal(model.Skip), m.Message)
			Expect(m.Errors).To(BeZero())
			Expect(m.Findings).To(ContainElement(HaveField("Message", ContainSubstring("a value set, code or hierarchy carecert cannot decide offline (:in, :not-in, :above, :below)"))))
		})
	})

	Describe("a token's :above and :below, judged by a code system's hierarchy", func() {
		search := planSearches

		It("passes a server that honours them, on a hierarchy the R4 core holds", func() {
			m := search("", "Encounter?class:below="+actCode+"|IMP", "Encounter?class:above="+actCode+"|ACUTE")
			Expect(m.Outcome).To(Equal(model.Pass), m.Message)
			Expect(m.Message).To(ContainSubstring("2 of 3 case(s) judged")) // the Patient listing has no filter
		})

		It("fails a server that ignores :below, naming an Encounter that is not inpatient", func() {
			m := search("token-hierarchy-ignored", "Encounter?class:below="+actCode+"|IMP")
			Expect(m.Outcome).To(Equal(model.Fail))
			Expect(codes(m)).To(ContainElement("api.search-mismatch"))
			for _, f := range m.Findings {
				if f.Code == "api.search-mismatch" {
					Expect(f.Message).To(MatchRegexp(`returned Encounter/enc-\d+-\d, which does not match class:below=` + regexp.QuoteMeta(actCode+"|IMP")))
				}
			}
		})

		It("leaves a hierarchy carecert does not hold (SNOMED CT without a release) not judged, never the server's failure", func() {
			m := search("token-hierarchy-ignored", "Condition?code:below=http://snomed.info/sct|404684003")
			Expect(m.Outcome).To(Equal(model.Skip), m.Message)
			Expect(m.Errors).To(BeZero())
			Expect(m.Findings).To(ContainElement(HaveField("Message", ContainSubstring("a value set, code or hierarchy carecert cannot decide offline (:in, :not-in, :above, :below)"))))
		})
	})

	It("stops a paging loop at the repeated page and says so", func() {
		_, url := simulator(withDefects("paging-loop"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Observation"}, "searches": []any{}})}, "fhir-rest-api")
		p := result(rep, "api", "API-06")
		Expect(codes(p)).To(Equal([]string{"api.paging-loop"}))
		// Page 2's next link is page 2 again: two pages fetched, not more.
		Expect(p.Findings[0].Message).To(ContainSubstring("the next link of page 2 leads back to a page already fetched"))
		Expect(p.Evaluated).To(Equal(int64(2)))
	})

	It("cuts paging at max_pages with a warning rather than following a server forever", func() {
		_, url := simulator(fhirserver.Options{})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Observation"}, "searches": []any{}, "count": 2, "max_pages": 3})}, "fhir-rest-api")
		p := result(rep, "api", "API-06")
		Expect(p.Outcome).To(Equal(model.Warn))
		Expect(codes(p)).To(Equal([]string{"api.paging-capped"}))
	})

	It("keeps bearer tokens out of requests' records and the report, and reports refused credentials", func() {
		const token = "s3cr3t-token-value-0123456789"
		_, url := simulator(fhirserver.Options{Token: token})
		GinkgoT().Setenv("CARECERT_TEST_TOKEN", token)
		rep := run([]map[string]any{apiTarget(url, map[string]any{"auth": map[string]any{"type": "bearer", "token_env": "CARECERT_TEST_TOKEN"}})}, "fhir-rest-api")
		Expect(failing(rep)).To(BeEmpty())
		Expect(reportJSON(rep)).NotTo(ContainSubstring(token))

		tokenFile := GinkgoT().TempDir() + "/token"
		Expect(os.WriteFile(tokenFile, []byte("wrong-"+token+"\n"), 0o600)).To(Succeed())
		rep = run([]map[string]any{apiTarget(url, map[string]any{"auth": map[string]any{"type": "bearer", "token_file": tokenFile}})}, "fhir-rest-api")
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(ContainElement("api.auth"))
		Expect(tr.Findings[0].Message).To(ContainSubstring("refused the request's credentials (HTTP 401)"))
		Expect(reportJSON(rep)).NotTo(ContainSubstring(token))
	})

	It("refuses credentials written into the plan and a missing token variable before any request", func() {
		hits := 0
		_, url := simulator(fhirserver.Options{})
		_, err := runErr([]map[string]any{apiTarget(url, map[string]any{"headers": map[string]any{"Authorization": "Bearer abc"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("give credentials with auth")))
		_, err = runErr([]map[string]any{apiTarget(url, map[string]any{"auth": map[string]any{"type": "bearer", "token_env": "CARECERT_NO_SUCH_VARIABLE"}})}, "fhir-rest-api")
		Expect(err).To(MatchError(ContainSubstring("environment variable CARECERT_NO_SUCH_VARIABLE is empty or not set")))
		Expect(hits).To(BeZero())
	})

	It("is inferred for http URLs and opens without contacting the server", func() {
		reg := target.NewRegistry()
		liveRegister(reg)
		_, typ, err := reg.Open(target.Spec{Name: "x", URL: "http://127.0.0.1:1/fhir", Options: map[string]any{}})
		Expect(err).NotTo(HaveOccurred())
		Expect(typ).To(Equal("fhir-server"))
		_, _, err = reg.Open(target.Spec{Name: "x", Type: "fhir-server", URL: "http://127.0.0.1:1/fhir", Options: map[string]any{"cuont": 3}})
		var ce *target.ConfigError
		Expect(err).To(BeAssignableToTypeOf(ce))
		Expect(err.Error()).To(ContainSubstring("cuont"))
	})

	It("reports an unreachable server under transport and passes nothing on it", func() {
		rep := run([]map[string]any{apiTarget("http://127.0.0.1:1", nil)}, "fhir-rest-api")
		Expect(rep.Complete).To(BeTrue())
		tr := result(rep, "api", "API-13")
		Expect(codes(tr)).To(ContainElement("api.refused"))
		Expect(tr.Outcome).To(Equal(model.Fail))
		Expect(rep.Verdict.Decision).To(Equal(model.NotCertified))
		for _, r := range rep.Targets[0].Results {
			if r.Suite == "fhir-rest-api" {
				Expect(r.Outcome).NotTo(Equal(model.Pass), r.Requirement+": "+r.Message)
			}
		}
		api01 := result(rep, "api", "API-01")
		Expect(api01.Outcome).To(Equal(model.Skip))
		Expect(api01.Message).To(HavePrefix("not judged: the server could not be reached"))
		_ = http.StatusOK
	})
})

var _ = Describe("returned resources and the plan's profile suite", func() {
	It("judges every returned resource with fhir-r4-profiles when the plan names it", func() {
		_, url := simulator(withDefects("invalid-resources"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient"}, "searches": []any{}, "count": 100})}, "fhir-r4-profiles")
		p := result(rep, "api", "PROF-01")
		Expect(p.Outcome).To(Equal(model.Fail))
		Expect(p.Failing).To(Equal(int64(6)))
		var records []string
		for _, f := range p.Findings {
			if f.Severity == model.Error {
				Expect(f.Path).To(Equal("Patient.colour"))
				records = append(records, f.Record)
			}
		}
		Expect(records).To(ConsistOf("Patient/pat-000001", "Patient/pat-000002", "Patient/pat-000003", "Patient/pat-000004", "Patient/pat-000005", "Patient/pat-000006"))
	})
})

var _ = Describe("live reports", func() {
	It("are identical run after run but for timestamps and measured response times", func() {
		_, url := simulator(withDefects("paging-loop,ignore-params,no-outcome"))
		render := func() string {
			rep := run([]map[string]any{apiTarget(url, nil), bulkTarget(url, nil)}, "fhir-rest-api", "fhir-bulk-data")
			for ti := range rep.Targets {
				rep.Targets[ti].Seconds = 0 // each target's wall time
				for ri := range rep.Targets[ti].Results {
					r := &rep.Targets[ti].Results[ri]
					for mi := range r.Measures {
						if strings.Contains(r.Measures[mi].Name, "response time") {
							r.Measures[mi].Numerator = 0
						}
					}
				}
			}
			rep.StartedAt, rep.FinishedAt = time.Time{}, time.Time{}
			return reportJSON(rep)
		}
		first := render()
		Expect(first).To(ContainSubstring("api.paging-loop"))
		Expect(render()).To(Equal(first))
	})
})

var _ = Describe("the probe's own :in and :not-in (API-25)", func() {
	// probeIn runs the default probe on the simulator and returns API-25 and
	// the queries it sent with :in or :not-in.
	probeIn := func(opts fhirserver.Options) (model.Result, []string) {
		sim, err := fhirserver.New(opts)
		Expect(err).NotTo(HaveOccurred())
		var mu sync.Mutex
		var sent []string
		url := hostile(func(w http.ResponseWriter, r *http.Request) {
			if q, _ := neturl.QueryUnescape(r.URL.RawQuery); strings.Contains(q, ":in=") || strings.Contains(q, ":not-in=") {
				mu.Lock()
				sent = append(sent, r.URL.Path+"?"+q)
				mu.Unlock()
			}
			sim.ServeHTTP(w, r)
		})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		sort.Strings(sent)
		return result(rep, "api", "API-25"), sent
	}
	const category = "http://hl7.org/fhir/ValueSet/observation-category"
	const gender = "http://hl7.org/fhir/ValueSet/administrative-gender"

	It("sends them on a token bound to a value set the engine expands, seeded from a resource read earlier, and passes a server that honours them", func() {
		m, sent := probeIn(fhirserver.Options{Feed: feedDir})
		Expect(m.Outcome).To(Equal(model.Pass), m.Message)
		// Observation.category is bound to observation-category, which the
		// R4 core defines; the Observation read earlier is a vital sign.
		Expect(sent).To(ContainElements(
			MatchRegexp(`^/Observation\?_id=obs-\d+-\d&category:in=`+regexp.QuoteMeta(category)+`$`),
			MatchRegexp(`^/Observation\?_id=obs-\d+-\d&category:not-in=`+regexp.QuoteMeta(category)+`$`),
			"/Observation?_count=4&category:in="+category,
			MatchRegexp(`^/Patient\?_id=pat-\d+&gender:in=`+regexp.QuoteMeta(gender)+`$`),
		))
	})

	It("fails a server that ignores them, at the :not-in search that returned the resource", func() {
		opts := withDefects("token-in-ignored")
		opts.Feed = feedDir
		m, _ := probeIn(opts)
		Expect(m.Outcome).To(Equal(model.Fail))
		var excluded []string
		for _, f := range m.Findings {
			if f.Code == "api.search-feature-excluded" {
				excluded = append(excluded, f.Message)
			}
		}
		// Each seeded type's :not-in returned the resource whose code is in
		// the value set: the Patient's gender, the Observation's category.
		Expect(excluded).To(ConsistOf(
			MatchRegexp(`^search Patient\?_id=pat-\d+&gender:not-in=`+regexp.QuoteMeta(gender)+` returned Patient/pat-\d+, which the search excludes`),
			MatchRegexp(`^search Observation\?_id=obs-\d+-\d&category:not-in=`+regexp.QuoteMeta(category)+` returned Observation/obs-\d+-\d, which the search excludes`),
		))
	})
})
