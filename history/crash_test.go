package history_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/internal/dbtest"
	"github.com/carecert/carecert/model"
)

// writerEnv names the history file a writer process records into.
const writerEnv = "CARECERT_HISTORY_CRASH_WRITER"

// resultsPerRun makes each transaction long enough to be killed in the middle.
const resultsPerRun = 3000

func bigRun(i int) *model.Report {
	rep := &model.Report{
		Schema: model.ReportSchemaVersion, Vendor: model.Vendor{Name: "Crashco", Release: fmt.Sprint(i)},
		StartedAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Complete: true,
		Verdict: model.Verdict{Decision: model.Certified, Reasons: []string{"r"}},
	}
	t := model.TargetRun{Name: "feed"}
	for r := 0; r < resultsPerRun; r++ {
		res := model.Result{Suite: "s", Requirement: fmt.Sprintf("R%05d", r), Level: model.Shall, Outcome: model.Pass}
		res.Measures = []model.Measure{{Name: "m", Numerator: 1, Denominator: 2}}
		t.Results = append(t.Results, res)
	}
	rep.Targets = []model.TargetRun{t}
	rep.Summarize()
	return rep
}

// writeUntilKilled records big runs one after another until the process is
// killed.
func writeUntilKilled(path string) {
	s, err := history.Open(context.Background(), path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		if _, err := s.Record(context.Background(), bigRun(i), "", ""); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}

var _ = Describe("a writer killed in the middle of recording a run", func() {
	It("leaves a SQLite history that opens, passes its integrity check and holds only whole runs", func() {
		path := filepath.Join(GinkgoT().TempDir(), "history.db")
		for round := 0; round < 3; round++ {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHistory$")
			cmd.Env = append(os.Environ(), writerEnv+"="+path)
			cmd.Stderr = GinkgoWriter
			Expect(cmd.Start()).To(Succeed())
			// Let it commit a run or two, then kill it without warning: with runs
			// this big it is almost always inside a transaction.
			Eventually(func() int { return committedRuns(path) }).WithTimeout(60 * time.Second).WithPolling(20 * time.Millisecond).
				Should(BeNumerically(">", round))
			time.Sleep(time.Duration(15+round*20) * time.Millisecond)
			Expect(cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
			_ = cmd.Wait() // killed: the error is expected

			s, err := history.Open(context.Background(), path)
			Expect(err).NotTo(HaveOccurred())
			db := dbtest.Open(path)
			var check string
			Expect(db.QueryRow(`PRAGMA integrity_check`).Scan(&check)).To(Succeed())
			Expect(check).To(Equal("ok"))
			rows, err := db.Query(`SELECT r.id, (SELECT count(*) FROM results WHERE run_id = r.id), (SELECT count(*) FROM measures WHERE run_id = r.id) FROM runs r`)
			Expect(err).NotTo(HaveOccurred())
			runs := 0
			for rows.Next() {
				var id int64
				var results, measures int
				Expect(rows.Scan(&id, &results, &measures)).To(Succeed())
				Expect(results).To(Equal(resultsPerRun), "run %d is whole", id)
				Expect(measures).To(Equal(resultsPerRun), "run %d is whole", id)
				runs++
			}
			Expect(rows.Err()).NotTo(HaveOccurred())
			Expect(dbtest.CountRows(path, "results")).To(Equal(runs*resultsPerRun), "no results of a partial run remain")
			Expect(db.Close()).To(Succeed())
			Expect(s.Close()).To(Succeed())
		}
	})
})

// committedRuns counts the runs a reader sees, 0 while the writer has not
// created the tables yet.
func committedRuns(path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db := dbtest.Open(path)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM runs`).Scan(&n); err != nil {
		return 0
	}
	return n
}
