package history_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/model"
)

// browseSpecs are the portal's queries, on every backend.
func browseSpecs(open func() (*history.Store, string)) {
	var s *history.Store
	ctx := context.Background()
	BeforeEach(func() {
		s, _ = open()
		DeferCleanup(s.Close)
		for i, spec := range []struct{ vendor, release, defects string }{
			{"Oakfield", "11.0", "all"}, {"Riverside", "3.1", "none"}, {"Oakfield", "11.1", "wrong-type=2"}, {"Oakfield", "11.2", "none"},
		} {
			_, err := s.Record(ctx, report(spec.vendor, spec.release, spec.defects, i+1), "", "")
			Expect(err).NotTo(HaveOccurred())
		}
	})

	releases := func(runs []history.Run) []string {
		var out []string
		for _, r := range runs {
			out = append(out, r.Vendor+" "+r.Release)
		}
		return out
	}

	It("pages runs newest first under a filter and a reader's scope", func() {
		runs, more, err := s.FindRuns(ctx, history.Filter{Limit: 3})
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(runs)).To(Equal([]string{"Oakfield 11.2", "Oakfield 11.1", "Riverside 3.1"}))
		Expect(more).To(BeTrue())
		runs, more, err = s.FindRuns(ctx, history.Filter{Limit: 3, Offset: 3})
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(runs)).To(Equal([]string{"Oakfield 11.0"}))
		Expect(more).To(BeFalse())

		runs, _, err = s.FindRuns(ctx, history.Filter{Vendor: "OAKFIELD", Decision: model.NotCertified})
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(runs)).To(Equal([]string{"Oakfield 11.1", "Oakfield 11.0"}))
		runs, _, err = s.FindRuns(ctx, history.Filter{Release: "3.1", Suite: "fhir-r4-structure"})
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(runs)).To(Equal([]string{"Riverside 3.1"}))
		runs, _, err = s.FindRuns(ctx, history.Filter{Suite: "no-such-suite"})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(BeEmpty())
		runs, _, err = s.FindRuns(ctx, history.Filter{From: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)})
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(runs)).To(Equal([]string{"Oakfield 11.1", "Riverside 3.1"}))

		runs, _, err = s.FindRuns(ctx, history.Filter{Scope: []string{"Riverside"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(runs)).To(Equal([]string{"Riverside 3.1"}))
		runs, _, err = s.FindRuns(ctx, history.Filter{Scope: []string{}})
		Expect(err).NotTo(HaveOccurred())
		Expect(runs).To(BeEmpty(), "an empty scope sees nothing")
	})

	It("lists the values to filter on, within a scope", func() {
		f, err := s.Facets(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Vendors).To(Equal([]string{"Oakfield", "Riverside"}))
		Expect(f.Releases).To(Equal([]string{"11.0", "11.1", "11.2", "3.1"}))
		Expect(f.Suites).To(Equal([]string{"carecert", "fhir-r4-structure"}))
		f, err = s.Facets(ctx, []string{"Riverside"})
		Expect(err).NotTo(HaveOccurred())
		Expect(f.Vendors).To(Equal([]string{"Riverside"}))
		Expect(f.Products).To(Equal([]string{"Riverside EPR"}))
		Expect(f.Suites).To(Equal([]string{"carecert", "fhir-r4-structure"}))
		reqs, err := s.Requirements(ctx, "fhir-r4-structure")
		Expect(err).NotTo(HaveOccurred())
		Expect(reqs).To(ContainElements("fhir-r4-structure/STRUCT-01", "fhir-r4-structure/STRUCT-02"))
	})

	It("gives each vendor's latest run, one requirement's outcomes in chosen runs and their measures", func() {
		latest, err := s.LatestRuns(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(releases(latest)).To(Equal([]string{"Oakfield 11.2", "Riverside 3.1"}))
		ids := []int64{latest[0].ID, latest[1].ID}
		outs, err := s.OutcomesOf(ctx, ids, "fhir-r4-structure", "STRUCT-02")
		Expect(err).NotTo(HaveOccurred())
		Expect(outs).To(HaveLen(2))
		Expect(outs[0].Outcome).To(Equal(model.Pass))
		ms, err := s.MeasuresOf(ctx, ids)
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(HaveLen(2))
		Expect(ms[0].Name).To(Equal("completeness:Patient.birthDate"))
		Expect(ms[0].Numerator).To(BeEquivalentTo(180))
		Expect(ms[0].Requirement).To(Equal("fhir-r4-structure/STRUCT-01"))
	})
}
