package coded_test

import (
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/model"
)

var _ = Describe("the shelf of coded values", func() {
	code := func(c string) []coded.Value {
		return []coded.Value{{Path: coded.TextPath("Patient.gender"), Def: "Patient.gender", Type: "code", Value: c}}
	}

	It("gives back what was put for a record, and nothing for another", func() {
		s := coded.NewShelf()
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
		s := coded.NewShelf()
		a := &model.Record{Source: "feed"}
		s.Put(a, nil)
		got, ok := s.Get(a)
		Expect(ok).To(BeTrue())
		Expect(got).To(BeEmpty())
	})

	It("takes a Record a target reuses for the next record as another record", func() {
		s := coded.NewShelf()
		rec := &model.Record{Source: "feed", Index: 0}
		s.Put(rec, code("male"))
		rec.Index = 1
		_, ok := s.Get(rec)
		Expect(ok).To(BeFalse())
	})

	It("keeps a record's values for as long as the record, however many records were shelved after it, and replaces them in place", func() {
		s := coded.NewShelf()
		recs := make([]*model.Record, 1000)
		for i := range recs {
			recs[i] = &model.Record{Source: "feed", Index: int64(i)}
			s.Put(recs[i], code("male"))
		}
		s.Put(recs[7], code("female"))
		got, ok := s.Get(recs[7])
		Expect(ok).To(BeTrue())
		Expect(got).To(Equal(code("female")))
		got, ok = s.Get(recs[0])
		Expect(ok).To(BeTrue(), "the first record's values are still there")
		Expect(got).To(Equal(code("male")))
	})

	It("keeps each shelf's values apart on one record", func() {
		values, proofs := coded.NewShelf(), check.NewShelf[bool]()
		rec := &model.Record{Source: "feed"}
		proofs.Put(rec, true)
		_, ok := values.Get(rec)
		Expect(ok).To(BeFalse())
		values.Put(rec, code("male"))
		proven, ok := proofs.Get(rec)
		Expect(ok).To(BeTrue())
		Expect(proven).To(BeTrue())
		got, _ := values.Get(rec)
		Expect(got).To(Equal(code("male")))
	})

	It("is safe for workers putting and reading at once", func() {
		s := coded.NewShelf()
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
