package snomed_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/snomed"
	"github.com/carecert/carecert/terminology/snomed/snomedtest"
)

var _ = Describe("a SNOMED CT release in SQLite", Ordered, func() {
	var (
		store  *snomed.Store
		dbPath string
		ctx    = context.Background()
	)
	BeforeAll(func() {
		dir := GinkgoT().TempDir()
		dbPath = filepath.Join(dir, "snomed.db")
		sum, err := snomed.Load(ctx, snomedtest.WriteRelease(dir), dbPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(sum).To(Equal(snomed.Summary{Concepts: 6, Descriptions: 9, Relationships: 5, Preferred: 1, Effective: "20250101"}))
		store, err = snomed.Open(dbPath)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(store.Close)
	})

	It("looks up concepts with their preferred term and other active terms", func() {
		c, ok, err := store.Lookup(ctx, snomedtest.Htn)
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeTrue())
		Expect(c.Display).To(Equal("Hypertension"))
		Expect(c.Designations).To(ConsistOf("Hypertension", "High blood pressure", "Hypertensive disorder, systemic arterial (disorder)"))
		Expect(c.Inactive).To(BeFalse())
		c, _, _ = store.Lookup(ctx, snomedtest.Asthma)
		Expect(c.Display).To(Equal("Asthma"), "the FSN without its tag when no preferred term is known")
		c, _, _ = store.Lookup(ctx, snomedtest.Retired)
		Expect(c.Inactive).To(BeTrue())
		_, ok, err = store.Lookup(ctx, "22298006")
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		Expect(store.Effective()).To(Equal("20250101"))
	})

	It("answers subsumption through the is-a hierarchy, ignoring inactive relationships", func() {
		for _, pair := range [][2]string{{snomedtest.Finding, snomedtest.PregHTN}, {snomedtest.Root, snomedtest.PregHTN}, {snomedtest.Htn, snomedtest.PregHTN}, {snomedtest.Htn, snomedtest.Htn}} {
			ok, err := store.Subsumes(ctx, pair[0], pair[1])
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue(), pair[0]+" > "+pair[1])
		}
		for _, pair := range [][2]string{{snomedtest.Htn, snomedtest.Asthma}, {snomedtest.PregHTN, snomedtest.Htn}, {snomedtest.Asthma, snomedtest.Root}} {
			ok, _ := store.Subsumes(ctx, pair[0], pair[1])
			Expect(ok).To(BeFalse(), pair[0]+" > "+pair[1])
		}
	})

	It("lets the engine decide SNOMED CT value sets and codes offline", func() {
		e := terminology.NewCore(nil)
		e.AddProvider(terminology.SNOMED, store)
		// clinical-findings is "is-a 404684003" in FHIR R4.
		r, err := e.ValidateCode(ctx, terminology.SNOMED, snomedtest.PregHTN, "", "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Member))
		Expect(r.Issues).To(BeEmpty())
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, snomedtest.Root, "", "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(r.Membership).To(Equal(terminology.NotMember))
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, snomedtest.Htn, "Heart failure", "")
		Expect(r.Issues).To(HaveLen(1))
		Expect(r.Issues[0].Code).To(Equal(terminology.IssueDisplay))
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, snomedtest.Htn, "high blood pressure", "")
		Expect(r.Issues).To(BeEmpty())
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, "22298006", "", "")
		Expect(r.Issues[0].Code).To(Equal(terminology.IssueUnknownCode))
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, snomedtest.Retired, "", "")
		Expect(r.Issues[0].Code).To(Equal(terminology.IssueInactive))
	})

	It("decides subsumption for token :above and :below through the engine, leaving a code the release lacks undecided", func() {
		e := terminology.New()
		e.AddProvider(terminology.SNOMED, store)
		for _, c := range []struct {
			ancestor, code string
			subsumes       bool
		}{
			{snomedtest.Finding, snomedtest.PregHTN, true},
			{snomedtest.Htn, snomedtest.PregHTN, true},
			{snomedtest.Htn, snomedtest.Htn, true},
			{snomedtest.Htn, snomedtest.Asthma, false},
			{snomedtest.PregHTN, snomedtest.Htn, false},
		} {
			is, known := e.Subsumes(terminology.SNOMED, c.ancestor, c.code)
			Expect([]bool{is, known}).To(Equal([]bool{c.subsumes, true}), c.ancestor+" > "+c.code)
		}
		// 22298006 is not in the test release: another edition or a later
		// version may have it, under either code, so neither way is proven.
		_, known := e.Subsumes(terminology.SNOMED, snomedtest.Htn, "22298006")
		Expect(known).To(BeFalse(), "a code the release lacks, below")
		_, known = e.Subsumes(terminology.SNOMED, "22298006", snomedtest.Htn)
		Expect(known).To(BeFalse(), "a code the release lacks, above")
		is, known := e.Subsumes(terminology.SNOMED, "22298006", "22298006")
		Expect([]bool{is, known}).To(Equal([]bool{true, true}), "a code subsumes itself, held or not")
		_, known = terminology.New().Subsumes(terminology.SNOMED, snomedtest.Htn, snomedtest.PregHTN)
		Expect(known).To(BeFalse(), "without a release SNOMED CT's hierarchy is not held")
	})

	It("serves many goroutines at once", func() {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := store.Subsumes(ctx, snomedtest.Finding, snomedtest.PregHTN)
				if err != nil || !ok {
					errs <- fmt.Errorf("subsumes: %v %v", ok, err)
				}
				if _, ok, err := store.Lookup(ctx, snomedtest.Asthma); err != nil || !ok {
					errs <- fmt.Errorf("lookup: %v %v", ok, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		Expect(errs).To(BeEmpty())
	})

	It("refuses to overwrite an existing file", func() {
		_, err := snomed.Load(ctx, snomedtest.WriteRelease(GinkgoT().TempDir()), dbPath)
		Expect(err).To(MatchError(ContainSubstring("already exists")))
	})
})

