// Package snomedtest writes a tiny synthetic SNOMED CT RF2 snapshot for
// tests: six concepts (two real ids, the rest made with valid check digits),
// their descriptions, is-a relationships and a language reference set.
package snomedtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/terminology"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// id makes a SNOMED CT identifier with a valid check digit from a number and
// a partition ("00" concept, "01" description, "02" relationship).
func id(n int, partition string) string {
	body := fmt.Sprintf("%d%s", n, partition)
	return body + string(terminology.VerhoeffDigit(body))
}

// Concept ids of the synthetic release: Root > Finding > Htn > PregHTN,
// Finding > Asthma, and Retired (inactive) under Finding.
const (
	Root    = "138875005"
	Finding = "404684003"
	Htn     = "38341003"
	Asthma  = "195967001"
	isA     = "116680003"
	fsn     = "900000000000003001"
	syn     = "900000000000013009"
)

// Synthetic concept ids, with valid check digits.
var (
	PregHTN = id(9100001, "00")
	Retired = id(9100002, "00")
)

// WriteRelease writes a tiny synthetic RF2 snapshot and returns its folder.
func WriteRelease(dir string) string {
	rel := filepath.Join(dir, "SnomedCT_Test", "Snapshot", "Terminology")
	must(os.MkdirAll(rel, 0o755))
	refsets := filepath.Join(dir, "SnomedCT_Test", "Snapshot", "Refset", "Language")
	must(os.MkdirAll(refsets, 0o755))
	write := func(folder, name, header string, rows ...string) {
		content := header + "\r\n" + strings.Join(rows, "\r\n") + "\r\n"
		must(os.WriteFile(filepath.Join(folder, name), []byte(content), 0o644))
	}
	write(rel, "sct2_Concept_Snapshot_INT_20250101.txt", "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId",
		Root+"\t20020131\t1\t900000000000207008\t900000000000074008",
		Finding+"\t20020131\t1\t900000000000207008\t900000000000074008",
		Htn+"\t20020131\t1\t900000000000207008\t900000000000074008",
		Asthma+"\t20020131\t1\t900000000000207008\t900000000000074008",
		PregHTN+"\t20250101\t1\t900000000000207008\t900000000000074008",
		Retired+"\t20240701\t0\t900000000000207008\t900000000000074008",
	)
	n := 0
	desc := func(concept, typ, term string, active string) string {
		n++
		return strings.Join([]string{id(8200000+n, "01"), "20020131", active, "900000000000207008", concept, "en", typ, term, "900000000000448009"}, "\t")
	}
	hSyn := desc(Htn, syn, "Hypertension", "1")
	hSynID := strings.Split(hSyn, "\t")[0]
	write(rel, "sct2_Description_Snapshot-en_INT_20250101.txt", "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId",
		desc(Root, fsn, "SNOMED CT Concept (SNOMED RT+CTV3)", "1"),
		desc(Finding, fsn, "Clinical Finding (Finding)", "1"),
		desc(Htn, fsn, "Hypertensive disorder, systemic arterial (disorder)", "1"),
		hSyn,
		desc(Htn, syn, "High blood pressure", "1"),
		desc(Htn, syn, "An old term", "0"),
		desc(Asthma, fsn, "Asthma (disorder)", "1"),
		desc(PregHTN, fsn, "Hypertension in pregnancy (disorder)", "1"),
		desc(Retired, fsn, "Retired thing (Finding)", "1"),
	)
	r := 0
	rel2 := func(child, parent, active string) string {
		r++
		return strings.Join([]string{id(7300000+r, "02"), "20020131", active, "900000000000207008", child, parent, "0", isA, "900000000000011006", "900000000000451002"}, "\t")
	}
	write(rel, "sct2_Relationship_Snapshot_INT_20250101.txt",
		"id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId",
		rel2(Finding, Root, "1"), rel2(Htn, Finding, "1"), rel2(Asthma, Finding, "1"), rel2(PregHTN, Htn, "1"),
		rel2(Asthma, Htn, "0"), // an inactive is-a does not count
		rel2(Retired, Finding, "1"),
	)
	write(refsets, "der2_cRefset_LanguageSnapshot-en_INT_20250101.txt",
		"id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId",
		"a1b2c3d4-0000-0000-0000-000000000001\t20020131\t1\t900000000000207008\t900000000000509007\t"+hSynID+"\t900000000000548007",
	)
	return filepath.Join(dir, "SnomedCT_Test")
}
