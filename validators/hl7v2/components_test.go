package hl7v2_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/carecert/carecert/internal/params"
)

// Component optionality enters the standard's data type tables in 2.5 (2A);
// earlier versions mark no component required, so there the rule is silent.
// Each case runs in every version with the findings that version's
// definitions call for: a required component (or subcomponent) is missing
// whether it lies inside the sent components or after the last one.
var _ = Describe("hl7v2-fields required components", func() {
	all := []string{"2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"}
	from := func(first string) map[string]bool {
		out := map[string]bool{}
		on := false
		for _, v := range all {
			on = on || v == first
			out[v] = on
		}
		return out
	}
	cases := []struct {
		name, msh9, seg string
		since           string // first version whose definitions require what is missing; "" when valid in all
		want            []string
	}{
		{"CX with CX.5 (identifier type)", "", `PID|1||1^^^H^MR||DOE^JO`, "", nil},
		{"CX ending before CX.5, required from 2.7", "", `PID|1||1^^^H||DOE^JO`, "2.7",
			[]string{"hl7v2.required-component@PID[1].3[1].5"}},
		{"CX sending an empty CX.5: the same finding", "", `PID|1||1^^^H^||DOE^JO`, "2.7",
			[]string{"hl7v2.required-component@PID[1].3[1].5"}},
		{"CX of one component, in its second repetition", "", `PID|1||1^^^H^MR~2||DOE^JO`, "2.7",
			[]string{"hl7v2.required-component@PID[1].3[2].5"}},
		{"an explicit null field is not checked for components", "", `PID|1||""||DOE^JO`, "", nil},
		{"ED with its type, encoding and data", "", `OBX|1|ED|x^y^L||^TEXT^^Base64^aGk=||||||F`, "", nil},
		{"ED ending before its data", "", `OBX|1|ED|x^y^L||^TEXT^^Base64||||||F`, "2.5",
			[]string{"hl7v2.required-component@OBX[1].5[1].5"}},
		{"ED of one component: type, encoding and data all missing", "", `OBX|1|ED|x^y^L||APP||||||F`, "2.5",
			[]string{"hl7v2.required-component@OBX[1].5[1].2", "hl7v2.required-component@OBX[1].5[1].4",
				"hl7v2.required-component@OBX[1].5[1].5"}},
		{"MSG without its structure (MSH-9.3), required from 2.7", "ADT^A01", `PID|1||1^^^H^MR||DOE^JO`, "2.7",
			[]string{"hl7v2.required-component@MSH[1].9[1].3"}},
		{"PTA with its amount (MOP) whole", "", `IN2|||||||||||||||||||||||||||||AMB^^^AT&100`, "", nil},
		{"PTA ending before its amount", "", `IN2|||||||||||||||||||||||||||||AMB`, "2.5",
			[]string{"hl7v2.required-component@IN2[1].29[1].4"}},
		{"MOP ending before its quantity: a subcomponent after the last sent", "", `IN2|||||||||||||||||||||||||||||AMB^^^AT`, "2.5",
			[]string{"hl7v2.required-component@IN2[1].29[1].4.2"}},
		{"an empty required subcomponent inside the sent ones (FN.1 in XPN.1)", "", `PID|1||1^^^H^MR||&VAN^JO`, "2.5",
			[]string{"hl7v2.required-component@PID[1].5[1].1.1"}},
	}
	var entries []TableEntry
	for _, tc := range cases {
		required := map[string]bool{}
		if tc.since != "" {
			required = from(tc.since)
		}
		for _, v := range all {
			var want []string
			if required[v] {
				want = tc.want
			}
			msh9 := tc.msh9
			if msh9 == "" {
				msh9 = "ADT^A01^ADT_A01"
			}
			entries = append(entries, Entry(tc.name+" in "+v, v, msh9, tc.seg, want))
		}
	}
	DescribeTable("reports a required component only where the version requires it, sent or not",
		func(version, msh9, seg string, want []string) {
			c := mustCompile("hl7v2-fields", params.Params{"check": []any{"components"}})
			r := record(segs(`MSH|^~\&|A|B|C|D|20240101||`+msh9+`|C1|P|`+version, seg))
			// Other component findings (extra components where an early
			// version's type is shorter) belong to other specs.
			var got []string
			for _, w := range where(observe(c, r)) {
				if strings.HasPrefix(w, "hl7v2.required-component@") {
					got = append(got, w)
				}
			}
			expectWhere(got, want)
		},
		entries,
	)
})
