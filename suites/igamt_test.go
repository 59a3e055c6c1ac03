package suites_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/suites"
)

// A small IGAMT export written for these specs: one message, two segments,
// one composite data type.
const igamtProfile = `<?xml version="1.0" encoding="UTF-8"?>
<ConformanceProfile ID="spec" HL7Version="2.5.1">
  <MetaData Name="IGAMT spec" Version="1"/>
  <Messages>
    <Message ID="m1" Type="ADT" Event="A04" StructID="ADT_A01">
      <Segment Ref="MSH_S" Usage="R" Min="1" Max="1"/>
      <Segment Ref="PID_S" Usage="R" Min="1" Max="1"/>
    </Message>
  </Messages>
  <Segments>
    <Segment ID="MSH_S" Name="MSH" Description="Message Header">
      <Field Name="Field Separator" Usage="R" Min="1" Max="1" Datatype="ST"/>
      <Field Name="Encoding Characters" Usage="R" Min="1" Max="1" Datatype="ST"/>
      <Field Name="Sending Application" Usage="RE" Min="0" Max="1" Datatype="HD_S"/>
    </Segment>
    <Segment ID="PID_S" Name="PID" Description="Patient Identification">
      <Field Name="Set ID" Usage="R" Min="1" Max="1" Datatype="ST"/>
      <Field Name="Patient ID" Usage="O" Min="0" Max="1" Datatype="ST"/>
      <Field Name="Identifiers" Usage="R" Min="1" Max="*" Datatype="HD_S"/>
    </Segment>
  </Segments>
  <Datatypes>
    <Datatype ID="ST" Name="ST"/>
    <Datatype ID="HD_S" Name="HD">
      <Component Name="Namespace ID" Usage="RE" Datatype="ST"/>
      <Component Name="Universal ID" Usage="RE" Datatype="ST"/>
    </Datatype>
  </Datatypes>
</ConformanceProfile>
`

