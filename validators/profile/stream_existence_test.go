package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// The scan evaluates a resource's root invariants on a map of the members
// they name; a member an invariant only asks to exist is given a stand-in
// rather than its decoded value. Which names are asked only that way is the
// rule held here, a form at a time; the vital-sign tables (vs-2, obs-6,
// obs-7) hold the verdicts to the map walk's.
var _ = DescribeTable("names a root invariant only asks whether they exist, and no name whose value it may read",
	func(expr string, want []string) {
		Expect(profile.ExistenceOnly(expr)).To(Equal(want))
	},
	Entry("vs-2: four existence tests", "(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or value.exists())",
		[]string{"component", "dataAbsentReason", "hasMember", "value"}),
	Entry("obs-6", "dataAbsentReason.empty() or value.empty()", []string{"dataAbsentReason", "value"}),
	Entry("obs-7: value only; component navigated into, code and coding read", "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",
		[]string{"value"}),
	Entry("a name also navigated into elsewhere", "value.exists() implies value.unit.exists()", []string{"unit"}),
	Entry("a name filtered", "value.where(system.exists()).exists()", []string{"system"}),
	Entry("a name given a criterion", "value.exists(code = 'kg')", nil),
	Entry("a name counted", "component.count() > 1 or hasMember.empty()", []string{"hasMember"}),
	Entry("a name typed", "value.ofType(Quantity).exists() or (value as Quantity).empty()", nil),
	Entry("a name whose value is asked, not its existence", "value.hasValue() or note.exists()", []string{"note"}),
	Entry("a name compared", "status = 'final' or status.empty()", nil),
	Entry("a name quoted", "`div`.exists() or text.exists()", []string{"text"}),
	Entry("a name inside a string", "code.text = 'value.exists()' or value.exists()", nil),
	Entry("a name written with spaces before its call", "value .exists() or note.exists( )", nil),
	Entry("through %resource", "%resource.value.exists() or %resource.note.empty()", []string{"note", "value"}),
)
