package ukid_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/ukid"
)

// modulus11 is the Data Dictionary's algorithm written out longhand, as an
// independent oracle: weights 10 down to 2, 11 minus the remainder, 11 is 0,
// 10 means no number.
func modulus11(nine string) (int, bool) {
	total := 0
	for i, w := 0, 10; i < 9; i, w = i+1, w-1 {
		total += int(nine[i]-'0') * w
	}
	switch r := 11 - total%11; r {
	case 11:
		return 0, true
	case 10:
		return 0, false
	default:
		return r, true
	}
}

var _ = Describe("NHS number check digit", func() {
	It("is the Modulus 11 digit of the first nine, none when it would be 10, on every stem tried", func() {
		none := 0
		for stem := 400_000_000; stem < 400_000_000+5000*9973; stem += 9973 {
			nine := strconv.Itoa(stem)
			want, ok := modulus11(nine)
			got := ukid.CheckDigit(nine)
			if !ok {
				none++
				Expect(got).To(Equal(-1), nine)
				_, made := ukid.MakeNHSNumber(stem)
				Expect(made).To(BeFalse(), nine)
				continue
			}
			Expect(got).To(Equal(want), nine)
			n, made := ukid.MakeNHSNumber(stem)
			Expect(made).To(BeTrue())
			Expect(n).To(Equal(nine + strconv.Itoa(want)))
			for d := 0; d < 10; d++ {
				Expect(ukid.ParseNHSNumber(nine + strconv.Itoa(d)).CheckDigit).To(Equal(d == want))
			}
		}
		Expect(none).To(BeNumerically(">", 100), "about one stem in eleven has no check digit")
	})

	It("knows the NHS's published example and rejects text that is not nine digits", func() {
		Expect(ukid.CheckDigit("943476591")).To(Equal(9))
		Expect(ukid.CheckDigit("12345")).To(Equal(-1))
		Expect(ukid.CheckDigit("94347659X")).To(Equal(-1))
		n, ok := ukid.MakeNHSNumber(10_100_000)
		Expect(ok).To(BeTrue())
		Expect(n).To(HaveLen(10), "stems below 100 million keep their leading zeros")
	})
})

var _ = Describe("NHS number facts", func() {
	DescribeTable("each fact on its own",
		func(text, digits string, grouped, check bool, r ukid.Range) {
			n := ukid.ParseNHSNumber(text)
			Expect(n.Digits).To(Equal(digits))
			Expect(n.Grouped).To(Equal(grouped))
			Expect(n.CheckDigit).To(Equal(check))
			if digits != "" {
				Expect(n.Range).To(Equal(r))
			}
		},
		Entry("issued in England", "4010232137", "4010232137", false, true, ukid.EnglandWales),
		Entry("issued in Wales (600–799)", "7000000015", "7000000015", false, true, ukid.EnglandWales),
		Entry("the NHS's example, a test number", "9434765919", "9434765919", false, true, ukid.Test),
		Entry("grouped with spaces", "943 476 5919", "9434765919", true, true, ukid.Test),
		Entry("grouped with hyphens", "943-476-5919", "9434765919", true, true, ukid.Test),
		Entry("mixed separators are not a grouping", "943 476-5919", "", false, false, ukid.Unallocated),
		Entry("other groupings are not an NHS number", "9434 765 919", "", false, false, ukid.Unallocated),
		Entry("nine digits", "943476591", "", false, false, ukid.Unallocated),
		Entry("a letter", "94347659A9", "", false, false, ukid.Unallocated),
		Entry("CHI: day 01–31, month tens", "0101000022", "0101000022", false, true, ukid.ScotlandCHI),
		Entry("Northern Ireland H&C", "3200000007", "3200000007", false, true, ukid.NorthernIreland),
		Entry("500 million: not allocated", "5449305559", "5449305559", false, true, ukid.Unallocated),
		Entry("below CHI", "0091000009", "0091000009", false, true, ukid.Unallocated),
	)

	DescribeTable("range boundaries",
		func(digits string, r ukid.Range) { Expect(ukid.RangeOf(digits)).To(Equal(r)) },
		Entry(nil, "0099999999", ukid.Unallocated), Entry(nil, "0100000000", ukid.ScotlandCHI),
		Entry(nil, "3119999999", ukid.ScotlandCHI), Entry(nil, "3129999999", ukid.Unallocated),
		Entry(nil, "3199999999", ukid.Unallocated), Entry(nil, "3200000000", ukid.NorthernIreland),
		Entry(nil, "3999999999", ukid.NorthernIreland), Entry(nil, "4000000000", ukid.EnglandWales),
		Entry(nil, "4999999999", ukid.EnglandWales), Entry(nil, "5000000000", ukid.Unallocated),
		Entry(nil, "5999999999", ukid.Unallocated), Entry(nil, "6000000000", ukid.EnglandWales),
		Entry(nil, "7999999999", ukid.EnglandWales), Entry(nil, "8000000000", ukid.Unallocated),
		Entry(nil, "8999999999", ukid.Unallocated), Entry(nil, "9000000000", ukid.Test),
		Entry(nil, "9999999999", ukid.Test), Entry(nil, "123", ukid.Unallocated),
	)
})

