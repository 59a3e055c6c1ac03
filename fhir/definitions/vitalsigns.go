package definitions

import "slices"

// vitalSignProfiles are the ids of the core profiles of R4's vital signs
// table (§8.1.1), in the order the reference validator tries them: an
// Observation coded as one of the signs must conform to its profile,
// whatever else it claims.
var vitalSignProfiles = []string{"vitalspanel", "resprate", "heartrate", "oxygensat", "bodytemp",
	"bodyheight", "headcircum", "bodyweight", "bmi", "bp"}

// moreSpecificVitalCodes are the codes, beyond the LOINC code each profile
// fixes, that say an Observation is that vital sign: LOINC codes of the
// same measurement taken a particular way or at a particular site, and
// SNOMED CT's codes for it. R4 §8.1.1 asks that an Observation recorded
// under a more specific code also carries the sign's own LOINC code, so the
// reference validator holds an Observation with any of these codes to the
// sign's profile, whose fixed coding then reports the missing LOINC code.
// SNOMED CT 271306003, which the reference lists under both respiratory and
// heart rate, is kept under respiratory rate, the sign the reference tries
// first and so the one it implies.
var moreSpecificVitalCodes = map[string]struct{ loinc, snomed []string }{
	"vitalspanel": {snomed: []string{"46680005"}},
	"resprate": {loinc: []string{"11291-2", "19840-8", "33438-3", "76170-0", "76171-8", "76172-6", "76270-8"},
		snomed: []string{"86290005", "271625008", "271306003"}},
	"heartrate": {loinc: []string{"11328-2", "40443-4", "55425-3", "60978-4", "68999-2", "69000-8", "73795-7", "73799-9",
		"76476-1", "76477-9", "8886-4", "8889-8", "8890-6", "8891-4", "8892-2", "8893-0"},
		snomed: []string{"249043002", "251670001", "399017001", "429525003", "429614003", "444981005"}},
	"oxygensat": {loinc: []string{"19224-5", "20564-1", "2709-4", "2710-2", "2713-6", "51733-4", "59408-5", "59417-6",
		"89276-0", "97549-0"},
		snomed: []string{"431314004", "442476006"}},
	"bodytemp": {loinc: []string{"60834-9", "60835-6", "60836-4", "60838-0", "60955-2", "61009-7", "75539-7", "75987-8",
		"76010-8", "76011-6", "76278-1", "8309-7", "8328-7", "8329-5", "8330-3", "8331-1", "8332-9", "8333-7", "8334-5",
		"91371-5", "98657-0", "98663-8"},
		snomed: []string{"1222808002", "276885007", "300076005", "307047009", "364246006", "386725007", "415882003",
			"415929009", "415945006", "415974002", "431598003", "698831002", "698832009", "708499008"}},
	"bodyheight": {loinc: []string{"3137-7", "3138-5", "8306-3", "8308-9"},
		snomed: []string{"1153637007", "1162392001", "1162417005", "1162418000", "1162419008", "1230278008", "50373000"}},
	"headcircum": {loinc: []string{"8287-5"},
		snomed: []string{"169876006", "1269262007", "363811000", "363812007"}},
	"bodyweight": {loinc: []string{"3141-9", "3142-7", "75292-3", "79348-9", "8350-1", "8351-9"},
		snomed: []string{"1162415002", "1162416001", "424927000", "425024002", "735395000", "784399000"}},
	"bmi": {loinc: []string{"89270-3"}, snomed: []string{"60621009"}},
	"bp": {loinc: []string{"35094-2", "55284-4", "76534-7", "8459-0", "8480-6"},
		snomed: []string{"163033001", "163035008", "251076008", "271649006", "271650006", "386534000", "386536003",
			"399304008", "407554009", "407556006", "716579001"}},
}

// VitalSignProfiles returns the ids of R4's core vital-sign profiles
// (CoreBase+id), in the order the reference validator tries them.
func VitalSignProfiles() []string { return slices.Clone(vitalSignProfiles) }

// VitalSignRank orders the codings that imply a vital-sign profile as the
// reference validator picks the one profile an Observation is held to:
// every LOINC coding before any SNOMED CT one, and within a system the
// signs in VitalSignProfiles' order. An Observation coded as several signs
// is held to the sign of its lowest-ranked coding alone (an earlier coding
// wins a tie), and its unit to that sign's. id is a profile id of
// VitalSignProfiles; ok is false for any other id, or a system that is
// neither LOINC nor SNOMED CT.
func VitalSignRank(id, system string) (rank int, ok bool) {
	sign := slices.Index(vitalSignProfiles, id)
	if sign < 0 {
		return 0, false
	}
	switch system {
	case "http://loinc.org":
		return sign, true
	case "http://snomed.info/sct":
		return len(vitalSignProfiles) + sign, true
	}
	return 0, false
}

// MoreSpecificVitalCodes returns the LOINC and SNOMED CT codes, beyond the
// LOINC code the profile fixes, that say an Observation is the vital sign of
// core profile id (one of VitalSignProfiles): the profile engine implies
// the profile from them, and the units rule reads the unit it fixes for
// them, so both know the same signs.
func MoreSpecificVitalCodes(id string) (loinc, snomed []string) {
	c := moreSpecificVitalCodes[id]
	return slices.Clone(c.loinc), slices.Clone(c.snomed)
}
