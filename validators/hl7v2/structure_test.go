package hl7v2_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// v2msg builds a message of a version and MSH-9 from segment ids (or whole
// segments): "PID" becomes "PID|1".
func v2msg(version, msh9 string, segments ...string) string {
	lines := []string{fmt.Sprintf(`MSH|^~\&|APP|FAC|APP2|FAC2|20240101120000||%s|C1|P|%s`, msh9, version)}
	for _, s := range segments {
		if !strings.Contains(s, "|") {
			s += "|1"
		}
		lines = append(lines, s)
	}
	return segs(lines...)
}

// missingCase is a message of a version and MSH-9 from segment ids, and the
// required elements it misses, as its structure's table names them.
type missingCase struct {
	name, version, msh9, segments string
	want                          []string
}

var _ = Describe("hl7v2-structure matching", func() {
	c := mustCompile("hl7v2-structure", nil)
	check := func(version, msh9, segments string, want []string) {
		got := where(observe(c, record(v2msg(version, msh9, strings.Fields(segments)...))))
		if len(want) == 0 {
			Expect(got).To(BeEmpty())
			return
		}
		Expect(got).To(Equal(want))
	}

	DescribeTable("choices: exactly one of the segments in <A|B|...>, each order may take a different one",
		check,
		Entry("2.1 ORM_O01 with ORO, then one with OBR and results", "2.1", "ORM^O01", "PID ORC ORO ORC OBR OBX NTE", nil),
		Entry("2.1 ORM_O01 two choices in one order", "2.1", "ORM^O01", "PID ORC OBR RX1", []string{"hl7v2.segment-order@RX1[1]"}),
		Entry("2.2 ORM_O01 with RXO", "2.2", "ORM^O01", "PID PV1 ORC RXO NTE", nil),
		Entry("2.3 ORM_O01 with OBR", "2.3", "ORM^O01", "PID ORC OBR NTE OBX NTE", nil),
		Entry("2.3 ORM_O01 with RXO", "2.3", "ORM^O01", "PID ORC RXO", nil),
		Entry("2.4 ORM_O01 with ODS then a second order with ODT", "2.4", "ORM^O01^ORM_O01", "PID PV1 ORC ODS ORC ODT", nil),
		Entry("2.5.1 ORM_O01, three orders each with its own choice", "2.5.1", "ORM^O01^ORM_O01", "PID ORC OBR DG1 OBX ORC RQD ORC RXO NTE", nil),
		Entry("2.6 ORM_O01 order with RQ1 alone", "2.6", "ORM^O01^ORM_O01", "PID ORC RQ1", nil),
		Entry("2.5.1 ORM_O01 order with no detail", "2.5.1", "ORM^O01^ORM_O01", "ORC", nil),
		Entry("2.5.1 ORM_O01 two choices in one order: the second is out of order", "2.5.1", "ORM^O01^ORM_O01", "PID ORC RQD RQ1",
			[]string{"hl7v2.segment-order@RQ1[1]"}),
		Entry("2.4 ORM_O01 detail before its order: ORC missing", "2.4", "ORM^O01", "PID OBR",
			[]string{"hl7v2.segment-missing@ORC"}),
	)

	DescribeTable("optional groups opened by a later segment, and a second order that could look like a prior result",
		check,
		Entry("2.5.1 OML_O21 two orders, the second with timing", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR OBX ORC TQ1 OBR", nil),
		Entry("2.5.1 OML_O21 two orders without observations", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR ORC OBR", nil),
		Entry("2.5.1 OML_O21 a real prior result", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR PID PV1 ORC OBR OBX", nil),
		Entry("2.5 OML_O21 second order with specimen", "2.5", "OML^O21^OML_O21", "PID ORC OBR SPM ORC OBR SPM", nil),
		Entry("2.5.1 OML_O33 two orders on one specimen", "2.5.1", "OML^O33^OML_O33", "PID SPM ORC OBR ORC TQ1 OBR", nil),
		Entry("2.5.1 OML_O33 two specimens, two orders each", "2.5.1", "OML^O33^OML_O33", "PID SPM SAC ORC OBR ORC OBR SPM ORC OBR ORC TQ1 OBR", nil),
		Entry("2.7 OML_O21 order with participation and timing", "2.7", "OML^O21^OML_O21", "PID ORC PRT TQ1 OBR PRT ORC OBR", nil),
	)

	DescribeTable("nested optional and repeating groups",
		check,
		Entry("2.2 ADT_A01 insurance groups repeated", "2.2", "ADT^A01", "EVN PID NK1 NK1 PV1 OBX AL1 IN1 IN2 IN1 IN3 ACC", nil),
		Entry("2.2 ADT_A01 insurance detail without IN1", "2.2", "ADT^A01", "EVN PID PV1 IN2", []string{"hl7v2.segment-order@IN2[1]"}),
		Entry("2.4 ADT_A01 procedures with roles, insurance repeated", "2.4", "ADT^A01^ADT_A01", "EVN PID NK1 PV1 PR1 ROL ROL PR1 IN1 IN2 IN1 IN3", nil),
		Entry("2.3.1 ORU_R01 two patients, each with orders and observations", "2.3.1", "ORU^R01", "PID OBR OBX OBX OBR OBX PID PV1 ORC OBR NTE OBX NTE", nil),
		Entry("2.5.1 ORU_R01 specimen group after observations", "2.5.1", "ORU^R01^ORU_R01", "PID ORC OBR TQ1 OBX NTE SPM OBX OBR OBX", nil),
		Entry("2.8 ORU_R01 observations with participation", "2.8", "ORU^R01^ORU_R01", "PID OBR PRT OBX PRT NTE", nil),
		Entry("2.6 SIU_S12 resource groups, each service, location and personnel", "2.6", "SIU^S12^SIU_S12", "SCH PID PV1 RGS AIS AIL AIP RGS AIG", nil),
		Entry("2.5.1 ORU_R01 observation without its request: OBR missing", "2.5.1", "ORU^R01^ORU_R01", "PID ORC OBX",
			[]string{"hl7v2.segment-missing@OBR"}),
		Entry("2.5.1 ORU_R01 empty result: required group missing", "2.5.1", "ORU^R01^ORU_R01", "",
			[]string{"hl7v2.segment-missing@PATIENT_RESULT"}),
	)

	DescribeTable("segments out of place are reported where they are, never dropped",
		check,
		Entry("2.4 ADT_A01 PID after PV1", "2.4", "ADT^A01^ADT_A01", "EVN PV1 PID",
			[]string{"hl7v2.segment-missing@PID", "hl7v2.segment-order@PID[1]"}),
		Entry("2.5 ADT_A01 a stray OBR between PID and PV1", "2.5", "ADT^A01^ADT_A01", "EVN PID OBR PV1 PV2",
			[]string{"hl7v2.unexpected-segment@OBR[1]"}),
		Entry("2.3 ADT_A01 EVN repeated", "2.3", "ADT^A01", "EVN EVN PID PV1",
			[]string{"hl7v2.segment-order@EVN[2]"}),
		Entry("2.5.1 ORM_O01 patient segment inside an order", "2.5.1", "ORM^O01^ORM_O01", "PID ORC OBR PID OBX",
			[]string{"hl7v2.segment-order@PID[2]"}),
		Entry("2.7.1 ORU_R01 an undefined segment among observations", "2.7.1", "ORU^R01^ORU_R01", "PID OBR OBX QQQ OBX",
			[]string{"hl7v2.unknown-segment@QQQ[1]"}),
		Entry("2.5.1 OML_O21 second order's timing before its ORC", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR TQ2 ORC OBR",
			[]string{"hl7v2.segment-order@TQ2[1]"}),
		// A segment that opens a group only where that group can open: after
		// TIMING, PRIOR_RESULT (opened by PID) lies past OBR, which is
		// required, so the PID opens nothing and is out of order, not
		// "OBR missing" with a prior result built around it.
		Entry("2.5.1 OML_O21 a PID between an order's timing and its OBR", "2.5.1", "OML^O21^OML_O21", "PID ORC TQ1 PID OBR",
			[]string{"hl7v2.segment-order@PID[2]"}),
		Entry("2.8 OML_O21 a PID between a later order's timing and its OBR", "2.8", "OML^O21^OML_O21", "PID ORC OBR OBX ORC TQ1 PID OBR",
			[]string{"hl7v2.segment-order@PID[2]"}),
	)

	// The root of a structure is the message itself, never a group it can
	// lack: a message holding only its header (or its header and segments
	// with no place) is missing the structure's required segments. The
	// look-ahead search once explained it more cheaply as "required group
	// ADT_A01 missing" and "MSH out of order" (hapi-hl7v2's test messages,
	// ADT^A01 with MSH and NTE), in every version, in every placement.
	Describe("a message holding only its header", func() {
		versions := []string{"2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"}
		for _, version := range versions {
			for _, rest := range [][]string{nil, {"NTE|1"}} {
				for placement := range placements {
					It(fmt.Sprintf("%s ADT^A01 %v, %s", version, rest, placement), func() {
						got := where(observe(c, placed(placement, v2msg(version, "ADT^A01", rest...))))
						Expect(got).To(ContainElements("hl7v2.segment-missing@EVN", "hl7v2.segment-missing@PID", "hl7v2.segment-missing@PV1"))
						for _, w := range got {
							Expect(w).NotTo(Or(HaveSuffix("@ADT_A01"), HaveSuffix("@MSH[1]")))
						}
						if rest != nil {
							Expect(got).To(ContainElement("hl7v2.unexpected-segment@NTE[1]"))
						}
					})
				}
			}
		}
	})

	// missingIn writes one spec per case and placement: a message of the
	// case's segments gets exactly these required elements missing.
	missingIn := func(cases []missingCase) {
		for _, k := range cases {
			for placement := range placements {
				It(fmt.Sprintf("%s %s (%s), %s", k.version, k.name, k.segments, placement), func() {
					var want []string
					for _, w := range k.want {
						want = append(want, "hl7v2.segment-missing@"+w)
					}
					got := where(observe(c, placed(placement, v2msg(k.version, k.msh9, strings.Fields(k.segments)...))))
					expectWhere(got, want)
				})
			}
		}
	}

	// One level down from the root: a required group whose opening segment is
	// present is there, and what it lacks is its required members, each
	// missing. Counting the group's absence as one problem once explained it
	// more cheaply as "required group missing" and its opening segment "out of
	// order" whenever three or more required members were missing. Groups one
	// and two deep, repeating or not, segments and groups as the missing
	// members, as each version's structure defines them.
	Describe("a required group that opens but lacks its required members", func() {
		cases := []missingCase{
			// RDE_O01 (2.3): ORDER (1..*) is ORC, RXE, RXR (1..*), then
			// OBSERVATION (1..*), whose members are all optional: at least
			// one of them (OBX, NTE) is what makes it present.
			{"RDE^O01", "2.3", "RDE^O01", "PID ORC", []string{"RXE", "RXR", "OBSERVATION"}},
			// RDE_O11/O25: ORDER (1..*) is ORC, RXE, TIMING_ENCODED (a group), RXR.
			{"RDE^O11^RDE_O11", "2.5.1", "RDE^O11^RDE_O11", "PID ORC", []string{"RXE", "TIMING_ENCODED", "RXR"}},
			{"RDE^O25^RDE_O25", "2.7.1", "RDE^O25^RDE_O25", "PID ORC", []string{"RXE", "TIMING_ENCODED", "RXR"}},
			// Two deep: RGV_O15's ORDER/GIVE (1..*) is RXG, TIMING_GIVE, RXR,
			// OBSERVATION (1..*, all its members optional).
			{"RGV^O15^RGV_O15", "2.5.1", "RGV^O15^RGV_O15", "PID ORC RXG", []string{"TIMING_GIVE", "RXR", "OBSERVATION"}},
			{"RGV^O15^RGV_O15", "2.5.1", "RGV^O15^RGV_O15", "PID ORC RXO RXG", []string{"TIMING_GIVE", "RXR", "OBSERVATION"}},
			// Two deep: RSP_K31's RESPONSE/ORDER and RSP_Z88's COMMON_ORDER.
			{"RSP^K31^RSP_K31", "2.5.1", "RSP^K31^RSP_K31", "MSA QAK QPD RCP PID ORC", []string{"RXD", "RXR", "OBSERVATION"}},
			{"RSP^Z88^RSP_Z88", "2.5.1", "RSP^Z88^RSP_Z88", "MSA QAK QPD RCP PID ORC", []string{"RXD", "RXR", "OBSERVATION", "DSC"}},
			// Groups of groups: EHC_E10's repeating and EHC_E20's single one.
			{"EHC^E10^EHC_E10", "2.7.1", "EHC^E10^EHC_E10", "IPR", []string{"MSA", "PYE", "IN1", "IVC", "PRODUCT_SERVICE_SECTION"}},
			{"EHC^E20^EHC_E20", "2.8", "EHC^E20^EHC_E20", "IVC", []string{"CTD", "PAT_INFO", "PSL_ITEM_INFO"}},
			{"SUR^P09", "2.3", "SUR^P09", "FAC", []string{"PRODUCT", "PSH", "FACILITY_DETAIL"}},
		}
		missingIn(cases)
	})

	// A group is identified by its anchor, the segment that opens it (its
	// first, or one after optional first members): a receiver's parser
	// (HAPI's) opens a group there, and so does the standard's reading of the
	// abstract syntax. An optional group, or a later occurrence of a
	// repeating one, whose anchor is present is present, and what it lacks
	// is its required members, each missing. The search once explained two
	// or more missing members more cheaply as the anchor "out of order"
	// (leaving it unplaced cost one problem, opening the group one per
	// member). Groups one, two and three deep; optional, required and
	// repeating; first and later occurrences; 0 to 3 members missing (the
	// rows missing none or one are controls that passed before); the three
	// versions' own structures; the same findings in ER7, a batch and an
	// MLLP frame.
	Describe("an optional group, or a later occurrence, opened by its anchor and lacking its required members", func() {
		cases := []missingCase{
			// 2.3
			{"ORU_R01 a later RESPONSE opened by PID", "2.3", "ORU^R01", "PID OBR OBX PID", []string{"ORDER_OBSERVATION"}},
			{"ORU_R01 a later ORDER_OBSERVATION opened by ORC", "2.3", "ORU^R01", "PID OBR OBX ORC", []string{"OBR", "OBSERVATION"}},
			{"ORU_R01 a later ORDER_OBSERVATION with ORC and OBR", "2.3", "ORU^R01", "PID OBR OBX ORC OBR", []string{"OBSERVATION"}},
			{"ORU_R01 a later ORDER_OBSERVATION, complete", "2.3", "ORU^R01", "PID OBR OBX ORC OBR OBX", nil},
			{"RDE_O01 a later ORDER with ORC alone", "2.3", "RDE^O01", "PID ORC RXE RXR OBX ORC", []string{"RXE", "RXR", "OBSERVATION"}},
			{"RDE_O01 a later ORDER with ORC and RXE", "2.3", "RDE^O01", "PID ORC RXE RXR OBX ORC RXE", []string{"RXR", "OBSERVATION"}},
			{"RAS_O01 a later ORDER with ORC alone", "2.3", "RAS^O01", "PID ORC RXA RXR ORC", []string{"RXA", "RXR"}},
			{"MFN_M05 a later MF_LOCATION with MFE alone", "2.3", "MFN^M05", "MFI MFE LOC LDP MFE", []string{"LOC", "MF_LOC_DEPT"}},
			{"ADT_A01 insurance repeated, each opened by IN1", "2.3", "ADT^A01", "EVN PID PV1 IN1 IN2 IN1", nil},
			// 2.5.1
			{"RDE_O11 a later ORDER with ORC alone", "2.5.1", "RDE^O11^RDE_O11", "PID ORC RXE TQ1 RXR ORC", []string{"RXE", "TIMING_ENCODED", "RXR"}},
			{"RDE_O11 a later ORDER with ORC and RXE", "2.5.1", "RDE^O11^RDE_O11", "PID ORC RXE TQ1 RXR ORC RXE", []string{"TIMING_ENCODED", "RXR"}},
			{"RDE_O11 a later ORDER lacking RXR", "2.5.1", "RDE^O11^RDE_O11", "PID ORC RXE TQ1 RXR ORC RXE TQ1", []string{"RXR"}},
			{"RDE_O11 the optional ORDER_DETAIL lacking RXR", "2.5.1", "RDE^O11^RDE_O11", "PID ORC RXO RXE TQ1 RXR", []string{"RXR"}},
			{"RGV_O15 the optional ORDER/ENCODING opened by RXE", "2.5.1", "RGV^O15^RGV_O15", "PID ORC RXE RXG TQ1 RXR OBX", []string{"TIMING_ENCODED", "RXR"}},
			{"RGV_O15 a later ORDER/GIVE opened by RXG", "2.5.1", "RGV^O15^RGV_O15", "PID ORC RXG TQ1 RXR OBX RXG", []string{"TIMING_GIVE", "RXR", "OBSERVATION"}},
			{"RDS_O13 the optional ORDER/ENCODING opened by RXE", "2.5.1", "RDS^O13^RDS_O13", "PID ORC RXE RXD RXR", []string{"TIMING_ENCODED", "RXR"}},
			{"OML_O21 the optional three-deep PRIOR_RESULT opened by PID", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR PID", []string{"ORDER_PRIOR"}},
			{"OML_O21 PRIOR_RESULT with its patient and visit only", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR PID PV1", []string{"ORDER_PRIOR"}},
			{"OML_O21 a later ORDER with ORC alone", "2.5.1", "OML^O21^OML_O21", "PID ORC OBR ORC", nil},
			{"ORU_R01 a later ORDER_OBSERVATION opened by ORC", "2.5.1", "ORU^R01^ORU_R01", "PID OBR OBX ORC", []string{"OBR"}},
			{"ORU_R01 a later PATIENT_RESULT opened by PID", "2.5.1", "ORU^R01^ORU_R01", "PID OBR OBX PID", []string{"ORDER_OBSERVATION"}},
			{"ORM_O01 a later ORDER with ORC alone", "2.5.1", "ORM^O01^ORM_O01", "PID ORC OBR ORC", nil},
			{"MFN_M02 a later MF_STAFF with MFE alone", "2.5.1", "MFN^M02^MFN_M02", "MFI MFE STF MFE", []string{"STF"}},
			{"MFN_M05 a later MF_LOCATION with MFE alone", "2.5.1", "MFN^M05^MFN_M05", "MFI MFE LOC LDP MFE", []string{"LOC", "MF_LOC_DEPT"}},
			{"SIU_S12 a later RESOURCES with RGS alone", "2.5.1", "SIU^S12^SIU_S12", "SCH PID RGS AIS RGS", nil},
			{"ADT_A01 procedures and insurance repeated", "2.5.1", "ADT^A01^ADT_A01", "EVN PID PV1 PR1 ROL PR1 IN1 IN1 IN3", nil},
			// 2.8
			{"RDE_O11 a later ORDER with ORC alone", "2.8", "RDE^O11^RDE_O11", "PID ORC RXE TQ1 RXR ORC", []string{"RXE", "TIMING_ENCODED", "RXR"}},
			{"RGV_O15 the optional ORDER/ENCODING opened by RXE", "2.8", "RGV^O15^RGV_O15", "PID ORC RXE RXG TQ1 RXR", []string{"TIMING_ENCODED", "RXR"}},
			{"RGV_O15 a later ORDER/GIVE opened by RXG", "2.8", "RGV^O15^RGV_O15", "PID ORC RXG TQ1 RXR RXG", []string{"TIMING_GIVE", "RXR"}},
			{"RAS_O17 the optional ORDER/ENCODING opened by RXE", "2.8", "RAS^O17^RAS_O17", "PID ORC RXE RXA RXR", []string{"TIMING_ENCODED", "RXR"}},
			{"OML_O21 the optional three-deep PRIOR_RESULT opened by PID", "2.8", "OML^O21^OML_O21", "PID ORC OBR PID", []string{"ORDER_PRIOR"}},
			{"OML_O21 PRIOR_RESULT with its patient and visit only", "2.8", "OML^O21^OML_O21", "PID ORC OBR PID PV1", []string{"ORDER_PRIOR"}},
			{"MFN_M05 a later MF_LOCATION with MFE alone", "2.8", "MFN^M05^MFN_M05", "MFI MFE LOC LDP MFE", []string{"LOC", "MF_LOC_DEPT"}},
			{"ORU_R01 a later ORDER_OBSERVATION opened by ORC", "2.8", "ORU^R01^ORU_R01", "PID OBR OBX ORC", []string{"OBR"}},
			{"SIU_S12 resources repeated", "2.8", "SIU^S12^SIU_S12", "SCH PID RGS AIS RGS AIL", nil},
		}
		missingIn(cases)
	})

	// A group's occurrence is its segments: ER7 has no mark for a group, so
	// a required group whose members are all optional (2.3's ORU_R01
	// OBSERVATION, { [OBX] {[NTE]} }; BAR_P01's VISIT in every version) is
	// there when one of them is and missing when none is. The search once
	// crossed such a group reading nothing, so it was never missing.
	Describe("a required group whose members are all optional", func() {
		cases := []missingCase{
			{"BAR_P01 without a VISIT", "2.3", "BAR^P01", "EVN PID", []string{"VISIT"}},
			{"BAR_P01 a VISIT of a DG1", "2.3", "BAR^P01", "EVN PID DG1", nil},
			{"ORU_R01 an order without OBSERVATION", "2.3", "ORU^R01", "PID OBR", []string{"OBSERVATION"}},
			{"ORU_R01 an NTE after OBR can be the OBSERVATION (its OBX optional)", "2.3", "ORU^R01", "PID OBR NTE", nil},
			{"ORU_R01 an OBSERVATION of an OBX", "2.3", "ORU^R01", "PID OBR OBX NTE", nil},
			{"BAR_P01 without a VISIT", "2.5.1", "BAR^P01^BAR_P01", "EVN PID", []string{"VISIT"}},
			{"BAR_P01 a VISIT of a PV1", "2.5.1", "BAR^P01^BAR_P01", "EVN PID PV1", nil},
			{"BAR_P05 without a VISIT", "2.5.1", "BAR^P05^BAR_P05", "EVN PID", []string{"VISIT"}},
			{"RSP_K31 an ORDER without OBSERVATION", "2.5.1", "RSP^K31^RSP_K31", "MSA QAK QPD RCP PID ORC RXD RXR", []string{"OBSERVATION"}},
			{"RSP_K31 an OBSERVATION of an NTE", "2.5.1", "RSP^K31^RSP_K31", "MSA QAK QPD RCP PID ORC RXD RXR NTE", nil},
			{"BAR_P01 without a VISIT", "2.8", "BAR^P01^BAR_P01", "EVN PID", []string{"VISIT"}},
			{"BAR_P01 a VISIT of an AL1", "2.8", "BAR^P01^BAR_P01", "EVN PID AL1", nil},
			{"NMD_N02 without its CLOCK_AND_STATS_WITH_NOTES", "2.8", "NMD^N02^NMD_N02", "", []string{"CLOCK_AND_STATS_WITH_NOTES"}},
		}
		missingIn(cases)
	})

	// 2.8 and later come from hl7apy's structures, not 2.7.1's: what those
	// versions added to a structure is in place, and what they did not add
	// is still reported.
	DescribeTable("structures 2.8, 2.8.1 and 2.8.2 define for themselves",
		check,
		Entry("2.8 BAR_P01 participation in the visit and procedure", "2.8", "BAR^P01^BAR_P01", "EVN PID PV1 PRT DG1 PR1 PRT", nil),
		Entry("2.7.1 BAR_P01: PRT is not part of it", "2.7.1", "BAR^P01^BAR_P01", "EVN PID PV1 PRT DG1",
			[]string{"hl7v2.unexpected-segment@PRT[1]"}),
		Entry("2.8 ADT_A01 access restrictions after PD1", "2.8", "ADT^A01^ADT_A01", "EVN PID PD1 ARV PV1", nil),
		Entry("2.5.1 ADT_A01: ARV is not a 2.5.1 segment", "2.5.1", "ADT^A01^ADT_A01", "EVN PID PD1 ARV PV1",
			[]string{"hl7v2.unknown-segment@ARV[1]"}),
		Entry("2.8 RDE_O11 cumulative dosage after the components", "2.8", "RDE^O11^RDE_O11", "PID ORC RXE TQ1 RXR RXC CDO", nil),
		Entry("2.8.1 VXU_V04 participation in the order", "2.8.1", "VXU^V04^VXU_V04", "PID ORC PRT RXA RXR OBX PRT", nil),
		Entry("2.8.1 VXU_V04 participation after the administration has no place", "2.8.1", "VXU^V04^VXU_V04", "PID ORC RXA PRT RXR",
			[]string{"hl7v2.segment-order@PRT[1]"}),
		Entry("2.8.2 ORU_R01 observations with participation", "2.8.2", "ORU^R01^ORU_R01", "PID OBR PRT OBX PRT NTE", nil),
		Entry("2.8 ADT_A47 reads as table 0354's ADT_A30", "2.8", "ADT^A47^ADT_A30", "EVN PID MRG", nil),
		Entry("2.8 ADT_A30 without its MRG", "2.8", "ADT^A47^ADT_A30", "EVN PID",
			[]string{"hl7v2.segment-missing@MRG"}),
		Entry("2.8.1 RDS_O13 order detail with its supplement", "2.8.1", "RDS^O13^RDS_O13", "PID ORC RXO NTE RXR RXD RXR", nil),
		Entry("2.8.1 RDS_O13 supplement without its NTE", "2.8.1", "RDS^O13^RDS_O13", "PID ORC RXO RXR RXD RXR",
			[]string{"hl7v2.segment-order@RXR[1]"}),
		Entry("2.8 OML_O21 a segment 2.8 does not place there", "2.8", "OML^O21^OML_O21", "PID ORC OBR MRG",
			[]string{"hl7v2.unexpected-segment@MRG[1]"}),
	)

	// A segment pattern response (RSP_K11) and the queries that carry input
	// segments (QBP_Q11) leave a place that the query's conformance statement
	// fills: the immunization history an IIS returns is PID, ORC, RXA and OBX
	// after QPD. Without that statement carecert cannot check those
	// segments' place, so it says so (information), and still checks the
	// structure around them.
	pattern := func(at string) string { return "hl7v2.segment-pattern@" + at }
	DescribeTable("segment patterns a conformance statement defines: not checked, the structure around them is",
		check,
		Entry("2.4 RSP_K11 immunization history", "2.4", "RSP^K11", "MSA QAK QPD PID ORC RXA OBX OBX", []string{pattern("PID[1]")}),
		Entry("2.5 RSP_K11", "2.5", "RSP^K11^RSP_K11", "MSA QAK QPD PID ORC RXA RXR OBX", []string{pattern("PID[1]")}),
		Entry("2.5.1 RSP_K11 with its continuation pointer", "2.5.1", "RSP^K11^RSP_K11", "MSA QAK QPD PID PD1 NK1 ORC RXA OBX DSC", []string{pattern("PID[1]")}),
		Entry("2.6 RSP_K11", "2.6", "RSP^K11^RSP_K11", "MSA QAK QPD PID ORC RXA OBX", []string{pattern("PID[1]")}),
		Entry("2.7 RSP_K11", "2.7", "RSP^K11^RSP_K11", "MSA ERR QAK QPD PID ORC RXA OBX", []string{pattern("PID[1]")}),
		Entry("2.7.1 RSP_K11", "2.7.1", "RSP^K11^RSP_K11", "MSA QAK QPD PID", []string{pattern("PID[1]")}),
		Entry("2.8 RSP_K11, where hl7apy keeps the place", "2.8", "RSP^K11^RSP_K11", "MSA QAK QPD PID ORC RXA OBX", []string{pattern("PID[1]")}),
		Entry("2.8.2 RSP_K11", "2.8.2", "RSP^K11^RSP_K11", "MSA QAK QPD PID ORC RXA OBX", []string{pattern("PID[1]")}),
		Entry("2.5.1 RSP_K11 with nothing found", "2.5.1", "RSP^K11^RSP_K11", "MSA QAK QPD", nil),
		Entry("2.5.1 QBP_Q11 with an input segment", "2.5.1", "QBP^Q11^QBP_Q11", "QPD PID RCP", []string{pattern("PID[1]")}),
		Entry("2.8 QBP_Q11 with an input segment", "2.8", "QBP^Q11^QBP_Q11", "QPD PID RCP", []string{pattern("PID[1]")}),
		Entry("2.5.1 RSP_K11 a Z-segment in the pattern is allowed as anywhere", "2.5.1", "RSP^K11^RSP_K11", "MSA QAK QPD PID ZPI", []string{pattern("PID[1]")}),
		Entry("2.5.1 RSP_K11 without QAK", "2.5.1", "RSP^K11^RSP_K11", "MSA QPD PID RXA",
			[]string{"hl7v2.segment-missing@QAK", pattern("PID[1]")}),
		Entry("2.5.1 RSP_K11 a second QPD", "2.5.1", "RSP^K11^RSP_K11", "MSA QAK QPD PID QPD",
			[]string{"hl7v2.segment-order@QPD[2]", pattern("PID[1]")}),
		Entry("2.5.1 RSP_K11 a segment no version defines", "2.5.1", "RSP^K11^RSP_K11", "MSA QAK QPD PID QQQ",
			[]string{"hl7v2.unknown-segment@QQQ[1]", pattern("PID[1]")}),
		Entry("2.4 RSP_K11 a segment 2.4 does not define (CON, from 2.6)", "2.4", "RSP^K11", "MSA QAK QPD PID CON",
			[]string{"hl7v2.unknown-segment@CON[1]", pattern("PID[1]")}),
		Entry("2.5.1 QBP_Q11 without RCP", "2.5.1", "QBP^Q11^QBP_Q11", "QPD PID",
			[]string{"hl7v2.segment-missing@RCP", pattern("PID[1]")}),
		Entry("2.5.1 RSP_K21, whose structure is the standard's own, with an RXA", "2.5.1", "RSP^K21^RSP_K21", "MSA QAK QPD PID QRI RXA",
			[]string{"hl7v2.unexpected-segment@RXA[1]"}),
		Entry("2.5.1 ADT_A01 with an ORC: no pattern there", "2.5.1", "ADT^A01^ADT_A01", "EVN PID PV1 ORC",
			[]string{"hl7v2.unexpected-segment@ORC[1]"}),
	)

	// The pattern has a place: after QPD (after each MFE in MFN_Znn), before
	// RCP and DSC. A segment that only the pattern could take is out of
	// order anywhere else, in every version; and the place, which hl7apy's
	// 2.8 data writes as a segment ANYHL7SEGMENT (required in RTB_Knn and
	// MFN_Znn), is no segment a message could miss.
	DescribeTable("segment patterns: their place",
		check,
		Entry("2.5.1 RSP_K11 PID before MSA", "2.5.1", "RSP^K11^RSP_K11", "PID MSA QAK QPD", []string{"hl7v2.segment-order@PID[1]"}),
		Entry("2.4 RSP_K11 PID between MSA and QAK, ORC in place", "2.4", "RSP^K11", "MSA PID QAK QPD ORC",
			[]string{"hl7v2.segment-order@PID[1]", pattern("ORC[1]")}),
		Entry("2.7.1 RSP_K11 after DSC", "2.7.1", "RSP^K11^RSP_K11", "MSA QAK QPD PID DSC RXA",
			[]string{"hl7v2.segment-order@RXA[1]", pattern("PID[1]")}),
		Entry("2.5.1 QBP_Q11 an input segment after RCP", "2.5.1", "QBP^Q11^QBP_Q11", "QPD RCP PID", []string{"hl7v2.segment-order@PID[1]"}),
		Entry("2.7 QVR_Q17 between QPD and RCP", "2.7", "QVR^Q17^QVR_Q17", "QPD PID RCP", []string{pattern("PID[1]")}),
		Entry("2.8 RSP_K11 PID before QPD", "2.8", "RSP^K11^RSP_K11", "MSA QAK PID QPD", []string{"hl7v2.segment-order@PID[1]"}),
		Entry("2.8 QBP_Q15 an input segment after RCP", "2.8", "QBP^Q15^QBP_Q15", "QPD RCP PID", []string{"hl7v2.segment-order@PID[1]"}),
		Entry("2.8 RTB_Knn with rows", "2.8", "RTB^K13^RTB_Knn", "MSA QAK QPD PID PID", []string{pattern("PID[1]")}),
		Entry("2.8.2 RTB_Knn with none", "2.8.2", "RTB^K13^RTB_Knn", "MSA QAK QPD", nil),
		Entry("2.8 RSP_Znn a row before QAK", "2.8", "RSP^Z88^RSP_Znn", "MSA PID QAK QPD", []string{"hl7v2.segment-order@PID[1]"}),
		Entry("2.8 MFN_Znn after each MFE", "2.8", "MFN^Z01^MFN_Znn", "MFI MFE PID MFE PID PV1", []string{pattern("PID[1]")}),
		Entry("2.8.1 MFN_Znn an MFE alone", "2.8.1", "MFN^Z01^MFN_Znn", "MFI MFE", nil),
		Entry("2.8 MFN_Znn before any MFE", "2.8", "MFN^Z01^MFN_Znn", "MFI PID MFE", []string{"hl7v2.segment-order@PID[1]"}),
	)

	It("says a segment pattern was not checked as information, naming the segments and the structure", func() {
		fs := observe(c, record(v2msg("2.5.1", "RSP^K11^RSP_K11", "MSA", "QAK", "QPD", "PID", "ORC", "RXA", "OBX", "OBX")))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Information))
		Expect(fs[0].Line).To(Equal(5))
		Expect(fs[0].Message).To(ContainSubstring("not checked: 5 segment(s) (PID, ORC, RXA, OBX) fill the segment pattern RSP_K11"))
	})

	It("says where a segment pattern's place is when a segment only it could take is out of order", func() {
		for _, tc := range []struct{ version, msh9, after string }{
			{"2.5.1", "RSP^K11^RSP_K11", "QPD"}, {"2.8", "RSP^K11^RSP_K11", "QPD"}, {"2.8", "MFN^Z01^MFN_Znn", "MFE"},
		} {
			segs := []string{"PID", "MSA", "QAK", "QPD"}
			if tc.after == "MFE" {
				segs = []string{"MFI", "PID", "MFE"}
			}
			fs := observe(c, record(v2msg(tc.version, tc.msh9, segs...)))
			Expect(fs).To(HaveLen(1), tc.version+" "+tc.msh9)
			Expect(fs[0].Severity).To(Equal(model.Error))
			Expect(fs[0].Message).To(HavePrefix("segment PID is out of order: "))
			Expect(fs[0].Message).To(HaveSuffix("whose place is after " + tc.after))
		}
	})

	It("places a long message whose groups the greedy walk would misread, exactly", func() {
		// Fifty orders, each with timing that only a new ORDER can take.
		var s []string
		s = append(s, "PID")
		for i := 0; i < 50; i++ {
			s = append(s, "ORC", "TQ1", "OBR", "OBX")
		}
		Expect(observe(c, record(v2msg("2.5.1", "OML^O21^OML_O21", s...)))).To(BeEmpty())
		s = append(s, "PV2")
		Expect(where(observe(c, record(v2msg("2.5.1", "OML^O21^OML_O21", s...))))).To(Equal([]string{"hl7v2.segment-order@PV2[1]"}))
	})
})
