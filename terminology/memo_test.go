package terminology_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// release is a code system held outside the engine, as a SNOMED CT release
// in SQLite is: it counts the lookups it answers, and fails while failing
// is set.
type release struct {
	lookups atomic.Int64
	failing atomic.Bool
	codes   map[string]string
}

func (r *release) Lookup(_ context.Context, code string) (*terminology.Concept, bool, error) {
	r.lookups.Add(1)
	if r.failing.Load() {
		return nil, false, errors.New("the release's database is locked")
	}
	d, ok := r.codes[code]
	if !ok {
		return nil, false, nil
	}
	return &terminology.Concept{Code: code, Display: d}, true, nil
}

func (r *release) Subsumes(_ context.Context, ancestor, code string) (bool, error) {
	return ancestor == code, nil
}

var _ = Describe("remembered answers", func() {
	const local = "http://acme.example/cs/local-release"
	var (
		e   *terminology.Engine
		rel *release
		ctx = context.Background()
	)
	BeforeEach(func() {
		e = acmeEngine()
		rel = &release{codes: map[string]string{"22298006": "Myocardial infarction"}}
		e.AddProvider(local, rel)
	})

	It("asks the release once for a code met again, with the same answer", func() {
		first, d1, err := e.CheckCode(ctx, local, "22298006", "heart attack")
		Expect(err).NotTo(HaveOccurred())
		again, d2, err := e.CheckCode(ctx, local, "22298006", "heart attack")
		Expect(err).NotTo(HaveOccurred())
		Expect(again).To(Equal(first))
		Expect(d2).To(Equal(d1))
		Expect(first).To(ConsistOf(HaveField("Code", terminology.IssueDisplay)))
		Expect(rel.lookups.Load()).To(Equal(int64(1)))

		// Another display is another question: its answer differs.
		other, _, err := e.CheckCode(ctx, local, "22298006", "Myocardial infarction")
		Expect(err).NotTo(HaveOccurred())
		Expect(other).To(BeEmpty())
		Expect(rel.lookups.Load()).To(Equal(int64(2)))
	})

	It("does not remember a lookup that failed: the next question asks again", func() {
		rel.failing.Store(true)
		issues, _, err := e.CheckCode(ctx, local, "22298006", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(issues).To(ConsistOf(HaveField("Code", terminology.IssueNotChecked)))
		rel.failing.Store(false)
		issues, _, err = e.CheckCode(ctx, local, "22298006", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(issues).To(BeEmpty())
		Expect(rel.lookups.Load()).To(Equal(int64(2)))
	})

	It("keeps its answer whole when a caller appends to the issues it was given", func() {
		// ValidateCode appends the value set's issue to CheckCode's.
		r, err := e.ValidateCode(ctx, local, "22298006", "heart attack", "http://acme.example/vs/cardio")
		Expect(err).NotTo(HaveOccurred())
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueDisplay, terminology.IssueNotInValueSet}))
		issues, _, err := e.CheckCode(ctx, local, "22298006", "heart attack")
		Expect(err).NotTo(HaveOccurred())
		Expect(issues).To(ConsistOf(HaveField("Code", terminology.IssueDisplay)))
	})

	It("forgets what it remembered when the content changes", func() {
		const vs = "http://acme.example/vs/cardio"
		m, _, err := e.Member(ctx, vs, acme, "asthma")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.NotMember))
		issues, _, err := e.CheckCode(ctx, "http://acme.example/cs/later", "a", "")
		Expect(err).NotTo(HaveOccurred())
		// An unknown system outside HL7's: not judged, said once per system.
		Expect(issues).To(ConsistOf(HaveField("Code", terminology.IssueCodesNotHeld)))

		Expect(e.AddResource(map[string]any{"resourceType": "ValueSet", "url": vs, "status": "active",
			"compose": map[string]any{"include": []any{map[string]any{"system": acme,
				"concept": []any{map[string]any{"code": "asthma"}}}}}}, "a guide's edition")).To(Succeed())
		Expect(e.AddResource(map[string]any{"resourceType": "CodeSystem", "url": "http://acme.example/cs/later",
			"status": "active", "content": "complete", "concept": []any{map[string]any{"code": "b"}}}, "a guide")).To(Succeed())

		m, _, err = e.Member(ctx, vs, acme, "asthma")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Member))
		issues, _, err = e.CheckCode(ctx, "http://acme.example/cs/later", "a", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(issues).To(ConsistOf(HaveField("Code", terminology.IssueUnknownCode)))
	})

	It("stays bounded however many distinct codes a feed holds", func() {
		for i := range terminology.MemoLimit + 100 {
			_, _, err := e.Member(ctx, "http://acme.example/vs/admin", acme, fmt.Sprintf("X-%d", i))
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(terminology.MemoSizes(e)).To(BeNumerically("<=", terminology.MemoLimit))
		// What it forgot it answers again, the same way.
		m, _, err := e.Member(ctx, "http://acme.example/vs/admin", acme, "X-1")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Member))
		m, _, err = e.Member(ctx, "http://acme.example/vs/admin", acme, "X-5")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.NotMember))
	})

	It("gives workers asking at once the answers one worker gets", func() {
		type question struct{ vs, code string }
		questions := []question{{"http://acme.example/vs/cardio", "htn"}, {"http://acme.example/vs/cardio", "asthma"},
			{"http://acme.example/vs/high", "cardio"}, {"http://acme.example/vs/missing-import", "af"},
			{"http://acme.example/vs/nowhere", "af"}, {"http://acme.example/vs/cardio-and-high", "htn"}}
		fresh := acmeEngine()
		want := make([]terminology.Result, len(questions))
		for i, q := range questions {
			r, err := fresh.ValidateCode(ctx, acme, q.code, "", q.vs)
			Expect(err).NotTo(HaveOccurred())
			want[i] = r
		}
		var wg sync.WaitGroup
		got := make([][]terminology.Result, 8)
		for w := range got {
			wg.Go(func() {
				defer GinkgoRecover()
				for range 50 {
					for _, q := range questions {
						r, err := e.ValidateCode(ctx, acme, q.code, "", q.vs)
						Expect(err).NotTo(HaveOccurred())
						got[w] = append(got[w], r)
					}
				}
			})
		}
		wg.Wait()
		for _, rs := range got {
			for i, r := range rs {
				Expect(r).To(Equal(want[i%len(questions)]))
			}
		}
		Expect(want[1].Issues).To(ConsistOf(HaveField("Severity", model.Error)))
	})
})
