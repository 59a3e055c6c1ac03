package suites_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/suites"
)

// sampleParams has a field of each kind the decoder reads.
type sampleParams struct {
	Element string        `param:"element,required" doc:"the element"`
	Count   int           `param:"count" doc:"how many"`
	Within  time.Duration `param:"within" doc:"how soon"`
	Items   []sampleItem  `param:"items" doc:"the items"`
}

type sampleItem struct {
	Name string  `param:"name" doc:"the item's name"`
	Low  float64 `param:"low" doc:"lowest value"`
}

var _ = Describe("check parameters in a suite file", func() {
	var got sampleParams
	reg := func() *check.Registry {
		reg := check.NewRegistry()
		check.Define(reg, "sample", "test", sampleParams{Count: 3}, func(_ check.Spec, p sampleParams, _ *check.Env) (check.Check, error) {
			got = p
			return nil, nil
		})
		return reg
	}
	suite := func(params string) string {
		return "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - id: R-1\n    level: SHALL\n    title: x\n    check: sample\n    params:\n" + params
	}

	It("decodes them over the defaults when they are right", func() {
		r := reg()
		s, err := suites.Parse("mine.yaml", []byte(suite("      element: Patient.gender\n      within: 7d\n      items:\n        - {name: a, low: 2.5}\n")), r)
		Expect(err).NotTo(HaveOccurred())
		_, err = r.Compile(s.Requirements[0].Spec(), &check.Env{})
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal(sampleParams{Element: "Patient.gender", Count: 3, Within: 7 * 24 * time.Hour, Items: []sampleItem{{Name: "a", Low: 2.5}}}))
	})

	DescribeTable("refuses a misspelt or mistyped parameter at its line and column, naming the key",
		func(params, want string) {
			_, err := suites.Parse("mine.yaml", []byte(suite(params)), reg())
			Expect(err).To(MatchError(want))
		},
		Entry("a misspelt key", "      element: x\n      cuont: 2\n",
			`suite mine.yaml:11:14: requirements[0].params.cuont: requirement R-1, check sample: unknown parameter(s) cuont (did you mean count? known: element, count, within, items)`),
		Entry("a string where a number goes", "      element: x\n      count: many\n",
			`suite mine.yaml:11:14: requirements[0].params.count: requirement R-1, check sample: "many" is not a number`),
		Entry("a fraction where a whole number goes", "      element: x\n      count: 2.5\n",
			`suite mine.yaml:11:14: requirements[0].params.count: requirement R-1, check sample: want a whole number, got 2.5`),
		Entry("a list where a string goes", "      element: [a, b]\n",
			`suite mine.yaml:10:16: requirements[0].params.element: requirement R-1, check sample: want a string, got a list`),
		Entry("a bad duration", "      element: x\n      within: soon\n",
			`suite mine.yaml:11:15: requirements[0].params.within: requirement R-1, check sample: "soon" is not a duration (e.g. 90s, 36h, 7d)`),
		Entry("a misspelt key in a nested list", "      element: x\n      items:\n        - name: a\n          lwo: 1\n",
			`suite mine.yaml:13:16: requirements[0].params.items[0].lwo: requirement R-1, check sample: unknown parameter(s) lwo (did you mean low? known: name, low)`),
		Entry("a missing required key", "      count: 1\n",
			`suite mine.yaml:10:12: requirements[0].params: requirement R-1, check sample: parameter "element" is required: the element`),
		Entry("a required key written empty", "      element: \"\"\n",
			`suite mine.yaml:10:16: requirements[0].params.element: requirement R-1, check sample: parameter "element" is required, and is empty: the element`),
	)

	It("reports the same problem when a spec not read from a file is compiled", func() {
		_, err := reg().Compile(check.Spec{Requirement: "R-1", Type: "sample", Source: "code", Params: params.Params{"element": "x", "cuont": 2}}, &check.Env{})
		Expect(err).To(MatchError(`code: requirement R-1: check sample: unknown parameter(s) cuont (did you mean count? known: element, count, within, items)`))
	})

	It("lists the parameters, with defaults and nested keys, from the same struct", func() {
		docs, ok := reg().Params("sample")
		Expect(ok).To(BeTrue())
		Expect(docs).To(Equal([]params.Doc{
			{Name: "element", Type: "string", Required: true, Doc: "the element"},
			{Name: "count", Type: "whole number", Default: "3", Doc: "how many"},
			{Name: "within", Type: "duration", Doc: "how soon"},
			{Name: "items", Type: "list of mappings", Doc: "the items"},
			{Name: "items[].name", Type: "string", Doc: "the item's name"},
			{Name: "items[].low", Type: "number", Doc: "lowest value"},
		}))
	})

	It("names a key of a type shared with JSON by its json tag, and lists a mapping type met again where it was first", func() {
		type cond struct {
			Path string `json:"path" doc:"the path read"`
			Not  *cond  `json:"not,omitempty" doc:"the condition does not hold"`
		}
		type rule struct {
			When  *cond `json:"when,omitempty" doc:"only where this holds"`
			Where *cond `json:"where,omitempty" doc:"only the repetitions this holds for"`
		}
		type nestedParams struct {
			Rules []*rule `param:"rules" doc:"the rules"`
		}
		var got nestedParams
		r := check.NewRegistry()
		check.Define(r, "nested", "test", nestedParams{}, func(_ check.Spec, p nestedParams, _ *check.Env) (check.Check, error) { got = p; return nil, nil })
		s, err := suites.Parse("mine.yaml", []byte("id: s\nversion: '1'\ntitle: t\nrequirements:\n  - id: R-1\n    level: SHALL\n    title: x\n    check: nested\n    params:\n      rules:\n        - when: {not: {path: PID-3}}\n"), r)
		Expect(err).NotTo(HaveOccurred())
		_, err = r.Compile(s.Requirements[0].Spec(), &check.Env{})
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Rules[0].When.Not.Path).To(Equal("PID-3"))
		_, err = suites.Parse("mine.yaml", []byte("id: s\nversion: '1'\ntitle: t\nrequirements:\n  - id: R-1\n    level: SHALL\n    title: x\n    check: nested\n    params:\n      rules:\n        - when: {not: {pth: PID-3}}\n"), r)
		Expect(err).To(MatchError(ContainSubstring("mine.yaml:11:29: requirements[0].params.rules[0].when.not.pth: requirement R-1, check nested: unknown parameter(s) pth (did you mean path? known: path, not)")))
		docs, _ := r.Params("nested")
		Expect(docs).To(Equal([]params.Doc{
			{Name: "rules", Type: "list of mappings", Doc: "the rules"},
			{Name: "rules[].when", Type: "mapping", Doc: "only where this holds"},
			{Name: "rules[].when.path", Type: "string", Doc: "the path read"},
			{Name: "rules[].when.not", Type: "mapping (as rules[].when)", Doc: "the condition does not hold"},
			{Name: "rules[].where", Type: "mapping (as rules[].when)", Doc: "only the repetitions this holds for"},
		}))
	})
})
