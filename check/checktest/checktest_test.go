package checktest_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/check/checktest"
	"github.com/carecert/carecert/model"
)

func TestChecktest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "check/checktest")
}

// counter counts records with an even id as defects; forget makes its merge
// drop the other worker's count, lonely makes it pass on nothing.
type counter struct{ forget, lonely bool }

type counterState struct {
	c       counter
	Records int64 `json:"records"`
	Even    int64 `json:"even"`
}

func (c counter) Applies(*model.Record) bool { return true }
func (c counter) NewState() check.State      { return &counterState{c: c} }

func (s *counterState) Observe(rec *model.Record) []model.Finding {
	s.Records++
	if len(rec.ID)%2 == 0 {
		s.Even++
	}
	return nil
}

func (s *counterState) Merge(o check.State) error {
	if !s.c.forget {
		s.Records += o.(*counterState).Records
		s.Even += o.(*counterState).Even
	}
	return nil
}

func (s *counterState) Finish(t *model.Tally) { t.Measure("even", s.Even, s.Records) }

func (c counter) Grade(t *model.Tally) (model.Outcome, string) {
	if c.lonely {
		return model.Pass, "fine"
	}
	return t.Grade()
}

var _ = Describe("the check contract", func() {
	recs := []*model.Record{{ID: "a"}, {ID: "bb"}, {ID: "c"}, {ID: "dd"}, {ID: "eeee"}}

	It("holds for a check whose workers' states merge into the single run", func() {
		res, err := checktest.Contract(counter{}, recs)
		Expect(err).NotTo(HaveOccurred())
		m, ok := res.Tally.Lookup("even")
		Expect(ok).To(BeTrue())
		Expect(m).To(Equal(model.Measure{Name: "even", Numerator: 3, Denominator: 5}))
		Expect(res.Tally.Evaluated).To(Equal(int64(5)))
	})

	It("catches a merge that loses another worker's work", func() {
		_, err := checktest.Contract(counter{forget: true}, recs)
		Expect(err).To(MatchError(ContainSubstring("2 workers merged give a different result from one")))
	})

	It("catches a check that passes having evaluated nothing", func() {
		_, err := checktest.Contract(counter{lonely: true}, recs)
		Expect(err).To(MatchError(ContainSubstring("passes having evaluated no record")))
	})
})
