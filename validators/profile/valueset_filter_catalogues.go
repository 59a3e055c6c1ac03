package profile

import (
	"slices"
	"strings"

	"github.com/carecert/carecert/terminology"
)

// Some code systems are filtered on by properties no CodeSystem resource
// carries: SNOMED CT by its concept model attributes, LOINC by its parts and
// the columns of its table, RxNorm by its term types and relationships, and
// so on (the FHIR pages on using each system, and terminology.hl7.org). The
// reference validator keeps a catalogue for each and judges their filters as
// it judges a held code system's: a property outside the catalogue is a
// warning; the operator and the value's kind are checked where the catalogue
// says how. Codes those properties name are checked by their form only
// (terminology.FormatError): carecert holds none of these systems whole.

// filterCatalogue is the filter properties of one such code system, each
// with how its filters are judged; a nil rule is a property known but not
// judged.
type filterCatalogue map[string]*filterRule

// catalogue is rules with each of properties that rules does not name
// judged by r (nil: known, not judged).
func catalogue(rules map[string]*filterRule, r *filterRule, properties ...string) filterCatalogue {
	c := filterCatalogue{}
	for p, rule := range rules {
		c[p] = rule
	}
	for _, p := range properties {
		if _, ok := c[p]; !ok {
			c[p] = r
		}
	}
	return c
}

