package lineindex_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/lineindex"
)

var _ = Describe("the line index", func() {
	builds := 0
	build := func([]byte) lineindex.Index {
		builds++
		return lineindex.Lines{"": 1, "entry[1].resource": 4, "entry[1].resource.name": 5, "entry[1].resource.name[0].given": 6}
	}

	It("builds once, shifts lines by the document's first line, and falls back to ancestors", func() {
		doc := lineindex.New([]byte("{}"), 10, build)
		loc := doc.Locator("entry[1].resource")
		Expect(builds).To(BeZero(), "nothing is built until a line is asked for")
		Expect(loc.Line("Patient.name[0].given")).To(Equal(15))
		Expect(loc.Line("Patient.name[0].family")).To(Equal(14), "an absent element: its nearest ancestor")
		Expect(loc.Line("Patient")).To(Equal(13))
		Expect(doc.Locator("").Line("Bundle")).To(Equal(10))
		Expect(doc.Locator("entry[9].resource").Line("Patient.id")).To(BeZero())
		Expect(builds).To(Equal(1))
	})

	It("locates with lines its reader recorded, building nothing", func() {
		doc := lineindex.Built(map[string]int{"": 1, "name[0]": 3}, 10)
		Expect(doc.Locator("").Line("Patient.name[0].given")).To(Equal(12))
		Expect(doc.Locator("").Line("Patient.id")).To(Equal(10))
	})

	It("answers the paths its reader recorded without building the index, and builds it for any other", func() {
		builds = 0
		known := lineindex.Lines{"entry[1].resource": 4, "entry[2].resource": 9}
		doc := lineindex.NewKnowing([]byte("{}"), 10, build, known)
		Expect(doc.Locator("entry[1].resource").Line("Patient")).To(Equal(13))
		Expect(doc.Locator("entry[2].resource").Line("Observation")).To(Equal(18))
		Expect(builds).To(BeZero())
		Expect(doc.Locator("entry[1].resource").Line("Patient.name[0].given")).To(Equal(15))
		Expect(doc.Locator("entry[1].resource").Line("Patient.id")).To(Equal(13), "an absent element: its ancestor, from the index")
		Expect(builds).To(Equal(1))
	})

	It("places a document's root by the line its reader knows, building nothing, and builds for any other path", func() {
		builds = 0
		doc := lineindex.NewKnowing([]byte("<Patient/>"), 10, build, lineindex.RootLine(3))
		Expect(doc.Locator("").Line("Patient")).To(Equal(12))
		Expect(builds).To(BeZero())
		Expect(doc.Locator("").Line("Patient.type")).To(Equal(10), "from the index")
		Expect(builds).To(Equal(1))
	})

	It("joins and shortens paths", func() {
		Expect(lineindex.Join("entry[2].resource", "name[0]")).To(Equal("entry[2].resource.name[0]"))
		Expect(lineindex.Join("entry[2].resource", "[0]")).To(Equal("entry[2].resource[0]"))
		Expect(lineindex.Join("", "name")).To(Equal("name"))
		Expect(lineindex.Parent("name[0].given")).To(Equal("name[0]"))
		Expect(lineindex.Parent("name[0]")).To(Equal("name"))
		Expect(lineindex.Parent("name")).To(Equal(""))
	})
})
