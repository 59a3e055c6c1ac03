package hl7v2_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check/checktest"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// An hl7v2-profile requirement none of whose rules could decide a message
// (a conformance statement comparing date/times whose spans overlap) judged
// nothing of it: a result of only such messages is skipped, never passed,
// and one with some says how many, as a file, a batch or an MLLP capture
// holds them. A rule that decides the message beside it makes it judged.
var _ = Describe("messages no rule of a profile could decide", func() {
	// before is PID-7 before noon on 1 January 2024: a birth date of that
	// day cannot be decided, one of the day before can.
	before := map[string]any{"assert": map[string]any{"path": "PID-7", "compare": map[string]any{"op": "lt", "value": "202401011200", "as": "datetime"}}, "segment": "PID"}
	named := map[string]any{"path": "PID-5", "usage": "R"}
	msg := func(id, birth string) string {
		return segs(`MSH|^~\&|A|B|C|D|20240101||ADT^A04|`+id+`|P|2.5.1`, "EVN|A04", "PID|1||"+id+"^^^H^MR||DOE^JO||"+birth, "PV1|1|O")
	}
	DescribeTable("the requirement's outcome",
		func(rules []any, births []string, outcome model.Outcome, notChecked int, message string) {
			c := mustCompile("hl7v2-profile", params.Params{"rules": rules})
			for placement := range placements {
				var recs []*model.Record
				for i, b := range births {
					recs = append(recs, placed(placement, msg(fmt.Sprint("C", i), b)))
				}
				r, err := checktest.Run(c, recs, 2)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Outcome).To(Equal(outcome), placement)
				Expect(r.Tally.NotChecked).To(BeEquivalentTo(notChecked), placement)
				Expect(r.Message).To(HavePrefix(message), placement)
			}
		},
		Entry("every message undecided: skip", []any{before}, []string{"20240101", "20240101"},
			model.Skip, 2, "not checked: 2 record(s), none judged (e.g. whether the conformance statement holds cannot be decided"),
		Entry("some undecided: pass, saying how many", []any{before}, []string{"20240101", "20231231"},
			model.Pass, 1, "1 record(s) checked, 1 not checked (e.g. whether the conformance statement holds cannot be decided"),
		Entry("none undecided: pass", []any{before}, []string{"20231231", "20231231"},
			model.Pass, 0, "2 record(s) checked"),
		Entry("another rule decides the undecided messages: judged", []any{before, named}, []string{"20240101", "20240101"},
			model.Pass, 0, "2 record(s) checked"),
	)
})