// constraints is a ConformanceContext holding the given conformance
// statements of segment PID_S.
func constraints(statements string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<ConformanceContext UUID="spec">
  <Constraints>
    <Segment>
      <ByID ID="PID_S">
` + statements + `
      </ByID>
    </Segment>
  </Constraints>
</ConformanceContext>
`
}

func statement(id, text string) string {
	return `        <Constraint ID="` + id + `" Target="1[1]">
          <Description>PID-1 is ` + text + `</Description>
          <Assertion><PlainText Path="1[1]" Text="` + text + `" IgnoreCase="false"/></Assertion>
        </Constraint>`
}

// export writes files into a fresh folder and returns the profile's path.
func export(files map[string]string) string {
	dir := GinkgoT().TempDir()
	for name, text := range files {
		Expect(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)).To(Succeed())
	}
	return filepath.Join(dir, "Profile.xml")
}

// assertions are the conformance statements the suite's requirements carry.
func assertions(s *suites.Suite) []string {
	var out []string
	for _, r := range s.Requirements {
		rules, _ := r.Params["rules"].([]any)
		for _, x := range rules {
			if m, ok := x.(map[string]any); ok && m["assert"] != nil {
				out = append(out, m["message"].(string))
			}
		}
	}
	return out
}

var _ = Describe("IGAMT exports", func() {
	It("refuses an ID defined twice, naming the file and line of both definitions", func() {
		for _, c := range []struct{ from, to, want string }{
			{`<Segment ID="PID_S"`, `<Segment ID="MSH_S"`, `Profile.xml:16: segment ID "MSH_S" is defined twice (first at Profile.xml:11)`},
			{`<Datatype ID="ST" Name="ST"/>`, `<Datatype ID="HD_S" Name="ST"/>`, `Profile.xml:24: data type ID "HD_S" is defined twice (first at Profile.xml:23)`},
			{`<Datatype ID="ST" Name="ST"/>`, `<Datatype Name="ST"/>`, `Profile.xml:23: Datatype has no ID`},
		} {
			text := strings.Replace(igamtProfile, c.from, c.to, 1)
			Expect(text).NotTo(Equal(igamtProfile))
			_, err := suites.Load(export(map[string]string{"Profile.xml": text}), nil)
			Expect(err).To(MatchError(ContainSubstring(c.want)), c.want)
		}
		twice := strings.Replace(igamtProfile, "  </Messages>", `    <Message ID="m1" Type="ADT" Event="A08" StructID="ADT_A01">
      <Segment Ref="MSH_S" Usage="R" Min="1" Max="1"/>
    </Message>
  </Messages>`, 1)
		_, err := suites.Load(export(map[string]string{"Profile.xml": twice}), nil)
		Expect(err).To(MatchError(ContainSubstring(`Profile.xml:9: message ID "m1" is defined twice (first at Profile.xml:5)`)))
	})

	It("refuses a value set defined twice across the libraries beside the profile", func() {
		library := func(id string) string {
			return `<ValueSetLibrary><ValueSetDefinitions>
<ValueSetDefinition BindingIdentifier="` + id + `" Extensibility="Closed"><ValueElement Value="A"/></ValueSetDefinition>
</ValueSetDefinitions></ValueSetLibrary>`
		}
		_, err := suites.Load(export(map[string]string{"Profile.xml": igamtProfile, "a.xml": library("VS1"), "b.xml": library("VS1")}), nil)
		Expect(err).To(MatchError(MatchRegexp(`b\.xml:2: value set "VS1" is defined twice \(first at a\.xml:2\)`)))
		s, err := suites.Load(export(map[string]string{"Profile.xml": igamtProfile, "a.xml": library("VS1"), "b.xml": library("VS2")}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Description).To(ContainSubstring("value sets a.xml, b.xml"))
	})

	It("reads every ConformanceContext beside the profile, and names each statement's own file", func() {
		s, err := suites.Load(export(map[string]string{
			"Profile.xml": igamtProfile,
			"one.xml":     constraints(statement("C-1", "1")),
			"two.xml": constraints(statement("C-2", "1") + `
        <Constraint ID="C-3" Target="1[1]"><Assertion><Plugin QualifiedClassName="x.Y"/></Assertion></Constraint>
        <Constraint ID="C-4" Target="1[1]"><Assertion><PlainText Path="1[1]" Text="1" NotPresentBehavior="INCONCLUSIVE"/></Assertion></Constraint>`),
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(assertions(s)).To(ConsistOf("C-1: PID-1 is 1", "C-2: PID-1 is 1"))
		Expect(s.Description).To(ContainSubstring("its constraints one.xml, two.xml"))
		Expect(s.Description).To(ContainSubstring("conformance statement C-3 (a Plugin expression; two.xml:10)"))
		Expect(s.Description).To(ContainSubstring("conformance statement C-4 (a PlainText whose NotPresentBehavior is INCONCLUSIVE; two.xml:11)"))
	})

	It("refuses a file beside the profile it cannot read, naming it, rather than skip its rules", func() {
		path := export(map[string]string{"Profile.xml": igamtProfile})
		// A link to nothing cannot be read, even by root (as CI runs).
		Expect(os.Symlink(filepath.Join(filepath.Dir(path), "gone"), filepath.Join(filepath.Dir(path), "Constraints.xml"))).To(Succeed())
		_, err := suites.Load(path, nil)
		Expect(err).To(MatchError(MatchRegexp(`Profile\.xml: reading .*Constraints\.xml beside it: `)))
	})

	It("refuses two predicates on one element of a context, naming both", func() {
		pred := func(id string) string {
			return `<Predicate ID="` + id + `" Target="2[1]" TrueUsage="R" FalseUsage="X">
          <Condition><Presence Path="1[1]"/></Condition></Predicate>`
		}
		ctx := `<ConformanceContext><Predicates><Segment><ByID ID="PID_S">
        ` + pred("P-1") + `
        ` + pred("P-2") + `
</ByID></Segment></Predicates></ConformanceContext>`
		_, err := suites.Load(export(map[string]string{"Profile.xml": igamtProfile, "Constraints.xml": ctx}), nil)
		Expect(err).To(MatchError(MatchRegexp(`Constraints\.xml:4: a second predicate on the element at 2\[1\] of Segment/PID_S \(the first is at Constraints\.xml:2\)`)))
	})

	It("reads the constraints beside a profile given by a relative path", func() {
		path := export(map[string]string{"Profile.xml": igamtProfile, "Constraints.xml": constraints(statement("C-1", "1"))})
		wd, err := os.Getwd()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(os.Chdir, wd)
		Expect(os.Chdir(filepath.Dir(path))).To(Succeed())
		s, err := suites.Load("./Profile.xml", nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(assertions(s)).To(ConsistOf("C-1: PID-1 is 1"))
		Expect(s.Description).To(ContainSubstring("its constraints Constraints.xml."))
	})

	It("lists the expressions it cannot evaluate, with why and where", func() {
		s, err := suites.Load(export(map[string]string{
			"Profile.xml": igamtProfile,
			"Constraints.xml": constraints(`
        <Constraint ID="E-1" Target="1[1]"><Assertion><PathValue Path1="1[1]" Operator="EQ" Path2="3[*].1[1]"/></Assertion></Constraint>
        <Constraint ID="E-2" Target="1[1]"><Assertion><PathValue Path1="1[1]" Operator="EQ" Path2="2[1]" Path1Mode="2"/></Assertion></Constraint>
        <Constraint ID="E-3" Target="1[1]"><Assertion><ValueSet Path="1[1]" ValueSetID="NONE" BindingStrength="R" BindingLocation="1"/></Assertion></Constraint>
        <Constraint ID="E-4" Target="1[1]"><Assertion><ValueSet Path="1[1]" ValueSetID="VS" BindingStrength="S" BindingLocation="1"/></Assertion></Constraint>
        <Constraint ID="E-5" Target="1[1]"><Assertion><SimpleValue Path="1[1]" Operator="LT" Value="1" Type="Colour"/></Assertion></Constraint>
        <Constraint ID="E-6" Target="1[1]"><Assertion><SimpleValue Path="1[1]" Operator="LT" Value="one" Type="Number"/></Assertion></Constraint>`),
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		for _, want := range []string{
			"conformance statement E-1 (a PathValue whose second path reads every repetition; Constraints.xml:7)",
			`conformance statement E-2 (a PathValue counting occurrences (Path1Mode 2); Constraints.xml:8)`,
			"conformance statement E-3 (a ValueSet expression on NONE, which has no closed list in the value set library; Constraints.xml:9)",
			"conformance statement E-4 (a ValueSet expression with a suggested binding (VS); Constraints.xml:10)",
			"conformance statement E-5 (a SimpleValue comparing Colour values with LT; Constraints.xml:11)",
			`conformance statement E-6 (a SimpleValue whose value "one" is not a number; Constraints.xml:12)`,
		} {
			Expect(s.Description).To(ContainSubstring(want))
		}
		Expect(assertions(s)).To(BeEmpty())
	})

	It("refuses a ConfLength that is not a conformance length, naming its file and line", func() {
		text := strings.Replace(igamtProfile, `<Component Name="Universal ID" Usage="RE" Datatype="ST"/>`, `<Component Name="Universal ID" Usage="RE" Datatype="ST" ConfLength="20=#"/>`, 1)
		Expect(text).NotTo(Equal(igamtProfile))
		_, err := suites.Load(export(map[string]string{"Profile.xml": text}), nil)
		Expect(err).To(MatchError(MatchRegexp(`Profile\.xml:26: ConfLength "20=#" is not a conformance length`)))
	})
})
