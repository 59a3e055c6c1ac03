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
)

// id makes a SNOMED CT identifier with a valid check digit from a number and
// a partition ("00" concept, "01" description, "02" relationship).
func id(n int, partition string) string {
	body := fmt.Sprintf("%d%s", n, partition)
	return body + string(terminology.VerhoeffDigit(body))
}

const (
	root    = "138875005"
	finding = "404684003"
	htn     = "38341003"
	asthma  = "195967001"
	isA     = "116680003"
	fsn     = "900000000000003001"
	syn     = "900000000000013009"
)

var (
	pregHTN = id(9100001, "00")
	retired = id(9100002, "00")
)

// writeRelease writes a tiny synthetic RF2 snapshot and returns its folder.
func writeRelease(dir string) string {
	rel := filepath.Join(dir, "SnomedCT_Test", "Snapshot", "Terminology")
	Expect(os.MkdirAll(rel, 0o755)).To(Succeed())
	refsets := filepath.Join(dir, "SnomedCT_Test", "Snapshot", "Refset", "Language")
	Expect(os.MkdirAll(refsets, 0o755)).To(Succeed())
	write := func(folder, name, header string, rows ...string) {
		content := header + "\r\n" + strings.Join(rows, "\r\n") + "\r\n"
		Expect(os.WriteFile(filepath.Join(folder, name), []byte(content), 0o644)).To(Succeed())
	}
	write(rel, "sct2_Concept_Snapshot_INT_20250101.txt", "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
		root+"\t20020131\t1\t900000000000207008\t900000000000074008",
		finding+"\t20020131\t1\t900000000000207008\t900000000000074008",
		htn+"\t20020131\t1\t900000000000207008\t900000000000074008",
		asthma+"\t20020131\t1\t900000000000207008\t900000000000074008",
		pregHTN+"\t20250101\t1\t900000000000207008\t900000000000074008",
		retired+"\t20240701\t0\t900000000000207008\t900000000000074008",
	)
	n := 0
	desc := func(concept, typ, term string, active string) string {
		n++
		return strings.Join([]string{id(8200000+n, "01"), "20020131", active, "900000000000207008", concept, "en", typ, term, "900000000000448009"}, "\t")
	}
	hSyn := desc(htn, syn, "Hypertension", "1")
	hSynID := strings.Split(hSyn, "\t")[0]
	write(rel, "sct2_Description_Snapshot-en_INT_20250101.txt", "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
		desc(root, fsn, "SNOMED CT Concept (SNOMED RT+CTV3)", "1"),
		desc(finding, fsn, "Clinical finding (finding)", "1"),
		desc(htn, fsn, "Hypertensive disorder, systemic arterial (disorder)", "1"),
		hSyn,
		desc(htn, syn, "High blood pressure", "1"),
		desc(htn, syn, "An old term", "0"),
		desc(asthma, fsn, "Asthma (disorder)", "1"),
		desc(pregHTN, fsn, "Hypertension in pregnancy (disorder)", "1"),
		desc(retired, fsn, "Retired thing (finding)", "1"),
	)
	r := 0
	rel2 := func(child, parent, active string) string {
		r++
		return strings.Join([]string{id(7300000+r, "02"), "20020131", active, "900000000000207008", child, parent, "0", isA, "900000000000011006", "900000000000451002"}, "\t")
	}
	write(rel, "sct2_Relationship_Snapshot_INT_20250101.txt",
		"id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
		rel2(finding, root, "1"), rel2(htn, finding, "1"), rel2(asthma, finding, "1"), rel2(pregHTN, htn, "1"),
		rel2(asthma, htn, "0"), // an inactive is-a does not count
		rel2(retired, finding, "1"),
	)
	write(refsets, "der2_cRefset_LanguageSnapshot-en_INT_20250101.txt",
		"id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId",
		"a1b2c3d4-0000-0000-0000-000000000001\t20020131\t1\t900000000000207008\t900000000000509007\t"+hSynID+"\t900000000000548007",
	)
	return filepath.Join(dir, "SnomedCT_Test")
}

