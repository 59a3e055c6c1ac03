package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/termserver"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/remote"
	"github.com/carecert/carecert/terminology/snomed"
	"github.com/carecert/carecert/terminology/snomed/snomedtest"
)

const acme = "http://acme.example/cs/findings"

var (
	sharedOnce   sync.Once
	sharedEngine *terminology.Engine
	sharedDir    string
)

var _ = AfterSuite(func() {
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
})

// serverEngine holds what the server knows and the client does not: the
// synthetic acme content and a SNOMED CT release. Specs share it, each with a
// server of its own.
func serverEngine() *terminology.Engine {
	sharedOnce.Do(func() { sharedEngine = newServerEngine() })
	return sharedEngine
}

func newServerEngine() *terminology.Engine {
	e := terminology.NewCore(func(e *terminology.Engine) error {
		data, err := os.ReadFile("../testdata/acme-bundle.json")
		if err != nil {
			return err
		}
		return e.AddJSON(data, "acme")
	})
	dir, err := os.MkdirTemp("", "termserver")
	Expect(err).NotTo(HaveOccurred())
	sharedDir = dir
	db := filepath.Join(dir, "snomed.db")
	_, err = snomed.Load(context.Background(), snomedtest.WriteRelease(dir), db)
	Expect(err).NotTo(HaveOccurred())
	st, err := snomed.Open(db)
	Expect(err).NotTo(HaveOccurred())
	e.AddProvider(terminology.SNOMED, st)
	Expect(e.Ready()).To(Succeed())
	return e
}

var _ = Describe("a terminology server client", func() {
	var (
		srv *termserver.Server
		ts  *httptest.Server
		ctx = context.Background()
	)
	BeforeEach(func() {
		srv = termserver.New(serverEngine())
		ts = httptest.NewServer(srv)
		DeferCleanup(ts.Close)
	})

	client := func(opts remote.Options) *remote.Client {
		opts.BaseURL = ts.URL
		c, err := remote.New(opts)
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	It("asks $validate-code and caches the answer in memory and on disk", func() {
		cache := GinkgoT().TempDir()
		c := client(remote.Options{CacheDir: cache})
		r, err := c.ValidateCode(ctx, acme, "htn", "", "http://acme.example/vs/cardio")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Member))
		Expect(r.Display).To(Equal("Hypertension"))
		r, err = c.ValidateCode(ctx, acme, "asthma", "", "http://acme.example/vs/cardio")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.NotMember))
		Expect(r.Issues[0].Message).To(ContainSubstring("not in value set"))
		for i := 0; i < 5; i++ {
			_, err = c.ValidateCode(ctx, acme, "htn", "", "http://acme.example/vs/cardio")
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(srv.Requests()).To(BeEquivalentTo(2))

		ts.Close()
		again := client(remote.Options{CacheDir: cache, Retries: -1})
		r, err = again.ValidateCode(ctx, acme, "htn", "", "http://acme.example/vs/cardio")
		Expect(err).NotTo(HaveOccurred(), "answered from the disk cache with the server gone")
		Expect(r.Membership).To(Equal(terminology.Member))
		Expect(again.Requests()).To(BeZero())
	})

	It("asks $expand and $translate", func() {
		c := client(remote.Options{})
		codes, err := c.Expand(ctx, "http://acme.example/vs/in-list")
		Expect(err).NotTo(HaveOccurred())
		Expect(codes).To(ConsistOf(
			terminology.Coding{System: acme, Code: "af", Display: "Atrial fibrillation"},
			terminology.Coding{System: acme, Code: "asthma", Display: "Asthma"}))
		ms, err := c.Translate(ctx, acme, "htn", terminology.SNOMED)
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(HaveLen(1))
		Expect(ms[0].TargetCode).To(Equal("38341003"))
		Expect(ms[0].Equivalence).To(Equal("equivalent"))
		_, err = c.Expand(ctx, "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(err).To(MatchError(ContainSubstring("HTTP 422")))
	})

	It("gives up on a hanging server within the timeout, then stops asking it", func() {
		srv.SetMode(termserver.Hang, 0)
		c := client(remote.Options{Timeout: 100 * time.Millisecond, Retries: 1, Backoff: 10 * time.Millisecond, MaxFailures: 2})
		start := time.Now()
		_, err := c.ValidateCode(ctx, acme, "htn", "", "")
		Expect(err).To(MatchError(ContainSubstring("no answer within 100ms")))
		Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		Expect(srv.Requests()).To(BeEquivalentTo(2), "one try and one retry")
		_, err = c.ValidateCode(ctx, acme, "af", "", "")
		Expect(err).To(HaveOccurred())
		before := srv.Requests()
		start = time.Now()
		_, err = c.ValidateCode(ctx, acme, "asthma", "", "")
		Expect(errors.Is(err, remote.ErrOffline)).To(BeTrue())
		Expect(time.Since(start)).To(BeNumerically("<", 50*time.Millisecond))
		Expect(srv.Requests()).To(Equal(before))
	})

	It("retries server errors with back-off, and succeeds when the server recovers", func() {
		srv.SetMode(termserver.Flaky, 2)
		c := client(remote.Options{Retries: 2, Backoff: 5 * time.Millisecond})
		r, err := c.ValidateCode(ctx, acme, "htn", "", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Member))
		Expect(srv.Requests()).To(BeEquivalentTo(3))

		srv.SetMode(termserver.Fail, 0)
		_, err = c.ValidateCode(ctx, acme, "af", "", "")
		Expect(err).To(MatchError(ContainSubstring("HTTP 500")))
		Expect(srv.Requests()).To(BeEquivalentTo(6))
	})

	It("does not retry or cache garbage, and says what came back", func() {
		srv.SetMode(termserver.Garbage, 0)
		c := client(remote.Options{Backoff: time.Millisecond})
		_, err := c.ValidateCode(ctx, acme, "htn", "", "")
		Expect(err).To(MatchError(And(ContainSubstring("not FHIR JSON"), ContainSubstring("Gateway login"))))
		Expect(srv.Requests()).To(BeEquivalentTo(1))
		srv.SetMode(termserver.Normal, 0)
		_, err = c.ValidateCode(ctx, acme, "htn", "", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(srv.Requests()).To(BeEquivalentTo(2))
	})

	It("reports a client error with the server's diagnostics, without retrying", func() {
		c := client(remote.Options{Backoff: time.Millisecond})
		_, err := c.ValidateCode(ctx, terminology.LOINC, "8867-4", "", "http://hl7.org/fhir/ValueSet/observation-codes")
		Expect(err).To(MatchError(ContainSubstring("HTTP 422: cannot decide 8867-4")))
		Expect(srv.Requests()).To(BeEquivalentTo(1))
	})

	It("keeps no more requests in flight than its limit", func() {
		var inFlight, peak atomic.Int32
		slow := httptest.NewServer(httpHandler(func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
			inFlight.Add(-1)
			srv.ServeHTTP(w, r)
		}))
		defer slow.Close()
		c, err := remote.New(remote.Options{BaseURL: slow.URL, Concurrency: 2})
		Expect(err).NotTo(HaveOccurred())
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				_, err := c.ValidateCode(ctx, acme, fmt.Sprintf("code-%d", i), "", "")
				Expect(err).NotTo(HaveOccurred())
			}()
		}
		wg.Wait()
		Expect(peak.Load()).To(BeEquivalentTo(2))
	})

	It("stops when the run is cancelled", func() {
		srv.SetMode(termserver.Hang, 0)
		c := client(remote.Options{Timeout: time.Minute})
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := c.ValidateCode(cctx, acme, "htn", "", "")
		Expect(err).To(HaveOccurred())
		Expect(cctx.Err()).To(HaveOccurred())
	})

	It("refuses a base URL that is not http or https", func() {
		for _, u := range []string{"", "ftp://x", "localhost:8080", "http://"} {
			_, err := remote.New(remote.Options{BaseURL: u})
			Expect(err).To(MatchError(ContainSubstring("want an http or https base URL")), u)
		}
	})

	It("answers for the engine what its offline content cannot, and falls back when the server fails", func() {
		e := terminology.NewCore(nil)
		c := client(remote.Options{Timeout: 200 * time.Millisecond, Retries: -1, MaxFailures: 1})
		e.SetRemote(c)
		m, _, err := e.Member(ctx, "http://hl7.org/fhir/ValueSet/clinical-findings", terminology.SNOMED, snomedtest.PregHTN)
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Member))
		m, _, _ = e.Member(ctx, "http://hl7.org/fhir/ValueSet/clinical-findings", terminology.SNOMED, snomedtest.Root)
		Expect(m).To(Equal(terminology.NotMember))
		m, _, _ = e.Member(ctx, "http://acme.example/vs/cardio", acme, "htn")
		Expect(m).To(Equal(terminology.Member), "a value set only the server has")
		// Offline content answers without the server.
		before := srv.Requests()
		m, _, _ = e.Member(ctx, "http://hl7.org/fhir/ValueSet/condition-clinical", "http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
		Expect(m).To(Equal(terminology.Member))
		Expect(srv.Requests()).To(Equal(before))

		srv.SetMode(termserver.Hang, 0)
		m, why, err := e.Member(ctx, "http://hl7.org/fhir/ValueSet/clinical-findings", terminology.SNOMED, snomedtest.Asthma)
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Unknown))
		Expect(why).To(And(ContainSubstring("not available offline"), ContainSubstring("no answer within")))
	})
})

