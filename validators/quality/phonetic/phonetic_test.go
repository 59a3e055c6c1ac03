package phonetic_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/quality/phonetic"
)

var _ = Describe("Name", func() {
	DescribeTable("gives spellings of one name one code",
		func(a, b string) {
			Expect(a).NotTo(Equal(b))
			Expect(phonetic.Name(a)).NotTo(BeEmpty())
			Expect(phonetic.Name(a)).To(Equal(phonetic.Name(b)), "%s / %s", a, b)
		},
		Entry("y for i", "Smith", "Smyth"),
		Entry("c for k, th, y", "Catherine", "Kathryn"),
		Entry("ph for v", "Stephen", "Steven"),
		Entry("silent h", "Jon", "John"),
		Entry("doubled letters", "Philip", "Phillip"),
		Entry("final e", "Clark", "Clarke"),
		Entry("vowels", "Davis", "Davies"),
		Entry("Mac and Mc", "MacDonald", "McDonald"),
		Entry("vowels around h", "Mohammed", "Muhammad"),
		Entry("rh and ce", "Rhys", "Reece"),
		Entry("soft g", "George", "Jorge"),
		Entry("silent w", "Wright", "Rite"),
		Entry("silent k", "Knowles", "Nowles"),
		Entry("ck", "Nowak", "Nowack"),
		Entry("case", "SMITH", "smith"),
		Entry("accents", "Zoë", "Zoe"),
		Entry("apostrophes", "O'Brien", "OBrien"),
		Entry("typographic apostrophes", "O’Brien", "O'Brien"),
	)

	DescribeTable("keeps names that sound different apart",
		func(a, b string) {
			Expect(phonetic.Name(a)).NotTo(Equal(phonetic.Name(b)), "%s / %s", a, b)
		},
		Entry("", "Smith", "Jones"),
		Entry("first vowel kept", "Ava", "Ivy"),
		Entry("first vowel kept", "Amelia", "Emily"),
		Entry("final consonant", "Oliver", "Olivia"),
		Entry("extra syllable", "Smith", "Smithson"),
		Entry("", "Catherine", "Caroline"),
		Entry("", "Mia", "Noah"),
	)

	DescribeTable("encodes by Metaphone's rules",
		func(name, code string) {
			Expect(phonetic.Name(name)).To(Equal(code))
		},
		Entry("th is 0", "Smith", "SM0"),
		Entry("c before a is K", "Catherine", "K0RN"),
		Entry("ph is F", "Stephen", "STFN"),
		Entry("ch is X", "Charles", "XRLS"),
		Entry("sch is SK", "Schmidt", "SKMTT"),
		Entry("kn-, gh before a consonant", "Knight", "NT"),
		Entry("x- is S", "Xavier", "SFR"),
		Entry("x is KS", "Maxine", "MKSN"),
		Entry("dge is J", "Hodge", "HJ"),
		Entry("cia is X", "Lucia", "LX"),
		Entry("sce is S", "Scene", "SN"),
		Entry("final mb is M", "Plumb", "PLM"),
		Entry("w before a consonant", "Shaw", "X"),
		Entry("gn at the end", "Sign", "SN"),
		Entry("gned at the end", "Signed", "SNT"),
		Entry("tio is X", "Horatio", "HRX"),
		Entry("tch is X", "Fletcher", "FLXR"),
		Entry("wh- is W", "Whitney", "WTN"),
		Entry("ae- is E", "Aeron", "ERN"),
		Entry("q is K, z is S", "Quartz", "KRTS"),
		Entry("h after a vowel", "Sarah", "SR"),
		Entry("h before a vowel", "Mohammed", "MHMT"),
		Entry("words apart", "Mary-Ann Smith", "MR AN SM0"),
	)

	It("gives no code to names without a letter", func() {
		Expect(phonetic.Name("")).To(BeEmpty())
		Expect(phonetic.Name(" 123 - ")).To(BeEmpty())
		Expect(phonetic.Name("李")).To(BeEmpty())
		Expect(phonetic.Word("")).To(BeEmpty())
	})

	It("skips words without a letter A-Z", func() {
		Expect(phonetic.Name("Smith 3rd")).To(Equal("SM0 RT"))
		Expect(phonetic.Name("李 Smith")).To(Equal("SM0"))
	})
})
