package hl7v2_test

import (
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

// An IGAMT export: a profile whose messages refer to shared segments and
// data types, with its predicates and conformance statements in the
// constraints file beside it.
var _ = Describe("HL7 v2 conformance profiles exported by IGAMT", func() {
	profile := filepath.Join("testdata", "igamt", "Profile.xml")
	good := []string{
		`MSH|^~\&|APP^1.2.3^ISO|FAC|||20240101120000||ADT^A04^ADT_A01|C1|P|2.5.1`,
		"EVN|A04|20240101120000",
		"PID|1||123^^^H^MR||DOE^JOHN||19800101|M",
		"PV1|1|O",
	}
	edit := func(seg, from, to string) []string {
		out := append([]string{}, good...)
		for i, l := range out {
			if strings.HasPrefix(l, seg+"|") {
				Expect(l).To(ContainSubstring(from))
				out[i] = strings.Replace(l, from, to, 1)
			}
		}
		return out
	}
	// truncating declares # the truncation character (MSH-2's fifth, 2.7+).
	truncating := func(lines []string) []string {
		lines[0] = strings.Replace(lines[0], `|^~\&|`, `|^~\&#|`, 1)
		return lines
	}
	// dated gives EVN-2 and PID-7 these values.
	dated := func(recorded, birth string) []string {
		out := append([]string{}, good...)
		out[1] = "EVN|A04|" + recorded
		out[2] = strings.Replace(out[2], "19800101", birth, 1)
		return out
	}
	with := func(lines ...string) []string {
		out := append([]string{}, good...)
		return append(out, lines...)
	}

	It("reads the export and its constraints as a suite: structure, segments, and what it cannot evaluate", func() {
		reg := check.NewRegistry()
		v2.Register(reg)
		s, err := suites.Load(profile, reg)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ID).To(Equal("IGAMT-export-test"))
		var ids []string
		for _, r := range s.Requirements {
			ids = append(ids, r.ID)
			Expect(r.At).To(MatchRegexp(`Profile\.xml:\d+$`))
		}
		Expect(ids).To(Equal([]string{"ADT_A04-MESSAGE", "ADT_A04-STRUCTURE", "ADT_A04-MSH", "ADT_A04-EVN",
			"ADT_A04-PID", "ADT_A04-NK1", "ADT_A04-PV1", "ADT_A04-IN1", "ADT_A04-IN2", "ADT_A04-ACC"}))
		Expect(s.Description).To(ContainSubstring("its constraints Constraints.xml and value sets ValueSets.xml"))
		for _, limit := range []string{
			"bindings to value sets carecert has no codes for: HL70004 (NoValidation in the library), HL70396_T",
		} {
			Expect(s.Description).To(ContainSubstring(limit))
		}
		Expect(profileFindings(profile, segs(good...), model.Warning)).To(BeEmpty())
		// RE elements left empty are information: HD.2 of MSH-4 and of PID-3's CX.4, and PID-30.
		Expect(profileFindings(profile, segs(good...), model.Information)).To(ConsistOf(
			"ADT_A04-MSH profile.usage@MSH[1].4", "ADT_A04-PID profile.usage@PID[1].3", "ADT_A04-PID profile.usage@PID[1].30"))
	})

	DescribeTable("enforces the export's structure, elements, predicates and conformance statements",
		func(lines []string, want ...string) {
			Expect(profileFindings(profile, segs(lines...), model.Warning)).To(ConsistOf(want))
		},
		// The structure: segments and groups with their usage and cardinality.
		Entry("PV1 missing", good[:3], "ADT_A04-STRUCTURE profile.usage@PV1"),
		Entry("a third NK1, where Max is 2", append(append(append([]string{}, good[:3]...), "NK1|1||SPO", "NK1|2||SPO", "NK1|3||SPO"), good[3]),
			"ADT_A04-STRUCTURE profile.cardinality@NK1[3]"),
		Entry("two INSURANCE groups", with("IN1|1|PUBLIC|9^^^H^PI", "IN2|", "IN1|2|PRIVATE|8^^^H^PI")),
		Entry("a third INSURANCE group, where Max is 2", with("IN1|1|PUBLIC|9^^^H^PI", "IN1|2|PUBLIC|9^^^H^PI", "IN1|3|PUBLIC|9^^^H^PI"),
			"ADT_A04-STRUCTURE profile.cardinality@IN1[3]"),
		// A message's predicate on a segment that occurs once.
		Entry("ACC required for an emergency", edit("PV1", "|O", "|E|W1"), "ADT_A04-STRUCTURE profile.usage@ACC"),
		Entry("ACC present for an outpatient", with("ACC|20240101"), "ADT_A04-STRUCTURE profile.usage@ACC[1]"),
		// Fields, components and subcomponents from the shared definitions.
		Entry("a subcomponent longer than its MaxLength (XPN.1 is FN)", edit("PID", "DOE^JOHN", "DOEDOEDOEDOE^JOHN"),
			"ADT_A04-PID profile.length@PID[1].5[1].1.1"),
		Entry("a field bound to HL7 table 0001 (and T-15's value set)", edit("PID", "|M", "|Q"), "ADT_A04-PID profile.table@PID[1].8[1]",
			"ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("a component bound to a closed value set of the library", append(append(append([]string{}, good[:3]...), "NK1|1||CHD"), good[3])),
		Entry("a code outside it", append(append(append([]string{}, good[:3]...), "NK1|1||XYZ"), good[3]),
			"ADT_A04-NK1 profile.value-set@NK1[1].3[1].1"),
		Entry("a code the value set excludes", append(append(append([]string{}, good[:3]...), "NK1|1||UNK"), good[3]),
			"ADT_A04-NK1 profile.value-set@NK1[1].3[1].1"),
		Entry("a binding the library marks NoValidation is not checked", edit("PV1", "|O", "|Z")),
		Entry("a field with usage X", edit("PID", "PID|1||", "PID|1|77|"), "ADT_A04-PID profile.usage@PID[1].2[1]"),
		// Predicates of a segment and of a data type, both branches.
		Entry("PV1-3 required for an inpatient", edit("PV1", "|O", "|I"), "ADT_A04-PV1 profile.usage@PV1[1].3"),
		Entry("PV1-3 optional for an outpatient", edit("PV1", "|O", "|O|W1")),
		Entry("PID-29 not used unless PID-30 is Y", edit("PID", "|M", "|M"+strings.Repeat("|", 20)+"|20240101|N"),
			"ADT_A04-PID profile.usage@PID[1].29[1]"),
		Entry("PID-29 when PID-30 is Y", edit("PID", "|M", "|M"+strings.Repeat("|", 20)+"|20240101|Y")),
		Entry("HD.3 required when HD.2 is valued", edit("MSH", "APP^1.2.3^ISO", "APP^1.2.3"), "ADT_A04-MSH profile.usage@MSH[1].3[1].3"),
		Entry("HD.3 not used when HD.2 is not", edit("MSH", "APP^1.2.3^ISO", "APP^^ISO"), "ADT_A04-MSH profile.usage@MSH[1].3[1].3"),
		// Conformance statements of a segment, a data type, a group and the message.
		Entry("T-1: MSH-12 is 2.5.1", edit("MSH", "|2.5.1", "|2.5"), "ADT_A04-MSH profile.conformance-statement@MSH[1]"),
		Entry("T-2: PID-1 is 1", edit("PID", "PID|1|", "PID|2|"), "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-3: no birth date when the sex is U (IgnoreCase)", edit("PID", "|M", "|U"), "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-4: CX.5 one of MR, NH, PI, in each repetition", edit("PID", "123^^^H^MR", "123^^^H^MR~456^^^H^DL"),
			"ADT_A04-PID profile.conformance-statement@PID[1].3[2]"),
		Entry("T-5: HD.2 an OID, in each HD the profile uses", edit("MSH", "APP^1.2.3^ISO", "APP^one.two^ISO"),
			"ADT_A04-MSH profile.conformance-statement@MSH[1].3[1]"),
		Entry("T-6: IN1-2.1 PUBLIC or PRIVATE, in each INSURANCE group", with("IN1|1|PUBLIC|9^^^H^PI", "IN1|2|OTHER|9^^^H^PI"),
			"ADT_A04-IN1 profile.conformance-statement@IN1[2]"),
		Entry("T-10: PV1-1 a positive number", edit("PV1", "PV1|1|", "PV1|0|"), "ADT_A04-PV1 profile.conformance-statement@PV1[1]"),
		Entry("T-10: not a number at all (nor an SI)", edit("PV1", "PV1|1|", "PV1|one|"),
			"ADT_A04-PV1 profile.conformance-statement@PV1[1]", "ADT_A04-PV1 profile.datatype@PV1[1].1[1]"),
		Entry("T-10: absent, which passes a value test", edit("PV1", "PV1|1|", "PV1||")),
		Entry("T-12: PV1-2 not N", edit("PV1", "|O", "|N"), "ADT_A04-PV1 profile.conformance-statement@PV1[1]"),
		Entry("T-7: EVN-1 is A04 when valued", edit("EVN", "EVN|A04", "EVN|A08"), "ADT_A04-EVN profile.conformance-statement@EVN[1]"),
		// SimpleValue on a date/time, read as the DTM it is (TS: its time).
		Entry("T-11: a birth date before 2100, at year precision", edit("PID", "19800101", "2000")),
		Entry("T-11: a birth date in 2100 (and T-19: after EVN-2)", edit("PID", "19800101", "21000101"),
			"ADT_A04-PID profile.conformance-statement@PID[1]", "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-13: a birth date before 1900 (a String SimpleValue on a TS)", edit("PID", "19800101", "189912312359"),
			"ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-13: 1900-01-01 at minute precision", edit("PID", "19800101", "190001010000")),
		// PathValue: in a segment and across the message's segments.
		Entry("T-14: a death before the birth", edit("PID", "|M", "|M"+strings.Repeat("|", 20)+"|19700101|Y"),
			"ADT_A04-PID profile.conformance-statement@PID[1]"),
		// (T-19 is tested in the first segment it reads: PID.)
		Entry("T-19: recorded before the birth", edit("EVN", "|20240101120000", "|19790101"), "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-19: recorded 00:30 at +0100, before a birth at midnight UTC (text would order them the other way)",
			dated("19800101003000+0100", "198001010000+0000"), "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-19: recorded 01:30 at +0100, after it", dated("19800101013000+0100", "198001010000+0000")),
		Entry("T-19: recorded on a local day before a zoned birth, in any zone the sender may be in", dated("19791231", "198001021200+0000"),
			"ADT_A04-PID profile.conformance-statement@PID[1]"),
		// ValueSet: a simple element and a coded one's location.
		Entry("T-15: a code of table 0001 outside value set SEX_T", edit("PID", "|M", "|O"), "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-18: IN1-2.1 outside value set PLAN_T (and T-6)", with("IN1|1|XYZ|9^^^H^PI"),
			"ADT_A04-IN1 profile.conformance-statement@IN1[1]", "ADT_A04-IN1 profile.conformance-statement@IN1[1]"),
		Entry("T-18: OTHER is in PLAN_T (T-6 says no)", with("IN1|1|OTHER|9^^^H^PI"), "ADT_A04-IN1 profile.conformance-statement@IN1[1]"),
		// SetID: NK1s numbered 1, 2 in the message.
		Entry("T-16: NK1s numbered 1 and 2", append(append(append([]string{}, good[:3]...), "NK1|1||SPO", "NK1|2||CHD"), good[3])),
		Entry("T-16: two NK1s numbered 1", append(append(append([]string{}, good[:3]...), "NK1|1||SPO", "NK1|1||CHD"), good[3]),
			"ADT_A04-NK1 profile.conformance-statement@NK1[2]"),
		// [*]: one PID-3 repetition of each is an MR.
		Entry("T-17: no PID-3 repetition is an MR", edit("PID", "123^^^H^MR", "123^^^H^NH"), "ADT_A04-PID profile.conformance-statement@PID[1]"),
		Entry("T-17: the second one is", edit("PID", "123^^^H^MR", "123^^^H^NH~456^^^H^MR")),
		// MinLength and ConfLength.
		Entry("XPN.2 shorter than its MinLength 2", edit("PID", "DOE^JOHN", "DOE^J"), "ADT_A04-PID profile.length@PID[1].5[1].2"),
		Entry("CX.1 longer than its ConfLength 10= but within its MaxLength: allowed", edit("PID", "123^^^H^MR", "12345678901^^^H^MR")),
		Entry("CX.1 ending with #, when the message declares no truncation character", edit("PID", "123^^^H^MR", "1234567890#^^^H^MR")),
		Entry("CX.1 truncated where its ConfLength 10= forbids it", truncating(edit("PID", "123^^^H^MR", "1234567890#^^^H^MR")),
			"ADT_A04-PID profile.truncated@PID[1].3[1].1"),
		Entry("XPN.2 truncated where its ConfLength 6# allows it", truncating(edit("PID", "DOE^JOHN", "DOE^JOHNNY#"))),
		Entry("CX.1 with an escaped #, which is not truncation", truncating(edit("PID", "123^^^H^MR", `123\P\^^^H^MR`))),
		// Group predicates and statements, in each instance of the group.
		Entry("INS-P2: IN2 in the PUBLIC insurance only", with("IN1|1|PUBLIC|9^^^H^PI", "IN2|", "IN1|2|PRIVATE|8^^^H^PI")),
		Entry("INS-P2: IN2 in the PRIVATE one, where it is not used", with("IN1|1|PUBLIC|9^^^H^PI", "IN2|", "IN1|2|PRIVATE|8^^^H^PI", "IN2|"),
			"ADT_A04-STRUCTURE profile.usage@IN2[2]"),
		Entry("INS-P2: IN2 in the PRIVATE one, none in the PUBLIC one (RE)", with("IN1|1|PUBLIC|9^^^H^PI", "IN1|2|PRIVATE|8^^^H^PI", "IN2|"),
			"ADT_A04-STRUCTURE profile.usage@IN2[1]"),
		Entry("T-20: INSURANCE groups numbered 1 and 1", with("IN1|1|PUBLIC|9^^^H^PI", "IN1|1|PUBLIC|8^^^H^PI"),
			"ADT_A04-STRUCTURE profile.conformance-statement@IN1[2]"),
		Entry("T-9: a female patient without insurance", edit("PID", "|M", "|F"), "ADT_A04-STRUCTURE profile.conformance-statement@MSH[1]"),
		Entry("T-9: with it", with("IN1|1|PUBLIC|9^^^H^PI")),
		Entry("T-8: a birth date when there is a next of kin", append(append(edit("PID", "19800101", "")[:3:3], "NK1|1||SPO"), good[3]),
			"ADT_A04-NK1 profile.conformance-statement@NK1[1]"),
	)

	It("evaluates no group statement in a message whose segments do not fit the structure, and says so", func() {
		lines := with("IN1|1|PUBLIC|9^^^H^PI", "IN1|1|PUBLIC|9^^^H^PI", "IN1|3|PUBLIC|9^^^H^PI")
		Expect(profileFindings(profile, segs(lines...), model.Warning)).To(ConsistOf("ADT_A04-STRUCTURE profile.cardinality@IN1[3]"))
		Expect(profileFindings(profile, segs(lines...), model.Information)).To(ContainElement("ADT_A04-STRUCTURE profile.not-evaluated@"))
	})

	It("says a comparison the message leaves undecided, as information, never as a failure", func() {
		// Recorded on 1 January, birth at 12:00 on 1 January: the day
		// holds the minute, so neither is certainly before the other.
		lines := dated("19800101", "198001011200")
		Expect(profileFindings(profile, segs(lines...), model.Warning)).To(BeEmpty())
		Expect(profileFindings(profile, segs(lines...), model.Information)).To(ContainElement("ADT_A04-PID profile.undecided@PID[1]"))
		// A local time against a zoned one 20 hours apart is decided.
		Expect(profileFindings(profile, segs(dated("19800102080000", "198001011200+0000")...), model.Information)).NotTo(ContainElement(ContainSubstring("undecided")))
	})

	It("refuses the constraints file given alone, and names a reference the profile does not define", func() {
		_, err := suites.Load(filepath.Join("testdata", "igamt", "Constraints.xml"), nil)
		Expect(err).To(MatchError(ContainSubstring("IGAMT constraints file")))
		dir := GinkgoT().TempDir()
		src, err := os.ReadFile(profile)
		Expect(err).NotTo(HaveOccurred())
		broken := strings.Replace(string(src), `<Segment Ref="PV1_T"`, `<Segment Ref="PV9_T"`, 1)
		Expect(os.WriteFile(filepath.Join(dir, "p.xml"), []byte(broken), 0o644)).To(Succeed())
		_, err = suites.Load(filepath.Join(dir, "p.xml"), nil)
		Expect(err).To(MatchError(MatchRegexp(`p\.xml:13: segment reference "PV9_T" is not defined under Segments`)))
	})

	It("lists a binding whose BindingLocation is no component of its data type as not checked", func() {
		dir := GinkgoT().TempDir()
		src, err := os.ReadFile(profile)
		Expect(err).NotTo(HaveOccurred())
		moved := strings.Replace(string(src), `Binding="REL_T" BindingStrength="R" BindingLocation="1"`, `Binding="REL_T" BindingStrength="R" BindingLocation="9"`, 1)
		Expect(moved).NotTo(Equal(string(src)))
		Expect(os.WriteFile(filepath.Join(dir, "p.xml"), []byte(moved), 0o644)).To(Succeed())
		sets, err := os.ReadFile(filepath.Join("testdata", "igamt", "ValueSets.xml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "ValueSets.xml"), sets, 0o644)).To(Succeed())
		s, err := suites.Load(filepath.Join(dir, "p.xml"), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Description).To(ContainSubstring("REL_T at BindingLocation 9 of CWE (p.xml:75)"))
	})
	It("lists a predicate or conformance statement whose context no message uses as not checked, never drops it", func() {
		dir := GinkgoT().TempDir()
		for _, name := range []string{"Profile.xml", "ValueSets.xml"} {
			data, err := os.ReadFile(filepath.Join("testdata", "igamt", name))
			Expect(err).NotTo(HaveOccurred())
			Expect(os.WriteFile(filepath.Join(dir, name), data, 0o644)).To(Succeed())
		}
		src, err := os.ReadFile(filepath.Join("testdata", "igamt", "Constraints.xml"))
		Expect(err).NotTo(HaveOccurred())
		typo := strings.Replace(string(src), `<ByID ID="HD_T">
        <Constraint ID="T-5"`, `<ByID ID="HD_TYPO">
        <Constraint ID="T-5"`, 1)
		Expect(typo).NotTo(Equal(string(src)))
		Expect(os.WriteFile(filepath.Join(dir, "Constraints.xml"), []byte(typo), 0o644)).To(Succeed())
		s, err := suites.Load(filepath.Join(dir, "Profile.xml"), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Description).To(ContainSubstring(`conformance statement T-5 (its target "2[1]" in its context is no element of the profile's messages; Constraints.xml:74)`))
		full, err := suites.Load(profile, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(full.Description).NotTo(ContainSubstring("conformance statement T-5"))
	})
})
