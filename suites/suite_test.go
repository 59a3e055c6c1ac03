package suites_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
)

func registry() *check.Registry {
	reg := check.NewRegistry()
	never := func(check.Spec, *check.Env) (check.Check, error) { return nil, nil }
	reg.Register("fhir-json-schema", "test", never)
	reg.Register("fhir-resource-type", "test", never)
	return reg
}

const good = `id: my-suite
version: 0.1.0
title: My suite
kinds: [fhir]
requirements:
  - id: R-1
    level: SHALL
    title: Shape
    check: fhir-json-schema
  - id: R-2
    level: SHOULD
    title: Types
    check: fhir-resource-type
    params: {strict: true}
`

var _ = Describe("suite files", func() {
	It("loads a valid suite with requirement locations", func() {
		s, err := suites.Parse("my.yaml", []byte(good), registry())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Requirements).To(HaveLen(2))
		Expect(s.Requirements[1].Level).To(Equal(model.Should))
		Expect(s.Requirements[1].Params).To(HaveKeyWithValue("strict", true))
		Expect(s.Requirements[1].At).To(Equal("my.yaml:10"))
	})

	DescribeTable("rejects a bad suite naming file, line and field",
		func(content, want string) {
			_, err := suites.Parse("bad.yaml", []byte(content), registry())
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("an unknown level", `id: s
version: "1"
title: t
requirements:
  - id: R1
    level: MUST
    title: x
    check: fhir-json-schema
`, `bad.yaml:6:12: requirements[0].level: "MUST" is not a level`),
		Entry("an unknown check type", `id: s
version: "1"
title: t
requirements:
  - id: R1
    level: SHALL
    title: x
    check: fhir-jsonschema
`, `bad.yaml:8:12: requirements[0].check: unknown check type "fhir-jsonschema"`),
		Entry("a misspelt field", `id: s
version: "1"
title: t
requirments: []
`, `bad.yaml:4:1`),
		Entry("a duplicate requirement id", `id: s
version: "1"
title: t
requirements:
  - {id: R1, level: SHALL, title: x, check: fhir-json-schema}
  - {id: R1, level: MAY, title: y, check: fhir-json-schema}
`, `requirements[1].id: duplicate requirement id "R1"`),
		Entry("a missing version", "id: s\ntitle: t\nrequirements: []\n", "version: required"),
		Entry("no requirements", "id: s\nversion: '1'\ntitle: t\n", "requirements: required"),
		Entry("broken YAML", "id: [s\n", "bad.yaml:"),
		Entry("an empty file", "\n", "bad.yaml:1: empty file"),
		Entry("a manual requirement with a check", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - {id: M1, level: SHALL, title: x, kind: manual, evidence: screenshot, check: fhir-json-schema}\n",
			`requirements[0].check: a manual requirement has no check`),
		Entry("a manual requirement with parameters", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - {id: M1, level: SHALL, title: x, kind: manual, evidence: screenshot, params: {a: 1}}\n",
			`requirements[0].params: a manual requirement has no check parameters`),
		Entry("a manual requirement without evidence", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - id: M1\n    level: SHALL\n    title: x\n    kind: manual\n",
			`bad.yaml:5:7: requirements[0].evidence: required for a manual requirement: witnessed-demonstration, screenshot, signed-declaration`),
		Entry("an unknown evidence kind", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - id: M1\n    level: SHALL\n    title: x\n    kind: manual\n    evidence: video\n",
			`bad.yaml:9:15: requirements[0].evidence: "video" is not an evidence kind (want witnessed-demonstration, screenshot, signed-declaration)`),
		Entry("an unknown requirement kind", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - {id: M1, level: SHALL, title: x, kind: witnessed}\n",
			`requirements[0].kind: "witnessed" is not a requirement kind`),
		Entry("evidence on an automated requirement", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - {id: R1, level: SHALL, title: x, check: fhir-json-schema, evidence: screenshot}\n",
			`requirements[0].evidence: only a manual requirement has evidence`),
		Entry("the manual check without kind: manual", "id: s\nversion: '1'\ntitle: t\nrequirements:\n  - {id: R1, level: SHALL, title: x, check: manual}\n",
			`requirements[0].check: a requirement an assessor decides is written kind: manual`),
		Entry("an unknown record kind", "id: s\nversion: '1'\ntitle: t\nkinds: [dicom]\nrequirements:\n  - {id: R1, level: SHALL, title: x, check: fhir-json-schema}\n", `kinds[0]: unknown record kind "dicom"`),
	)

	It("loads a manual requirement beside automated ones, decided by the manual check", func() {
		s, err := suites.Parse("my.yaml", []byte(good+`  - id: R-3
    level: SHALL
    kind: manual
    evidence: signed-declaration
    title: The supplier declares its clinical safety officer
`), registry())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Requirements).To(HaveLen(3))
		m := s.Requirements[2]
		Expect(m.Kind).To(Equal(suites.ManualKind))
		Expect(m.Evidence).To(Equal("signed-declaration"))
		Expect(m.Check).To(Equal(check.Manual))
		c, err := registry().Compile(m.Spec(), &check.Env{})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Applies(&model.Record{Kind: model.KindFHIR, Type: "Patient"})).To(BeFalse(), "a manual requirement reads no record")
		outcome, msg := c.(check.Grader).Grade(model.NewTally(0))
		Expect(outcome).To(Equal(model.Skip))
		Expect(msg).To(Equal("awaiting attestation"))
	})

	It("resolves built-in ids and files relative to a folder", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(good), 0o644)).To(Succeed())
		s, err := suites.Resolve("mine.yaml", dir, registry())
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ID).To(Equal("my-suite"))
		b, err := suites.Resolve("fhir-r4-structure", dir, registry())
		Expect(err).NotTo(HaveOccurred())
		Expect(b.Source).To(Equal("builtin:fhir-r4-structure"))
		_, err = suites.Resolve("no-such-suite", dir, registry())
		Expect(err).To(MatchError(ContainSubstring(`no built-in suite "no-such-suite" (built-in: `)))
		_, err = suites.Resolve("missing.yaml", dir, registry())
		Expect(err).To(MatchError(ContainSubstring("missing.yaml")))
	})

	It("picks the default suites for a record kind", func() {
		// nil: built-in suites may use check types of every validator package.
		ds, err := suites.Defaults(nil, model.KindFHIR)
		Expect(err).NotTo(HaveOccurred())
		var ids []string
		for _, s := range ds {
			ids = append(ids, s.ID)
		}
		Expect(ids).To(ContainElement("fhir-r4-structure"))
		ds, err = suites.Defaults(nil, model.KindCSV)
		Expect(err).NotTo(HaveOccurred())
		for _, s := range ds {
			Expect(s.Kinds).NotTo(ConsistOf(model.KindFHIR))
		}
	})

	It("picks from the suites' header lines exactly the defaults that parsing every built-in suite gives", func() {
		for _, kinds := range [][]model.Kind{{model.KindFHIR}, {model.KindHL7v2}, {model.KindCSV}, {model.KindExchange}, {model.KindFHIR, model.KindCSV}, nil} {
			var want []string
			for _, id := range suites.BuiltinIDs() {
				s, err := suites.Builtin(id, nil)
				Expect(err).NotTo(HaveOccurred())
				for _, k := range kinds {
					if s.Default && (len(s.Kinds) == 0 || slices.Contains(s.Kinds, k)) {
						want = append(want, id)
						break
					}
				}
			}
			ds, err := suites.Defaults(nil, kinds...)
			Expect(err).NotTo(HaveOccurred())
			var got []string
			for _, s := range ds {
				got = append(got, s.ID)
			}
			Expect(got).To(Equal(want), fmt.Sprint(kinds))
		}
	})
})
