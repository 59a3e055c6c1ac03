package main

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/check/checktest"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/suites"
)

// The check contract, held over every requirement of every built-in suite:
// compiled by this build's registry, run on real input of the suite's kinds,
// the states of several workers (through JSON, as shards write them) merge
// into the single run's result, and nothing evaluated is never a pass.
var _ = Describe("every check type of every built-in suite", func() {
	It("keeps the check contract on real input of its kinds", func() {
		reg := newRegistries()
		ctx := context.Background()
		read := func(spec target.Spec) []*model.Record {
			t, _, err := reg.targets.Open(spec)
			Expect(err).NotTo(HaveOccurred(), spec.Name)
			var out []*model.Record
			Expect(t.Records(ctx, func(r *model.Record) error {
				out = append(out, r)
				return nil
			})).To(Succeed(), spec.Name)
			Expect(out).NotTo(BeEmpty(), spec.Name)
			return out
		}

		// A simulated FHIR server with a seeded feed, for the live suites.
		feed := GinkgoT().TempDir()
		_, err := fixtures.WriteDir(feed, fixtures.Options{Seed: 5, Records: 60})
		Expect(err).NotTo(HaveOccurred())
		sim, err := fhirserver.New(fhirserver.Options{Feed: feed, BulkPolls: 2})
		Expect(err).NotTo(HaveOccurred())
		hs := httptest.NewServer(sim)
		DeferCleanup(hs.Close)

		// A simulated MLLP endpoint that gets some acknowledgements wrong,
		// sent a small ADT feed, for mllp-ack.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = ln.Close() })
		mctx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		go (&mllp.Simulator{Defect: mllp.DefectWrongMSA2, Every: 3}).Serve(mctx, ln)
		v2feed := filepath.Join(GinkgoT().TempDir(), "adt.hl7")
		var msgs strings.Builder
		for i := 1; i <= 6; i++ {
			fmt.Fprintf(&msgs, "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C%d|P|2.4\rEVN|A01|20240101120000\r"+
				"PID|1||633^^^RX1^MR~9434765919^^^NHS^NH||SMITH^JOHN||19800101|M\rPV1|1|I|W1^^^RX1\r", i)
		}
		Expect(os.WriteFile(v2feed, []byte(msgs.String()), 0o644)).To(Succeed())

		inputs := map[model.Kind][]*model.Record{
			model.KindFHIR: read(target.Spec{Name: "fhir", Type: "fixture", Options: params.Params{"seed": 2, "records": 300, "defects": "all"}}),
			model.KindCSV: read(target.Spec{Name: "csv", Type: "csv", Path: "../../examples/cld/cld.csv",
				Options: params.Params{"baseline": "../../examples/cld/cld-previous.csv", "encoding": "auto", "key": "Event_Reference"}}),
			model.KindHL7v2: read(target.Spec{Name: "v2", Type: "hl7v2-fixture", Options: params.Params{"seed": 2, "messages": 200, "oru-every": 5, "defects": "all"}}),
			model.KindExchange: slices.Concat(
				read(target.Spec{Name: "api", Type: "fhir-server", URL: hs.URL, Options: params.Params{"max_requests": 400, "count": 10,
					"allow_writes": true, "load": map[string]any{"concurrency": 2, "duration": "1s"}}}),
				read(target.Spec{Name: "bulk", Type: "fhir-bulk", URL: hs.URL, Options: params.Params{"poll_interval": "10ms", "max_wait": "1m",
					"since": "2000-01-01T00:00:00Z"}}),
				read(target.Spec{Name: "group", Type: "fhir-bulk", URL: hs.URL, Options: params.Params{"poll_interval": "10ms", "max_wait": "1m",
					"level": "group", "group": "cohort"}}),
				read(target.Spec{Name: "mllp", Type: "mllp", URL: "mllp://" + ln.Addr().String(), Options: params.Params{"feed": v2feed, "timeout": "5s"}})),
		}

		env := &check.Env{Context: ctx, PlanDir: "../../examples", AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		types := map[string]bool{}
		exercised := map[string]bool{}
		for _, id := range suites.BuiltinIDs() {
			s, err := suites.Builtin(id, reg.checks)
			Expect(err).NotTo(HaveOccurred())
			var recs []*model.Record
			for _, k := range s.Kinds {
				recs = append(recs, inputs[k]...)
			}
			Expect(recs).NotTo(BeEmpty(), "no input for suite %s", id)
			for _, r := range s.Requirements {
				if r.Check == check.Manual {
					continue
				}
				c, err := reg.checks.Compile(r.Spec(), env)
				Expect(err).NotTo(HaveOccurred(), "%s/%s", id, r.ID)
				res, err := checktest.Contract(c, recs)
				Expect(err).NotTo(HaveOccurred(), "%s/%s (%s)", id, r.ID, r.Check)
				types[r.Check] = true
				if res.Tally.Evaluated > 0 || res.Tally.Total() > 0 {
					exercised[r.Check] = true
				}
			}
		}
		// SMART Backend Services needs a key pair and a token endpoint the
		// simulated server is not given here; livefhir's specs run them.
		unexercisable := []string{"fhir-api-smart-config", "fhir-api-auth-refused"}
		var idle []string
		for t := range types {
			if !exercised[t] && !slices.Contains(unexercisable, t) {
				idle = append(idle, t)
			}
		}
		GinkgoWriter.Printf("%d check types held to the contract; exercised by the input: %d\n", len(types), len(exercised))
		Expect(idle).To(BeEmpty(), "check types the input never exercised")
	})

	It("declares the parameters of every registered check type, so carecert checks TYPE can list them", func() {
		reg := newRegistries()
		var undeclared []string
		for _, t := range reg.checks.Types() {
			if _, ok := reg.checks.Params(t); !ok {
				undeclared = append(undeclared, t)
			}
		}
		Expect(undeclared).To(BeEmpty())
	})
})
