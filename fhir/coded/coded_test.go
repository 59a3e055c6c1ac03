package coded_test

import (
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/model"
)

var _ = Describe("the shelf of coded values", func() {
	code := func(c string) []coded.Value {
		return []coded.Value{{Path: coded.TextPath("Patient.gender"), Def: "Patient.gender", Type: "code", Value: c}}
	}

	It("gives back what was put for a record, and nothing for another", func() {
		s := coded.NewShelf(8)
		a := &model.Record{Source: "feed", Index: 0}
		b := &model.Record{Source: "feed", Index: 1}
		s.Put(a, code("male"))
		got, ok := s.Get(a)
		Expect(ok).To(BeTrue())
		Expect(got).To(Equal(code("male")))
		_, ok = s.Get(b)
		Expect(ok).To(BeFalse())
	})

	It("tells a record with no coded values from one not walked", func() {
		s := coded.NewShelf(8)
		a := &model.Record{Source: "feed"}
		s.Put(a, nil)
		got, ok := s.Get(a)
		Expect(ok).To(BeTrue())
		Expect(got).To(BeEmpty())
	})

	It("takes a Record a target reuses for the next record as another record", func() {
		s := coded.NewShelf(8)
		rec := &model.Record{Source: "feed", Index: 0}
		s.Put(rec, code("male"))
		rec.Index = 1
		_, ok := s.Get(rec)
		Expect(ok).To(BeFalse())
	})

	It("lets the oldest record go for a newer one, and replaces a record's values in place", func() {
		s := coded.NewShelf(8)
		recs := make([]*model.Record, 9)
		for i := range recs {
			recs[i] = &model.Record{Source: "feed", Index: int64(i)}
		}
		for _, r := range recs[:8] {
			s.Put(r, code("male"))
		}
		s.Put(recs[7], code("female")) // again: no room taken
		got, ok := s.Get(recs[7])
		Expect(ok).To(BeTrue())
		Expect(got).To(Equal(code("female")))
		_, ok = s.Get(recs[0])
		Expect(ok).To(BeTrue())
		s.Put(recs[8], code("other"))
		_, ok = s.Get(recs[0])
		Expect(ok).To(BeFalse(), "the oldest is let go")
		_, ok = s.Get(recs[1])
		Expect(ok).To(BeTrue())
	})

	It("is safe for workers putting and reading at once", func() {
		s := coded.NewShelf(8)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				for i := range 200 {
					rec := &model.Record{Source: "feed", Index: int64(w*1000 + i)}
					s.Put(rec, code("male"))
					got, ok := s.Get(rec)
					if ok {
						Expect(got).To(Equal(code("male")))
					}
				}
			}()
		}
		wg.Wait()
	})
})