var _ = Describe("loading a broken release", func() {
	ctx := context.Background()

	It("names the files that are missing", func() {
		dir := GinkgoT().TempDir()
		_, err := snomed.Load(ctx, dir, filepath.Join(dir, "x.db"))
		Expect(err).To(MatchError(ContainSubstring("no sct2_Concept_Snapshot*.txt, sct2_Description_Snapshot*.txt, sct2_Relationship_Snapshot*.txt")))
	})

	DescribeTable("names the file and line of a bad row, and leaves no half-made file",
		func(mangle func(string) string, want string) {
			dir := GinkgoT().TempDir()
			rel := snomedtest.WriteRelease(dir)
			path := filepath.Join(rel, "Snapshot", "Terminology", "sct2_Concept_Snapshot_INT_20250101.txt")
			data, _ := os.ReadFile(path)
			Expect(os.WriteFile(path, []byte(mangle(string(data))), 0o644)).To(Succeed())
			db := filepath.Join(dir, "x.db")
			_, err := snomed.Load(ctx, rel, db)
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(db).NotTo(BeAnExistingFile())
		},
		Entry("a wrong check digit", func(s string) string { return strings.Replace(s, snomedtest.Htn, "38341004", 1) },
			"sct2_Concept_Snapshot_INT_20250101.txt:4: SNOMED CT id 38341004 fails its Verhoeff check digit"),
		Entry("a missing column", func(s string) string { return strings.Replace(s, "\t900000000000074008\r\n", "\r\n", 1) },
			"sct2_Concept_Snapshot_INT_20250101.txt:2: want 5 tab-separated columns, got 4"),
		Entry("no header", func(s string) string { return s[strings.Index(s, "\n")+1:] },
			"sct2_Concept_Snapshot_INT_20250101.txt:1: not an RF2 file"),
	)

	It("refuses to open a file that is not a loaded release", func() {
		p := filepath.Join(GinkgoT().TempDir(), "other.db")
		Expect(os.WriteFile(p, nil, 0o644)).To(Succeed())
		_, err := snomed.Open(p)
		Expect(err).To(MatchError(ContainSubstring("not a carecert SNOMED CT file")))
		_, err = snomed.Open(filepath.Join(GinkgoT().TempDir(), "none.db"))
		Expect(err).To(HaveOccurred())
	})
})