// standardProperties are the properties every code system has.
func standardProperties() []string {
	out := make([]string, 0, len(standardFilterRules))
	for p := range standardFilterRules {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Operators, as the catalogues allow them.
var (
	opsEqualIn     = []string{"=", "in"}
	opsLOINCValues = []string{"=", "exists", "regex", "in", "not-in"}
)

// loincPartCodes is why LOINC part filters fail on a name: since LOINC 2.67
// their values are part codes (LP...), where older value sets wrote names.
const loincPartCodes = "LOINC's part and hierarchy filters take codes such as LP14449-0, not names"

// filterCatalogues are the code systems the reference validator knows the
// filter properties of without a CodeSystem resource.
var filterCatalogues = map[string]filterCatalogue{
	// SNOMED CT: the concept (is-a, descendants, members of a reference set),
	// an ECL constraint, whether expressions are included, the inactive flag,
	// and each concept model attribute by its concept id (a descendant of
	// 410662002 |Concept model attribute|), whose values are concepts.
	terminology.SNOMED: catalogue(map[string]*filterRule{
		"concept":     {kind: filterCode, codes: codeMust, ops: []string{"is-a", "is-not-a", "in", "descendent-of", "descendent-leaf"}},
		"constraint":  {kind: filterAny, ops: []string{"="}}, // ECL is not parsed: carecert's limit
		"expressions": {kind: filterBoolean, ops: opsEqualIn},
		"inactive":    {kind: filterBoolean, ops: opsEqualIn},
	}, &filterRule{kind: filterCode, codes: codeMust, ops: opsEqualIn}, snomedAttributes...),
	// LOINC: its six axes, classes, hierarchy and the parts of the LOINC
	// part model name codes; the other columns of the LOINC table are text.
	// The standard properties other than the concept and code are not
	// LOINC's: known, not judged.
	terminology.LOINC: func() filterCatalogue {
		rules := map[string]*filterRule{
			"concept":   {kind: filterCode, ops: []string{"=", "is-a", "is-not-a"}},
			"code":      {kind: filterCode, ops: []string{"=", "is-a", "is-not-a"}},
			"copyright": {kind: filterCodeList, ops: []string{"=", "regex", "in", "not-in"}, list: []string{"LOINC", "3rdParty"}},
		}
		for _, p := range loincCodedProperties {
			rules[p] = &filterRule{kind: filterCode, codes: codeMust, ops: opsLOINCValues, why: loincPartCodes}
		}
		for _, p := range loincTextProperties {
			rules[p] = &filterRule{kind: filterAny, ops: opsLOINCValues}
		}
		return catalogue(rules, nil, standardProperties()...)
	}(),
	// RxNorm: semantic types, sources, term types and relationships, and the
	// standard properties; any operator, values are codes.
	"http://www.nlm.nih.gov/research/umls/rxnorm": catalogue(nil, &filterRule{kind: filterCode}, append(standardProperties(),
		"STY", "SAB", "TTY", "SY", "SIB", "RN", "PAR", "CHD", "RB", "RO", "IN", "PIN", "MIN", "BN",
		"SCD", "SBD", "GPCK", "BPCK", "SCDC", "SCDF", "SCDFP", "SCDG", "SCDGP", "SBDC", "SBDF", "SBDFP", "SBDG", "DF", "DFG")...),
	// UCUM: units of a property (a kind of quantity) or of a canonical unit,
	// and the standard properties; any operator, values are codes.
	terminology.UCUM: catalogue(nil, &filterRule{kind: filterCode}, append(standardProperties(), "property", "canonical")...),
	// CPT: modifiers and modified codes, the kind of code, and flags; the
	// standard properties are known, not judged.
	"http://www.ama-assn.org/go/cpt": catalogue(map[string]*filterRule{
		"modifier": {kind: filterBoolean}, "modified": {kind: filterBoolean},
		"telemedicine": {kind: filterBoolean}, "orthopox": {kind: filterBoolean},
		"kind": {kind: filterCode},
	}, nil, standardProperties()...),
	// BCP-47: tags having (exists) a language, region, script... subtag,
	// known, not judged; the concept is a whole tag, checked by its grammar,
	// and the standard properties but the hierarchy's are judged as for any
	// code system.
	terminology.LanguageSystem: func() filterCatalogue {
		rules := map[string]*filterRule{}
		for p, std := range standardFilterRules {
			if !slices.Contains(hierarchyProperties, p) {
				rules[p] = &std
			}
		}
		return catalogue(rules, nil, "language", "region", "script", "variant", "extension", "ext-lang", "private-use")
	}(),
}

// loincCodedProperties take LOINC codes or part codes.
var loincCodedProperties = []string{"ancestor", "descendent", "parent", "child",
	"COMPONENT", "PROPERTY", "TIME_ASPCT", "SYSTEM", "SCALE_TYP", "METHOD_TYP", "CLASS", "answer-list", "MAP_TO",
	"analyte", "analyte-core", "analyte-suffix", "analyte-numerator", "analyte-divisor", "analyte-divisor-suffix",
	"challenge", "adjustment", "count", "time-core", "time-modifier", "system-core", "super-system", "analyte-gene",
	"category", "search",
	"rad-modality-modality-type", "rad-modality-modality-subtype", "rad-anatomic-location-region-imaged",
	"rad-anatomic-location-imaging-focus", "rad-anatomic-location-laterality-presence", "rad-anatomic-location-laterality",
	"rad-view-aggregation", "rad-view-view-type", "rad-maneuver-maneuver-type", "rad-timing",
	"rad-pharmaceutical-substance-given", "rad-pharmaceutical-route", "rad-reason-for-exam",
	"rad-guidance-for-presence", "rad-guidance-for-approach", "rad-guidance-for-action", "rad-guidance-for-object", "rad-subject",
	"document-kind", "document-role", "document-setting", "document-subject-matter-domain", "document-type-of-service",
	"answers-for", "answer"}

// loincTextProperties are columns of the LOINC table filtered on as text.
var loincTextProperties = []string{"STATUS", "CLASSTYPE", "VersionFirstReleased", "VersionLastChanged", "CHNG_TYPE",
	"DefinitionDescription", "FORMULA", "EXMPL_ANSWERS", "SURVEY_QUEST_TEXT", "SURVEY_QUEST_SRC", "UNITSREQUIRED",
	"ORDER_OBS", "HL7_FIELD_SUBFIELD_ID", "EXTERNAL_COPYRIGHT_NOTICE", "EXTERNAL_COPYRIGHT_LINK", "EXAMPLE_UNITS",
	"EXAMPLE_UCUM_UNITS", "STATUS_REASON", "STATUS_TEXT", "CHANGE_REASON_PUBLIC", "COMMON_TEST_RANK", "COMMON_ORDER_RANK",
	"HL7_ATTACHMENT_STRUCTURE", "PanelType", "AskAtOrderEntry", "AssociatedObservations", "ValidHL7AttachmentRequest"}

// snomedAttributes are the concept ids of SNOMED CT's concept model
// attributes (410662002 and its descendants in the International Edition),
// each a filter property whose values are concepts.
var snomedAttributes = strings.Fields(`
	410662002 42752001 47429007 116676008 116686009 118168003 118169006 118170007 118171006 127489000
	131195008 246075003 246090004 246093002 246112005 246454002 246456000 246501002 246513007 246514001
	255234002 260507000 260686004 260870009 263502005 272741003 288556008 363589002 363698007 363699004
	363700003 363701004 363702006 363703001 363704007 363705008 363709002 363710007 363713009 363714003
	370129005 370130000 370131001 370132008 370133003 370134009 370135005 371881003 405813007 405814001
	405815000 405816004 408729009 408730004 408731000 408732007 410675002 411116001 418775008 419066007
	424226004 424244007 424361007 424876005 425391005 609096000 704319004 704320005 704321009 704322002
	704323007 704324001 704325000 704326004 704327008 704346009 704347000 704647008 718497002 719715003
	719722006 726542003 726633004 732943007 732945000 732947008 733722007 733725009 733928003 733930001
	733931002 733932009 733933004 734136001 734137005 736472000 736473005 736474004 736475003 736476002
	736518005 738774007 762705008 762706009 762949000 762951001 763032000 766939001 774081006 774158006
	774159003 774160008 774163005 827081001 836358009 840560000 860779006 860781008 1003703000 1003735000
	1142135004 1142136003 1142137007 1142138002 1142139005 1142140007 1142141006 1142142004 1142143009
	1148793005 1148965004 1148967007 1148968002 1148969005 1149366004 1149367008 1230370004 320091000221107`)
