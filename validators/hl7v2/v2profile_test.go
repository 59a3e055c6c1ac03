package hl7v2_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/suites"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// profileFindings loads an HL7 v2 XML conformance profile as a suite and
// returns "requirement code@path" for every finding on text at sev or above.
func profileFindings(file, text string, sev model.Severity) []string {
	reg := check.NewRegistry()
	v2.Register(reg)
	s, err := suites.Load(file, reg)
	Expect(err).NotTo(HaveOccurred())
	rec := record(text)
	var out []string
	for _, r := range s.Requirements {
		c, err := reg.Compile(r.Spec(), &check.Env{Context: context.Background()})
		Expect(err).NotTo(HaveOccurred(), r.ID)
		for _, f := range observe(c, rec) {
			if f.Severity >= sev {
				out = append(out, r.ID+" "+f.Code+"@"+f.Path)
			}
		}
	}
	return out
}

var _ = Describe("HL7 v2 XML conformance profiles as suites", func() {
	nhs := filepath.Join("..", "..", "examples", "hl7v2", "nhs-adt-a01-profile.xml")
	good := segs(`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.4`,
		"EVN|A01|20240101120000",
		"PID|1||633^^^RX1^MR~9434765919^^^NHS^NH||SMITH^JOHN||19800101|M|||1 ST^^LEEDS^^LS1||0113",
		"PV1|1|I|W1^^^RX1")

	It("registers the profile's segments as the suite's requirements, each located in the file", func() {
		reg := check.NewRegistry()
		v2.Register(reg)
		s, err := suites.Load(nhs, reg)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ID).To(Equal("NHS-ADT-A01-ITK-v2.4"))
		var ids []string
		for _, r := range s.Requirements {
			ids = append(ids, r.ID)
			Expect(r.At).To(MatchRegexp(`nhs-adt-a01-profile\.xml:\d+$`))
			Expect(r.Level).To(Equal(model.Shall))
		}
		Expect(ids).To(Equal([]string{"ADT_A01-MESSAGE", "ADT_A01-STRUCTURE", "ADT_A01-MSH", "ADT_A01-EVN", "ADT_A01-PID", "ADT_A01-PV1"}))
		Expect(profileFindings(nhs, good, model.Information)).To(BeEmpty())
	})

	DescribeTable("enforces the NHS profile's usage, cardinality, lengths, data types and bindings",
		func(edit func(string) string, want ...string) {
			Expect(profileFindings(nhs, edit(good), model.Warning)).To(Equal(want))
		},
		Entry("MSH-16 is X", func(s string) string { return strings.Replace(s, "|P|2.4", "|P|2.4||||AL", 1) },
			"ADT_A01-MSH profile.usage@MSH[1].16[1]"),
		Entry("PID-2 is X", func(s string) string { return strings.Replace(s, "PID|1||", "PID|1|X1|", 1) },
			"ADT_A01-PID profile.usage@PID[1].2[1]"),
		Entry("CX.5 is R", func(s string) string { return strings.Replace(s, "^^^NHS^NH|", "^^^NHS|", 1) },
			"ADT_A01-PID profile.usage@PID[1].3[2].5"),
		Entry("PV1 is R", func(s string) string { return s[:strings.Index(s, "PV1|")] },
			"ADT_A01-STRUCTURE profile.usage@PV1"),
		Entry("PID at most once", func(s string) string {
			i := strings.Index(s, "PID|")
			j := strings.Index(s, "PV1|")
			return s[:j] + s[i:j] + s[j:]
		}, "ADT_A01-STRUCTURE profile.cardinality@PID[2]"),
		Entry("PID before EVN", func(s string) string {
			i := strings.Index(s, "EVN|")
			j := strings.Index(s, "PID|")
			k := strings.Index(s, "PV1|")
			return s[:i] + s[j:k] + s[i:j] + s[k:]
		}, "ADT_A01-STRUCTURE profile.usage@EVN", "ADT_A01-STRUCTURE profile.cardinality@EVN[1]"),
		Entry("MSH-4.1 at most 5 characters", func(s string) string { return strings.Replace(s, "|PAS|RX1|", "|PAS|RX1ABC|", 1) },
			"ADT_A01-MSH profile.length@MSH[1].4[1].1"),
		Entry("PID-7 a TS", func(s string) string { return strings.Replace(s, "19800101", "19801301", 1) },
			"ADT_A01-PID profile.datatype@PID[1].7[1]"),
		Entry("PID-8 bound to table 0001", func(s string) string { return strings.Replace(s, "|19800101|M|", "|19800101|Q|", 1) },
			"ADT_A01-PID profile.table@PID[1].8[1]"),
		Entry("MSH-11.1 bound to table 0103", func(s string) string { return strings.Replace(s, "|C1|P|", "|C1|Z|", 1) },
			"ADT_A01-MSH profile.table@MSH[1].11[1].1"),
		Entry("the event the profile is for", func(s string) string { return strings.Replace(s, "ADT^A01^ADT_A01", "ADT^A02^ADT_A02", 1) },
			"ADT_A01-MESSAGE profile.message-type@MSH[1].9"),
	)

	usage := filepath.Join("testdata", "usage-profile.xml")
	oru := func(lines ...string) string {
		return segs(append([]string{`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C2|P|2.5.1`}, lines...)...)
	}
	DescribeTable("reads every usage code, group context and repetition bound",
		func(text string, want []string) {
			got := profileFindings(usage, text, model.Information)
			Expect(got).To(ConsistOf(want)) // nil: no finding
		},
		Entry("a conformant message", oru("PID|1||A1", "OBR|1", "OBX|1|NM"), nil),
		Entry("RE group absent, RE field empty: R inside them is not required", oru("OBR|1"), nil),
		Entry("RE field empty in a present segment: information", oru("PID|||A1", "OBR|1"),
			[]string{"ORU_R01-PID profile.usage@PID[1].1"}),
		Entry("C field: its predicate is not evaluated, any value passes", oru("PID|1|P9|A1", "OBR|1"), nil),
		Entry("X segment present", oru("SFT|x", "OBR|1"), []string{"ORU_R01-STRUCTURE profile.usage@SFT[1]"}),
		Entry("R group missing", oru("PID|1||A1"), []string{"ORU_R01-STRUCTURE profile.usage@ORDER_OBSERVATION"}),
		Entry("field repeating more than Max", oru("PID|1||A1~A2~A3", "OBR|1"), []string{"ORU_R01-PID profile.cardinality@PID[1].3"}),
		Entry("value type longer than 3 and not in table 0125", oru("OBR|1", "OBX|1|NMXX"),
			[]string{"ORU_R01-OBX profile.length@OBX[1].2[1]", "ORU_R01-OBX profile.table@OBX[1].2[1]"}),
	)

	// Group usage and cardinality are counted in each instance of the group
	// around them, as the structure matcher places the segments.
	groups := filepath.Join("testdata", "groups-profile.xml")
	msh := `MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C3|P|2.5.1`
	pid := "PID|1||123^^^RX1&2.16.840.1.113883.19&ISO^MR"
	DescribeTable("enforces group usage and cardinality per group instance",
		func(lines []string, want []string) {
			got := profileFindings(groups, segs(append([]string{msh}, lines...)...), model.Information)
			Expect(got).To(ConsistOf(want)) // nil: no finding
		},
		Entry("two results, each with its orders and up to three observations", []string{
			pid, "OBR|1", "OBX|1", "OBX|2", "NTE|1", "OBX|3", "OBR|2", "OBX|1", "OBX|2", "OBX|3",
			pid, "OBR|1", "DSC|1"}, nil),
		Entry("an RE group left out", []string{"OBR|1"}, nil),
		Entry("a third PATIENT_RESULT, where Max is 2", []string{pid, "OBR|1", pid, "OBR|1", pid, "OBR|1"},
			// The third OBR still fits: the second result's orders repeat without limit.
			[]string{"ORU_R01-STRUCTURE profile.cardinality@PID[3]"}),
		Entry("a fourth OBSERVATION in one order, where Max is 3", []string{pid, "OBR|1", "OBX|1", "OBX|2", "OBX|3", "OBX|4"},
			[]string{"ORU_R01-STRUCTURE profile.cardinality@OBX[4]"}),
		Entry("the R group ORDER_OBSERVATION missing from a result", []string{pid},
			[]string{"ORU_R01-STRUCTURE profile.usage@ORDER_OBSERVATION"}),
		// Without its PID, the NK1 has no PATIENT group to be in.
		Entry("a segment of an RE group without the group's R segment", []string{"NK1|1", "OBR|1"},
			[]string{"ORU_R01-STRUCTURE profile.cardinality@NK1[1]"}),
		Entry("a group with usage X present", []string{pid, "OBR|1", "SPM|1"},
			[]string{"ORU_R01-STRUCTURE profile.usage@SPM[1]"}),
		Entry("a segment the profile does not list (a warning)", []string{pid, "PV1|1", "OBR|1"},
			[]string{"ORU_R01-STRUCTURE profile.structure@PV1[1]"}),
		Entry("a segment out of order", []string{pid, "DSC|1", "OBR|1"},
			[]string{"ORU_R01-STRUCTURE profile.cardinality@DSC[1]"}),
	)

	It("reads a segment's Max that is not a number as unbounded, as for fields, never as not used", func() {
		data, err := os.ReadFile(groups)
		Expect(err).NotTo(HaveOccurred())
		odd := strings.Replace(string(data), `<Segment Name="NK1" Usage="O" Min="0" Max="2"/>`, `<Segment Name="NK1" Usage="O" Min="0" Max="many"/>`, 1)
		Expect(odd).NotTo(Equal(string(data)))
		file := filepath.Join(GinkgoT().TempDir(), "odd-max.xml")
		Expect(os.WriteFile(file, []byte(odd), 0o644)).To(Succeed())
		Expect(profileFindings(file, segs(msh, pid, "NK1|1", "NK1|2", "NK1|3", "OBR|1"), model.Information)).To(BeEmpty())
	})

	DescribeTable("enforces subcomponents in each component that is present",
		func(id string, want []string) {
			got := profileFindings(groups, segs(msh, "PID|1||"+id, "OBR|1"), model.Information)
			Expect(got).To(ConsistOf(want)) // nil: no finding
		},
		Entry("namespace, universal ID and its type", "123^^^RX1&2.16.840.1.113883.19&ISO^MR", nil),
		Entry("no assigning authority: its R subcomponent is not required", "123^^^^MR",
			[]string{"ORU_R01-PID profile.usage@PID[1].3"}),
		Entry("R subcomponent empty in a present component", "123^^^&2.16.840.1.113883.19&ISO^MR",
			[]string{"ORU_R01-PID profile.usage@PID[1].3[1].4.1"}),
		Entry("subcomponent longer than its Length", "123^^^TOOLONG^MR",
			[]string{"ORU_R01-PID profile.length@PID[1].3[1].4.1", "ORU_R01-PID profile.usage@PID[1].3"}),
		Entry("subcomponent bound to table 0301", "123^^^RX1&2.16.840.1.113883.19&OID^MR",
			[]string{"ORU_R01-PID profile.table@PID[1].3[1].4.3"}),
		Entry("C subcomponent: required when the universal ID is valued", "123^^^RX1&2.16.840.1.113883.19^MR",
			[]string{"ORU_R01-PID profile.usage@PID[1].3[1].4.3"}),
		Entry("C subcomponent: not used when it is not, judged per repetition", "123^^^RX1&2.16.840.1.113883.19&ISO^MR~456^^^RX1&&ISO^MR",
			[]string{"ORU_R01-PID profile.usage@PID[1].3[2].4.3"}),
	)

	// "" is the standard's explicit null: present for usage and cardinality
	// (it tells the receiver to delete the value), with no value for a
	// length or data type to judge, as in the standard checks.
	nulls := filepath.Join("testdata", "null-profile.xml")
	nullPID := func(pid string) string {
		return segs(`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5.1`, "PID|"+pid)
	}
	DescribeTable("reads an explicit null as present, with no value to check",
		func(pid string, want []string) {
			got := profileFindings(nulls, nullPID(pid), model.Information)
			Expect(got).To(ConsistOf(want)) // nil: no finding
		},
		Entry("a conformant message", "1||A1^^^^^^20240101||||19800101|M", nil),
		Entry("null in a DT component with lengths: no data type or length finding", `1||A1^^^^^^""||||19800101|M`, nil),
		Entry("null in a required DT field: present, not malformed", `1||A1^^^^^^20240101||||""|M`, nil),
		Entry("null repetition: its required components are not asked for", `1||A1^^^^^^20240101~""||||19800101|M`, nil),
		Entry("null field: present for its usage, its components not asked for", `1||""||||19800101|M`, nil),
		Entry("null in an RE field: present, nothing to report", `1||A1^^^^^^20240101||||19800101|""`, nil),
		Entry("RE field empty, for contrast", "1||A1^^^^^^20240101||||19800101|",
			[]string{"ADT_A01-PID profile.usage@PID[1].8"}),
		Entry("required DT component empty, for contrast", "1||A1||||19800101|M",
			[]string{"ADT_A01-PID profile.usage@PID[1].3[1].7"}),
		Entry("malformed DT component", "1||A1^^^^^^20241301||||19800101|M",
			[]string{"ADT_A01-PID profile.datatype@PID[1].3[1].7"}),
		Entry("DT component shorter than its MinLength", "1||A1^^^^^^2024||||19800101|M",
			[]string{"ADT_A01-PID profile.length@PID[1].3[1].7"}),
		Entry("quoted text that is not the null is a value", `1||A1^^^^^^"2024"||||19800101|M`,
			[]string{"ADT_A01-PID profile.datatype@PID[1].3[1].7", "ADT_A01-PID profile.length@PID[1].3[1].7"}),
		Entry("malformed DT field", "1||A1^^^^^^20240101||||19801301|M",
			[]string{"ADT_A01-PID profile.datatype@PID[1].7[1]"}),
		Entry("null in an X field: it is sent", `1|""|A1^^^^^^20240101||||19800101|M`,
			[]string{"ADT_A01-PID profile.usage@PID[1].2[1]"}),
	)

	// Conditional usage: the predicate decides the element's usage where
	// carecert can read it; where it cannot, nothing is checked and the
	// suite says so.
	conditional := filepath.Join("testdata", "conditional-profile.xml")
	adt := func(pid, pv1 string) string {
		return segs(`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5.1`, "PID|"+pid, "PV1|"+pv1)
	}
	DescribeTable("evaluates C and CE predicates it can read",
		func(pid, pv1 string, want []string) {
			got := profileFindings(conditional, adt(pid, pv1), model.Information)
			Expect(got).To(ConsistOf(want)) // nil: no finding
		},
		Entry("identifiers with their authority, no PID-2", "1||123^^^H^MR||DOE^JO", "1|O", nil),
		Entry("C: PID-2 required when PID-3 is not valued", "1||||DOE^JO", "1|O",
			[]string{"ADT_A01-PID profile.usage@PID[1].2"}),
		Entry("C: PID-2 not used when PID-3 is valued", "1|P9|123^^^H^MR||DOE^JO", "1|O",
			[]string{"ADT_A01-PID profile.usage@PID[1].2[1]"}),
		Entry("C on a component: the authority required when the ID is valued", "1||123^^^^MR||DOE^JO", "1|O",
			[]string{"ADT_A01-PID profile.usage@PID[1].3[1].4"}),
		Entry("TrueUsage R: PID-29 required when PID-30 is Y", "1||123^^^H^MR||DOE^JO"+strings.Repeat("|", 25)+"Y", "1|O",
			[]string{"ADT_A01-PID profile.usage@PID[1].29"}),
		Entry("FalseUsage X: PID-29 not used when PID-30 is N (a code test's false branch)", "1||123^^^H^MR||DOE^JO"+strings.Repeat("|", 24)+"20240101|N", "1|O",
			[]string{"ADT_A01-PID profile.usage@PID[1].29[1]"}),
		Entry("FalseUsage X: nor when PID-30 is empty", "1||123^^^H^MR||DOE^JO"+strings.Repeat("|", 24)+"20240101", "1|O",
			[]string{"ADT_A01-PID profile.usage@PID[1].29[1]"}),
		Entry("PID-30 N without PID-29", "1||123^^^H^MR||DOE^JO"+strings.Repeat("|", 25)+"N", "1|O", nil),
		Entry("CE with a list: PV1-3 expected for an inpatient (information)", "1||123^^^H^MR||DOE^JO", "1|I",
			[]string{"ADT_A01-PV1 profile.usage@PV1[1].3"}),
		Entry("CE with a list: PV1-3 not used for an outpatient (its false branch, X)", "1||123^^^H^MR||DOE^JO", "1|O|W1",
			[]string{"ADT_A01-PV1 profile.usage@PV1[1].3[1]"}),
		Entry("an unreadable predicate: PID-5 is not checked either way", "1||123^^^H^MR", "1|O", nil),
	)

	DescribeTable("evaluates the predicates of conditional segments and groups, in the message or each instance of their group",
		func(pv1 string, more []string, want ...string) {
			lines := append([]string{`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5.1`,
				"PID|1||123^^^H^MR||DOE^JO", "PV1|" + pv1}, more...)
			Expect(profileFindings(conditional, segs(lines...), model.Warning)).To(ConsistOf(want))
		},
		Entry("neither predicate holds and neither element is there", "1|O", nil),
		Entry("a segment required when its predicate holds (and PROCEDURE, on the same)", "1|O||E", nil,
			"ADT_A01-STRUCTURE profile.usage@PV2", "ADT_A01-STRUCTURE profile.usage@PR1"),
		Entry("and present", "1|O||E", []string{"PV2|"}, "ADT_A01-STRUCTURE profile.usage@PR1"),
		Entry("a segment not used when it does not", "1|O", []string{"PV2|"}, "ADT_A01-STRUCTURE profile.usage@PV2[1]"),
		Entry("a group required when its predicate holds", "1|O"+strings.Repeat("|", 18)+"C1", nil, "ADT_A01-STRUCTURE profile.usage@IN1"),
		Entry("and present", "1|O"+strings.Repeat("|", 18)+"C1", []string{"IN1|1"}),
		Entry("a group not used when it does not", "1|O", []string{"IN1|1", "IN2|"}, "ADT_A01-STRUCTURE profile.usage@IN1[1]"),
		Entry("a repeating conditional group not used when its predicate does not hold", "1|O", []string{"PR1|1", "PR1|2"},
			"ADT_A01-STRUCTURE profile.usage@PR1[1]"),
		Entry("required when it holds", "1|O||E", []string{"PV2|"}, "ADT_A01-STRUCTURE profile.usage@PR1"),
		Entry("and there, twice", "1|O||E", []string{"PV2|", "PR1|1", "PR1|2"}),
		// ROL: required in each PROCEDURE whose PR1-3 is valued, not used in the others.
		Entry("a conditional segment in each instance of a repeating group", "1|O||E", []string{"PV2|", "PR1|1||P1", "ROL|1", "PR1|2"}),
		Entry("missing from the instance whose predicate holds", "1|O||E", []string{"PV2|", "PR1|1||P1", "PR1|2", "ROL|1"},
			"ADT_A01-STRUCTURE profile.usage@ROL", "ADT_A01-STRUCTURE profile.usage@ROL[1]"),
	)

	It("names the conditional elements it cannot evaluate in the suite's description", func() {
		s, err := suites.Load(conditional, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Description).To(ContainSubstring("PID-5 (conditional-profile.xml:"))
		Expect(s.Description).NotTo(ContainSubstring("PID-2 ("))
		Expect(s.Description).NotTo(ContainSubstring("the usage of group PROCEDURE"))
		Expect(s.Description).NotTo(ContainSubstring("the usage of group INSURANCE"))
	})

	It("says where a profile that cannot be read is wrong", func() {
		bad := filepath.Join(GinkgoT().TempDir(), "bad.xml")
		Expect(os.WriteFile(bad, []byte("<HL7v2xConformanceProfile>\n  <HL7v2xStaticDef MsgType=\"ADT\">\n</HL7v2xConformanceProfile>"), 0o644)).To(Succeed())
		_, err := suites.Load(bad, nil)
		Expect(err).To(MatchError(MatchRegexp(`bad\.xml:3:\d+: `)))
		empty := filepath.Join(GinkgoT().TempDir(), "empty.xml")
		Expect(os.WriteFile(empty, []byte(`<HL7v2xConformanceProfile><MetaData Name="E"/></HL7v2xConformanceProfile>`), 0o644)).To(Succeed())
		_, err = suites.Load(empty, nil)
		Expect(err).To(MatchError(ContainSubstring("empty.xml:1: no HL7v2xStaticDef")))
	})

	// A TS before 2.6 is a composite: its time, then its degree of precision.
	// One that sends no time ("^Y", "^") is no value: a profile's usage says
	// whether it may be missing, never a pass as a valued element (main after
	// 83dd289 passed it whatever the usage). A DTM has no parts to read: "^Y"
	// is a malformed one.
	tsProfile := func(version, field, usage string) string {
		fields := func(n int, at int, typ string, inner string) string {
			var b strings.Builder
			for i := 1; i <= n; i++ {
				if i == at {
					fmt.Fprintf(&b, `<Field Name="F%d" Usage="%s" Min="0" Max="1" Datatype="%s">%s</Field>`, i, usage, typ, inner)
					continue
				}
				fmt.Fprintf(&b, `<Field Name="F%d" Usage="O" Min="0" Max="*" Datatype="ST"/>`, i)
			}
			return b.String()
		}
		pid, pv1 := fields(1, 0, "", ""), fields(1, 0, "", "")
		switch field {
		case "PID-7":
			pid = fields(7, 7, "TS", "")
		case "PID-29":
			pid = fields(29, 29, "DTM", "")
		case "PV1-37.2":
			// The field is R when its component is judged: a component's
			// usage applies inside a field that is present.
			pv1 = strings.Replace(fields(37, 37, "DLD", `<Component Name="Location" Usage="O" Datatype="IS"/><Component Name="Effective Date" Usage="`+usage+`" Datatype="TS"/>`),
				`Name="F37" Usage="`+usage+`"`, `Name="F37" Usage="R"`, 1)
		}
		return fmt.Sprintf(`<HL7v2xConformanceProfile HL7Version="%s" ProfileType="Implementation"><MetaData Name="TS"/>`+
			`<HL7v2xStaticDef MsgType="ADT" EventType="A01" MsgStructID="ADT_A01"><Segment Name="MSH" Usage="R" Min="1" Max="1"/><Segment Name="EVN" Usage="R" Min="1" Max="1"/>`+
			`<Segment Name="PID" Usage="R" Min="1" Max="1">%s</Segment><Segment Name="PV1" Usage="R" Min="1" Max="1">%s</Segment>`+
			`</HL7v2xStaticDef></HL7v2xConformanceProfile>`, version, pid, pv1)
	}
	tsMessage := func(version, field, value string) string {
		pid := "PID|1||A1"
		pv1 := "PV1|1|I"
		switch field {
		case "PID-7":
			pid = "PID|1||A1||||" + value
		case "PID-29":
			pid = "PID|1||A1" + strings.Repeat("|", 26) + value
		case "PV1-37.2":
			pv1 = "PV1|1|I" + strings.Repeat("|", 35) + "HOME^" + strings.ReplaceAll(value, "^", "&")
		}
		return segs(`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|`+version, "EVN|A01|20240101120000", pid, pv1)
	}
	type tsCase struct{ field, usage, value, want string }
	tsCases := []tsCase{
		// PID-7, a TS field.
		{"PID-7", "R", "^Y", "PID-7 usage(E)@PID[1].7"},
		{"PID-7", "R", "^", "PID-7 usage(E)@PID[1].7"},
		{"PID-7", "R", "198001011230^M", ""},
		{"PID-7", "R", "19800101", ""},
		{"PID-7", "R", `""`, ""},
		{"PID-7", "R", `""^Y`, ""},
		{"PID-7", "R", "19801301^D", "PID-7 datatype(E)@PID[1].7[1]"},
		{"PID-7", "RE", "^Y", "PID-7 usage(I)@PID[1].7"},
		{"PID-7", "RE", "^", "PID-7 usage(I)@PID[1].7"},
		{"PID-7", "RE", "198001011230^M", ""},
		{"PID-7", "O", "^Y", ""},
		{"PID-7", "O", "^", ""},
		{"PID-7", "O", "198001011230^M", ""},
		{"PID-7", "O", "19801301^D", "PID-7 datatype(E)@PID[1].7[1]"},
		{"PID-7", "X", "^Y", "PID-7 usage(E)@PID[1].7[1]"},
		// PV1-37.2, a TS component (DLD.2): its parts are subcomponents.
		{"PV1-37.2", "R", "^Y", "PV1-37.2 usage(E)@PV1[1].37[1].2"},
		{"PV1-37.2", "R", "^", "PV1-37.2 usage(E)@PV1[1].37[1].2"},
		{"PV1-37.2", "R", "20240101^D", ""},
		{"PV1-37.2", "R", "20240101", ""},
		{"PV1-37.2", "R", "20241301^D", "PV1-37.2 datatype(E)@PV1[1].37[1].2"},
		{"PV1-37.2", "RE", "^Y", "PV1-37.2 usage(I)@PV1[1].37"},
		{"PV1-37.2", "RE", "20240101^D", ""},
		{"PV1-37.2", "O", "^Y", ""},
		{"PV1-37.2", "O", "20240101^D", ""},
		// PID-29, a DTM field: it has no parts, so "^Y" is malformed.
		{"PID-29", "R", "^Y", "PID-29 datatype(E)@PID[1].29[1]"},
		{"PID-29", "O", "^Y", "PID-29 datatype(E)@PID[1].29[1]"},
		{"PID-29", "R", "20240101", ""},
	}
	var tsEntries []TableEntry
	for _, version := range []string{"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"} {
		for _, c := range tsCases {
			for _, placement := range []string{"ER7", "batch", "framed"} {
				tsEntries = append(tsEntries, Entry(fmt.Sprintf("%s %s %s %q, HL7 %s, %s", c.field, c.usage, "sends", c.value, version, placement), version, placement, c))
			}
		}
	}
	DescribeTable("reads a TS that sends no time as missing, by the element's usage",
		func(version, placement string, c tsCase) {
			file := filepath.Join(GinkgoT().TempDir(), "ts.xml")
			Expect(os.WriteFile(file, []byte(tsProfile(version, c.field, c.usage)), 0o644)).To(Succeed())
			reg := check.NewRegistry()
			v2.Register(reg)
			s, err := suites.Load(file, reg)
			Expect(err).NotTo(HaveOccurred())
			rec := placed(placement, tsMessage(version, c.field, c.value))
			var got []string
			for _, r := range s.Requirements {
				comp, err := reg.Compile(r.Spec(), &check.Env{Context: context.Background()})
				Expect(err).NotTo(HaveOccurred(), r.ID)
				for _, f := range observe(comp, rec) {
					got = append(got, fmt.Sprintf("%s %s(%s)@%s", c.field, strings.TrimPrefix(f.Code, "profile."), strings.ToUpper(f.Severity.String()[:1]), f.Path))
				}
			}
			if c.want == "" {
				Expect(got).To(BeEmpty())
				return
			}
			Expect(got).To(ConsistOf(c.want))
		},
		tsEntries,
	)

	It("finds the NHS profile's required birth date missing when it sends only its degree of precision", func() {
		for _, v := range []string{"^Y", "^"} {
			Expect(profileFindings(nhs, strings.Replace(good, "|19800101|", "|"+v+"|", 1), model.Error)).
				To(ConsistOf("ADT_A01-PID profile.usage@PID[1].7"), v)
		}
	})
})
