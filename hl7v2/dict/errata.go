package dict

// erratum is one field whose optionality the generated sources got wrong for
// one version. hl7v2-dictionary (and hl7apy, from the same HL7 database) flip
// a few fields of 2.2, 2.3 and 2.3.1 against the standard's attribute tables:
// in 2.3 the R of EVN, PR1, AIL and RXG sits one field early (EVN-1 required,
// EVN-2 optional, where the standard has EVN-1 B and EVN-2 R), and ORC-7 and
// OBR-27 are required where the standard (and 2.2 and 2.3.1) has them
// optional. Each entry was checked against the version's attribute table, and
// holds only where the versions before and after agree with the standard.
// Making an optional field required gives valid messages false errors;
// making a required one optional hides real ones.
type erratum struct {
	version, segment string
	field            int
	opt              string
}

var errata = []erratum{
	{"2.2", "FT1", 14, "O"},
	{"2.3", "AIL", 3, "C"}, {"2.3", "AIL", 4, "R"},
	{"2.3", "EVN", 1, "B"}, {"2.3", "EVN", 2, "R"},
	{"2.3", "IN1", 2, "R"},
	{"2.3", "NK1", 7, "O"},
	{"2.3", "OBR", 27, "O"},
	{"2.3", "OBX", 2, "C"},
	{"2.3", "OM3", 7, "O"},
	{"2.3", "ORC", 7, "O"},
	{"2.3", "PR1", 2, "B"}, {"2.3", "PR1", 3, "R"}, {"2.3", "PR1", 5, "R"},
	{"2.3", "QRD", 1, "R"},
	{"2.3", "RXG", 1, "R"}, {"2.3", "RXG", 2, "O"},
	{"2.3.1", "CTD", 1, "R"},
	{"2.3.1", "LCH", 5, "R"},
	{"2.3.1", "OBX", 2, "C"}, {"2.3.1", "OBX", 4, "C"},
	{"2.3.1", "OM1", 2, "R"}, {"2.3.1", "OM1", 4, "R"}, {"2.3.1", "OM1", 5, "R"}, {"2.3.1", "OM1", 8, "R"},
	{"2.3.1", "ORC", 1, "R"},
	{"2.3.1", "RDT", 1, "R"},
}

// Correct sets the optionality the standard gives to the fields the sources
// got wrong in x's version (see errata). The generator applies it before it
// writes a version, and loading applies it again, so definitions generated
// before an erratum was known are right too.
func Correct(x *Version) {
	for _, e := range errata {
		if e.version != x.Version {
			continue
		}
		if s := x.Segments[e.segment]; s != nil && e.field <= len(s.Fields) {
			s.Fields[e.field-1].Opt = e.opt
		}
	}
}
