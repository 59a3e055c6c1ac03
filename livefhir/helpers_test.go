package livefhir_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/restapi"
	"github.com/carecert/carecert/validators/structure"
)

// feedRecords is the size of the generated feed the simulators serve: one
// Organization, three Practitioners and six patients' blocks of ten.
const feedRecords = 64

// feedDir is generated once for the whole suite.
var feedDir string

var _ = BeforeSuite(func() {
	feedDir = GinkgoT().TempDir()
	_, err := fixtures.WriteDir(feedDir, fixtures.Options{Seed: 7, Records: feedRecords})
	Expect(err).NotTo(HaveOccurred())
})

// simulator starts a simulated supplier system on 127.0.0.1.
func simulator(opts fhirserver.Options) (*fhirserver.Server, string) {
	if opts.Feed == "" {
		opts.Feed = feedDir
	}
	s, err := fhirserver.New(opts)
	Expect(err).NotTo(HaveOccurred())
	hs := httptest.NewServer(s)
	DeferCleanup(hs.Close)
	return s, hs.URL
}

func withDefects(spec string) fhirserver.Options {
	d, err := fhirserver.ParseDefects(spec)
	Expect(err).NotTo(HaveOccurred())
	return fhirserver.Options{Defects: d, PageSize: 5}
}

// apiTarget is a fhir-server target that pages and searches the generated feed.
func apiTarget(url string, extra map[string]any) map[string]any {
	t := map[string]any{
		"name": "api", "type": "fhir-server", "url": url, "timeout": "10s",
		"resources": []any{"Patient", "Observation"},
		"count":     4,
		"searches":  []any{"Observation?patient=pat-000001", "Observation?code=http://loinc.org|8310-5"},
	}
	for k, v := range extra {
		t[k] = v
	}
	return t
}

func bulkTarget(url string, extra map[string]any) map[string]any {
	t := map[string]any{"name": "bulk", "type": "fhir-bulk", "url": url, "timeout": "10s", "poll_interval": "10ms", "max_wait": "5s"}
	for k, v := range extra {
		t[k] = v
	}
	return t
}

// run certifies one vendor with the given targets and suites.
func run(targets []map[string]any, suites ...string) *model.Report {
	rep, err := runErr(targets, suites...)
	Expect(err).NotTo(HaveOccurred())
	return rep
}

func runErr(targets []map[string]any, suites ...string) (*model.Report, error) {
	checks := check.NewRegistry()
	structure.Register(checks)
	profile.Register(checks)
	restapi.Register(checks, runengine.Search)
	treg := target.NewRegistry()
	livefhir.Register(treg)
	r := &runner.Runner{Checks: checks, Targets: treg, Workers: 2, Tool: model.Tool{Name: "carecert", Version: "test"}}
	p := &runner.Plan{Suites: suites, Date: "2026-01-01", Vendors: []runner.VendorPlan{{Name: "Acme", Targets: targets}}}
	Expect(p.Check()).To(Succeed())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reps, err := r.Run(ctx, p)
	if err != nil {
		return nil, err
	}
	Expect(reps).To(HaveLen(1))
	return reps[0], nil
}

// failing lists "suite/REQ" of every failed or errored result, sorted, once.
func failing(rep *model.Report) []string {
	seen := map[string]bool{}
	for _, t := range rep.Targets {
		for _, r := range t.Results {
			if r.Outcome == model.Fail || r.Outcome == model.Errored {
				seen[r.Suite+"/"+r.Requirement] = true
			}
		}
	}
	out := []string{}
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// result returns a requirement's result on a target.
func result(rep *model.Report, targetName, req string) model.Result {
	for _, t := range rep.Targets {
		if t.Name != targetName {
			continue
		}
		for _, r := range t.Results {
			if r.Requirement == req {
				return r
			}
		}
	}
	Fail(fmt.Sprintf("no result %s on %s", req, targetName))
	return model.Result{}
}

// codes lists the finding codes of a result's sample.
func codes(r model.Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Code)
	}
	return out
}

func reportJSON(rep *model.Report) string {
	data, err := reports.MarshalJSON(rep)
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

func liveRegister(r *target.Registry) { livefhir.Register(r) }

// fault is a simulator defect, the requirement it must fail, and the
// finding that shows it: the request's record (a prefix) and a part of the
// message.
type fault struct{ defect, req, record, message string }

// locates runs the REST suite against a simulator with the fault's defect
// and asserts that the requirement fails with that finding at the
// simulator's URL. It returns how many resources the simulator held before
// the run and after it.
func locates(c fault, extra map[string]any) (before, after int) {
	sim, url := simulator(withDefects(c.defect))
	before = sim.Resources()
	rep := run([]map[string]any{apiTarget(url, extra)}, "fhir-rest-api")
	r := result(rep, "api", c.req)
	Expect(r.Outcome).To(Equal(model.Fail), c.defect)
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Record, c.record) && strings.Contains(f.Message, c.message) {
			Expect(f.File).To(HavePrefix(url+"/"), c.defect)
			return before, sim.Resources()
		}
	}
	Fail(c.defect + ": no finding at " + c.record + ": " + r.Findings[0].Record + ": " + r.Findings[0].Message)
	return before, before
}