type httpHandler func(http.ResponseWriter, *http.Request)

func (h httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h(w, r) }

var _ = Describe("many askers of one question", func() {
	It("share one request", func() {
		srv := termserver.New(serverEngine())
		ts := httptest.NewServer(httpHandler(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(50 * time.Millisecond)
			srv.ServeHTTP(w, r)
		}))
		defer ts.Close()
		c, err := remote.New(remote.Options{BaseURL: ts.URL})
		Expect(err).NotTo(HaveOccurred())
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				r, err := c.ValidateCode(context.Background(), acme, "htn", "", "http://acme.example/vs/cardio")
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Membership).To(Equal(terminology.Member))
			}()
		}
		wg.Wait()
		Expect(srv.Requests()).To(BeEquivalentTo(1))
	})
})

var _ = Describe("a terminology server URL with credentials", func() {
	It("never shows its password or api_key in an error, and keeps them to its origin on a redirect", func() {
		var leaked atomic.Value
		leaked.Store("")
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			leaked.Store(r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusInternalServerError)
		}))
		defer other.Close()
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
		}))
		defer ts.Close()
		withCreds := "http://term:hunter2-secret@" + ts.Listener.Addr().String() + "/fhir?api_key=KEY-abcdef123456"
		c, err := remote.New(remote.Options{BaseURL: withCreds, Retries: -1})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.ValidateCode(context.Background(), acme, "htn", "", "")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring(ts.Listener.Addr().String()))
		Expect(err.Error()).NotTo(ContainSubstring("hunter2-secret"))
		Expect(err.Error()).NotTo(ContainSubstring("KEY-abcdef123456"))
		Expect(leaked.Load()).To(Equal(""))

		_, err = remote.New(remote.Options{BaseURL: "ftp://term:hunter2-secret@host/?api_key=KEY-abcdef123456"})
		Expect(err.Error()).NotTo(ContainSubstring("hunter2-secret"))
		Expect(err.Error()).NotTo(ContainSubstring("KEY-abcdef123456"))
	})
})
