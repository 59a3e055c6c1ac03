package definitions

import "slices"

// vitalSignProfiles are the ids of the core profiles of R4's vital signs
// table (§8.1.1), in the order the reference validator tries them: an
// Observation coded as one of the signs must conform to its profile,
// whatever else it claims.
var vitalSignProfiles = []string{"vitalspanel", "resprate", "heartrate", "oxygensat", "bodytemp",
	"bodyheight", "headcircum", "bodyweight", "bmi", "bp"}

// vitalSignCodes are the LOINC codes the vital-sign profiles fix on their
// Observation.code, by profile id: the sign's own code.
var vitalSignCodes = map[string]string{"vitalspanel": "85353-1", "resprate": "9279-1", "heartrate": "8867-4",
	"oxygensat": "2708-6", "bodytemp": "8310-5", "bodyheight": "8302-2", "headcircum": "9843-4",
	"bodyweight": "29463-7", "bmi": "39156-5", "bp": "85354-9"}

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

// vitalCoding is a coding that may say an Observation is a vital sign.
type vitalCoding struct{ system, code string }

// vitalSign is the profile a vital-sign coding implies and the coding's
// rank: every LOINC coding before any SNOMED CT one, and within a system
// the signs in VitalSignProfiles' order.
type vitalSign struct {
	id   string
	rank int
}

// vitalSigns maps each vital-sign coding to its sign; read only.
var vitalSigns = indexVitalSigns()

func indexVitalSigns() map[vitalCoding]vitalSign {
	signs := map[vitalCoding]vitalSign{}
	for i, id := range vitalSignProfiles {
		signs[vitalCoding{loincSystem, vitalSignCodes[id]}] = vitalSign{id, i}
		for _, c := range moreSpecificVitalCodes[id].loinc {
			signs[vitalCoding{loincSystem, c}] = vitalSign{id, i}
		}
		for _, c := range moreSpecificVitalCodes[id].snomed {
			signs[vitalCoding{snomedSystem, c}] = vitalSign{id, len(vitalSignProfiles) + i}
		}
	}
	return signs
}

const (
	loincSystem  = "http://loinc.org"
	snomedSystem = "http://snomed.info/sct"
)

// ImpliedVital is the vital-sign profile an Observation is held to because
// of its code, and the coding it is implied by; Profile (an id of
// VitalSignProfiles, under CoreBase) is "" when its code implies none.
type ImpliedVital struct {
	Profile      string
	System, Code string
	rank         int
}

// Then returns which of v, implied by the codings read so far, and the
// coding system|code that follows them implies the one profile an
// Observation is held to, as the reference validator picks it: the lower
// ranked, the earlier on a tie, so that an Observation coded as several
// signs is held to one. among, when not nil, limits the signs to the
// profiles it accepts. The profile engine (record map and stream scan) and
// the units rule all pick by it.
func (v ImpliedVital) Then(system, code string, among func(id string) bool) ImpliedVital {
	s, ok := vitalSigns[vitalCoding{system, code}]
	if !ok || v.Profile != "" && v.rank <= s.rank || among != nil && !among(s.id) {
		return v
	}
	return ImpliedVital{Profile: s.id, System: system, Code: code, rank: s.rank}
}
