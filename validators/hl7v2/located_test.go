package hl7v2_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/suites"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// profileSuite is a suite with one hl7v2-profile requirement whose
// parameters are params (indented under params:, from line 10).
func profileSuite(params string) []byte {
	return []byte("id: s\nversion: '1'\ntitle: t\nrequirements:\n  - id: R-1\n    level: SHALL\n    title: x\n    check: hl7v2-profile\n    params:\n" + params)
}

var _ = Describe("hl7v2-profile rules and when in a suite file", func() {
	reg := check.NewRegistry()
	v2.Register(reg)

	DescribeTable("are refused when the suite is read, at the line and column of the mistake",
		func(params, want string) {
			_, err := suites.Parse("s.yaml", profileSuite(params), reg)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a misspelt key of a rule", "      rules:\n        - path: PID-3\n          usgae: R\n",
			`s.yaml:12:18: requirements[0].params.rules[0].usgae: requirement R-1, check hl7v2-profile: unknown parameter(s) usgae (did you mean usage?`),
		Entry("a misspelt key of when", "      when: {path: MSH-9.1, equls: ADT}\n      rules:\n        - path: PID-3\n          usage: R\n",
			`s.yaml:10:36: requirements[0].params.when.equls: requirement R-1, check hl7v2-profile: unknown parameter(s) equls (did you mean equals?`),
		Entry("a word where a number goes, deep in a structure", "      rules:\n        - structure:\n            name: ADT_A01\n            elements:\n              - {segment: MSH, min: one}\n",
			`s.yaml:14:37: requirements[0].params.rules[0].structure.elements[0].min: requirement R-1, check hl7v2-profile: "one" is not a number`),
		Entry("no rule at all", "      rules: []\n",
			`s.yaml:10:14: requirements[0].params.rules: requirement R-1, check hl7v2-profile: parameter "rules" is required, and is empty`),
		Entry("an empty condition in a list", "      rules:\n        - assert:\n            any:\n              - {path: PID-3, present: true}\n              -\n          segment: PID\n",
			`s.yaml:14:16: requirements[0].params.rules[0].assert.any[1]: requirement R-1, check hl7v2-profile: want a mapping, got nothing (null)`),
	)

	DescribeTable("are refused when compiled, at the rule or condition that cannot be",
		func(params, want string) {
			s, err := suites.Parse("s.yaml", profileSuite(params), reg)
			Expect(err).NotTo(HaveOccurred())
			_, err = reg.Compile(s.Requirements[0].Spec(), &check.Env{})
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a usage that is none", "      rules:\n        - path: PID-3\n          usage: M\n",
			`s.yaml:11:15: requirements[0].params.rules[0]: requirement R-1, check hl7v2-profile: usage "M": want R, RE, O or X`),
		Entry("a when whose path is no path", "      when: {path: MSH9, equals: ADT}\n      rules:\n        - path: PID-3\n          usage: R\n",
			`s.yaml:10:13: requirements[0].params.when: requirement R-1, check hl7v2-profile: when: path "MSH9"`),
	)
})