var _ = Describe("a SNOMED CT release in SQLite", Ordered, func() {
	var (
		store *snomed.Store
		dbPath string
		ctx    = context.Background()
	)
	BeforeAll(func() {
		dir := GinkgoT().TempDir()
		dbPath = filepath.Join(dir, "snomed.db")
		sum, err := snomed.Load(ctx, writeRelease(dir), dbPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(sum).To(Equal(snomed.Summary{Concepts: 6, Descriptions: 9, Relationships: 5, Preferred: 1, Effective: "20250101"}))
		store, err = snomed.Open(dbPath)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(store.Close)
	})

	It("looks up concepts with their preferred term and other active terms", func() {
		c, ok, err := store.Lookup(ctx, htn)
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeTrue())
		Expect(c.Display).To(Equal("Hypertension"))
		Expect(c.Designations).To(ConsistOf("Hypertension", "High blood pressure", "Hypertensive disorder, systemic arterial (disorder)"))
		Expect(c.Inactive).To(BeFalse())
		c, _, _ = store.Lookup(ctx, asthma)
		Expect(c.Display).To(Equal("Asthma"), "the FSN without its tag when no preferred term is known")
		c, _, _ = store.Lookup(ctx, retired)
		Expect(c.Inactive).To(BeTrue())
		_, ok, err = store.Lookup(ctx, "22298006")
		Expect(err).NotTo(HaveOccurred())
		Expect(ok).To(BeFalse())
		Expect(store.Effective()).To(Equal("20250101"))
	})

	It("answers subsumption through the is-a hierarchy, ignoring inactive relationships", func() {
		for _, pair := range [][2]string{{finding, pregHTN}, {root, pregHTN}, {htn, pregHTN}, {htn, htn}} {
			ok, err := store.Subsumes(ctx, pair[0], pair[1])
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue(), pair[0]+" > "+pair[1])
		}
		for _, pair := range [][2]string{{htn, asthma}, {pregHTN, htn}, {asthma, root}} {
			ok, _ := store.Subsumes(ctx, pair[0], pair[1])
			Expect(ok).To(BeFalse(), pair[0]+" > "+pair[1])
		}
	})

	It("lets the engine decide SNOMED CT value sets and codes offline", func() {
		e := terminology.NewCore(nil)
		e.AddProvider(terminology.SNOMED, store)
		// clinical-findings is "is-a 404684003" in FHIR R4.
		r, err := e.ValidateCode(ctx, terminology.SNOMED, pregHTN, "", "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Member))
		Expect(r.Issues).To(BeEmpty())
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, root, "", "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(r.Membership).To(Equal(terminology.NotMember))
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, htn, "Heart failure", "")
		Expect(r.Issues).To(HaveLen(1))
		Expect(r.Issues[0].Code).To(Equal(terminology.IssueDisplay))
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, htn, "high blood pressure", "")
		Expect(r.Issues).To(BeEmpty())
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, "22298006", "", "")
		Expect(r.Issues[0].Code).To(Equal(terminology.IssueUnknownCode))
		r, _ = e.ValidateCode(ctx, terminology.SNOMED, retired, "", "")
		Expect(r.Issues[0].Code).To(Equal(terminology.IssueInactive))
	})

	It("serves many goroutines at once", func() {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for i := 0; i < 32; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := store.Subsumes(ctx, finding, pregHTN)
				if err != nil || !ok {
					errs <- fmt.Errorf("subsumes: %v %v", ok, err)
				}
				if _, ok, err := store.Lookup(ctx, asthma); err != nil || !ok {
					errs <- fmt.Errorf("lookup: %v %v", ok, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		Expect(errs).To(BeEmpty())
	})

	It("refuses to overwrite an existing file", func() {
		_, err := snomed.Load(ctx, writeRelease(GinkgoT().TempDir()), dbPath)
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
			rel := writeRelease(dir)
			path := filepath.Join(rel, "Snapshot", "Terminology", "sct2_Concept_Snapshot_INT_20250101.txt")
			data, _ := os.ReadFile(path)
			Expect(os.WriteFile(path, []byte(mangle(string(data))), 0o644)).To(Succeed())
			db := filepath.Join(dir, "x.db")
			_, err := snomed.Load(ctx, rel, db)
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(db).NotTo(BeAnExistingFile())
		},
		Entry("a wrong check digit", func(s string) string { return strings.Replace(s, htn, "38341004", 1) },
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
