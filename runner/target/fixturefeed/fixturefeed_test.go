package fixturefeed_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/fixturefeed"
	"github.com/carecert/carecert/runner/target/targettest"
)

// lines lists the lines of the generated stream that t's records start on.
func lines(t target.Target) []int {
	recs, err := targettest.Collect(t)
	Expect(err).NotTo(HaveOccurred())
	var out []int
	for _, r := range recs {
		out = append(out, r.Line)
	}
	return out
}

var _ = Describe("generated FHIR feeds", func() {
	reg := target.NewRegistry()
	fixturefeed.Register(reg)

	It("generates a deterministic fixture feed and rejects bad options", func() {
		t, _, err := reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"seed": uint64(9), "records": uint64(40), "defects": "malformed-json=2"}})
		Expect(err).NotTo(HaveOccurred())
		a, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		Expect(a).To(HaveLen(40))
		bad := 0
		for _, r := range a {
			if r.Problem != nil {
				bad++
			}
		}
		Expect(bad).To(Equal(2))
		_, _, err = reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"recrods": 5}})
		Expect(err).To(MatchError(ContainSubstring("unknown option(s) recrods (did you mean records? known: seed, records, defects)")))
		_, _, err = reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"defects": "gremlins=1"}})
		Expect(err).To(MatchError(HavePrefix(`target f: option "defects": unknown kind "gremlins" (known: bad-date-format, `)))
	})

	It("split into contiguous ranges of records, together the whole feed", func() {
		t, _, err := reg.Open(target.Spec{Name: "f", Type: "fixture", Options: params.Params{"seed": uint64(4), "records": uint64(10)}})
		Expect(err).NotTo(HaveOccurred())
		var union []int
		for i := 1; i <= 3; i++ {
			union = append(union, lines(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 3}))...)
		}
		Expect(union).To(Equal([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
	})
})

var _ = Describe("generated HL7 v2 feeds", func() {
	It("generates a feed in memory, with the defects asked for", func() {
		t, err := fixturefeed.OpenHL7v2(target.Spec{Name: "gen", Type: "hl7v2-fixture", Options: params.Params{"seed": 3, "messages": 20, "oru-every": 4, "defects": "nhs-bad-check-digit=2"}})
		Expect(err).NotTo(HaveOccurred())
		recs, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		Expect(recs).To(HaveLen(20))
		Expect(recs[3].Type).To(Equal("ORU^R01"))
		_, err = fixturefeed.OpenHL7v2(target.Spec{Name: "gen", Options: params.Params{"defects": "typo=1"}})
		Expect(err).To(MatchError(HavePrefix(`option "defects": unknown kind "typo" (known: `)))
	})

	It("split a generated feed into contiguous ranges", func() {
		t, err := fixturefeed.OpenHL7v2(target.Spec{Name: "gen", Options: params.Params{"messages": 9}})
		Expect(err).NotTo(HaveOccurred())
		var union []int
		for i := 1; i <= 3; i++ {
			part := lines(t.(target.Sharder).Shard(target.Shard{Index: i, Count: 3}))
			Expect(part).To(HaveLen(3))
			union = append(union, part...)
		}
		Expect(union).To(Equal(lines(t)))
	})
})
