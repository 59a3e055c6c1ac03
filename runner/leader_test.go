package runner_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
)

// leading is a check.Leader: it shelves each record it sees, for checks
// that read the shelf.
type leading struct {
	check.Check
}

func (leading) Leads() {}

var _ = Describe("a check that leads (check.Leader)", func() {
	It("runs first on each record, whatever the plan's order, while findings are reported in the plan's order", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(`id: mine
version: "1"
title: Mine
requirements:
  - {id: READS, level: SHALL, title: reads the shelf, check: reads}
  - {id: OTHER, level: SHALL, title: reports every record, check: other}
  - {id: LEADS, level: SHALL, title: fills the shelf, check: leads}
`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "feed.ndjson"), []byte(`{"resourceType":"Patient","id":"a"}
{"resourceType":"Patient","id":"b"}
{"resourceType":"Patient","id":"c"}
`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [./mine.yaml]\nvendors: [{name: A, targets: [{path: feed.ndjson}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		r := newRunner(2)
		shelf := check.NewShelf[bool]()
		everyRecord := func(rec *model.Record) []model.Finding {
			return []model.Finding{rec.Finding(model.Error, "mine.seen", "Patient.id", "seen")}
		}
		r.Checks.Register("leads", "shelves each record", func(check.Spec, *check.Env) (check.Check, error) {
			return leading{check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
				shelf.Put(rec, true)
				return everyRecord(rec)
			})}, nil
		})
		r.Checks.Register("reads", "fails a record the leader has not shelved", func(check.Spec, *check.Env) (check.Check, error) {
			return check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
				if _, ok := shelf.Get(rec); !ok {
					return []model.Finding{rec.Finding(model.Error, "mine.unshelved", "Patient", "read before the leader")}
				}
				return everyRecord(rec)
			}), nil
		})
		r.Checks.Register("other", "reports every record", func(check.Spec, *check.Env) (check.Check, error) {
			return check.PerRecord(check.KindIs(model.KindFHIR), everyRecord), nil
		})
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		reads := result(reps[0], "READS")
		Expect(reads.Evaluated).To(Equal(int64(3)))
		Expect(reads.Findings).To(HaveLen(3))
		for _, f := range reads.Findings {
			Expect(f.Code).To(Equal("mine.seen"), "the leader ran first on %s", f.Record)
			// the other requirements at the same path, in the plan's order
			Expect(f.AlsoReportedBy).To(Equal([]string{"mine/OTHER", "mine/LEADS"}))
		}
		Expect(result(reps[0], "LEADS").Findings[0].AlsoReportedBy).To(Equal([]string{"mine/READS", "mine/OTHER"}))
	})
})