var _ = Describe("NHS number rules", func() {
	DescribeTable("the built-in suites' strictness",
		func(text, code string, warning bool) {
			p, ok := ukid.DefaultNHSRules.Check(text)
			Expect(ok).To(Equal(code == ""))
			Expect(p.Code).To(Equal(code))
			Expect(p.Warning).To(Equal(warning))
		},
		Entry("issued", "4010232137", "", false),
		Entry("the NHS's example (test range)", "9434765919", "", false),
		Entry("999 test number", "9990000018", "", false),
		Entry("UK Core's example patient", "9912003888", "", false),
		Entry("grouped", "943 476 5919", "nhs-number.format", false),
		Entry("nine digits", "943476591", "nhs-number.format", false),
		Entry("wrong check digit", "9434765918", "nhs-number.check-digit", false),
		Entry("remainder 10: no check digit possible", "0000000060", "nhs-number.check-digit", false),
		Entry("unallocated", "5449305559", "nhs-number.range", true),
		Entry("CHI where an NHS number belongs", "0101000022", "nhs-number.range", true),
		Entry("Northern Ireland where an NHS number belongs", "3200000007", "nhs-number.range", true),
	)

	It("lets a suite accept grouped digits and other ranges, and names unknown ranges", func() {
		set, err := ukid.ParseRanges([]string{"england-wales", "scotland-chi"})
		Expect(err).NotTo(HaveOccurred())
		r := ukid.NHSRules{Grouped: true, Ranges: set}
		_, ok := r.Check("010 100 0022")
		Expect(ok).To(BeTrue())
		p, ok := r.Check("9434765919")
		Expect(ok).To(BeFalse())
		Expect(p.Code).To(Equal("nhs-number.range"))
		Expect(p.Message).To(ContainSubstring("test number"))
		Expect(set.String()).To(Equal("england-wales, scotland-chi"))
		_, err = ukid.ParseRanges([]string{"wales"})
		Expect(err).To(MatchError(ContainSubstring(`range "wales": want one of england-wales`)))
	})

	It("tells the check digit a wrong number calls for", func() {
		p, _ := ukid.DefaultNHSRules.Check("9434765918")
		Expect(p.Message).To(ContainSubstring("check digit should be 9"))
	})
})

var _ = DescribeTable("ODS codes",
	func(s string, ok bool) {
		Expect(ukid.ODSCode(s)).To(Equal(ok))
		p, valid := ukid.CheckODSCode(s)
		Expect(valid).To(Equal(ok))
		if !ok {
			Expect(p.Code).To(Equal("ods-code.format"))
		}
	},
	Entry("a trust", "RX1", true), Entry("a site", "RX101", true), Entry("an ICB", "15N", true),
	Entry("lower case", "rx1", false), Entry("four characters", "RX10", false), Entry("empty", "", false),
	Entry("punctuation", "RX-01", false),
)

var _ = DescribeTable("UK postcodes", func(s string, ok bool) {
	Expect(ukid.Postcode(s)).To(Equal(ok))
},
	Entry(nil, "LS1 4AP", true), Entry(nil, "EC1A 1BB", true), Entry(nil, "w1a0ax", true),
	Entry(nil, "GIR 0AA", true), Entry(nil, " M1 1AE ", true), Entry(nil, "B33 8TH", true),
	Entry(nil, "LS1", false), Entry(nil, "12345", false), Entry(nil, "LS1 4APX", false), Entry(nil, "", false),
)
