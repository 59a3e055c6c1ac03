package terminology

import "github.com/carecert/carecert/terminology"

// unitCode is a coding a unit rule is kept for.
type unitCode struct{ system, code string }

// coreUnitRules and coreProfileUnits are the units the R4 core Observation
// profiles (the vital signs and the lipid profiles) fix: by the LOINC code a
// profile fixes (on Observation.code or a component's code), the unit it
// fixes for the value; by a core profile's id, the unit it fixes for
// Observation.value, by which a vital sign's unit is found
// (definitions.ImpliedVital). They are what the spec "the core unit rules"
// (unitrules_test.go) reads from the embedded profiles' snapshots, and it
// fails, printing the tables to put here, when the two disagree. Reading the
// profiles at run time took about 26 ms of every run's start (twenty
// snapshots decompressed and decoded), an eighth of a one-file validation.
var (
	coreUnitRules = map[unitCode]UnitRule{
		{terminology.LOINC, "2708-6"}:  {Code: "%", Profile: "http://hl7.org/fhir/StructureDefinition/oxygensat"},
		{terminology.LOINC, "29463-7"}: {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodyweight|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/bodyweight"},
		{terminology.LOINC, "35200-5"}: {Code: "mmol/L", Profile: "http://hl7.org/fhir/StructureDefinition/cholesterol"},
		{terminology.LOINC, "39156-5"}: {Code: "kg/m2", Profile: "http://hl7.org/fhir/StructureDefinition/bmi"},
		{terminology.LOINC, "8302-2"}:  {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodylength|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/bodyheight"},
		{terminology.LOINC, "8310-5"}:  {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodytemp|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/bodytemp"},
		{terminology.LOINC, "8462-4"}:  {Code: "mm[Hg]", Profile: "http://hl7.org/fhir/StructureDefinition/bp"},
		{terminology.LOINC, "8480-6"}:  {Code: "mm[Hg]", Profile: "http://hl7.org/fhir/StructureDefinition/bp"},
		{terminology.LOINC, "8867-4"}:  {Code: "/min", Profile: "http://hl7.org/fhir/StructureDefinition/heartrate"},
		{terminology.LOINC, "9279-1"}:  {Code: "/min", Profile: "http://hl7.org/fhir/StructureDefinition/resprate"},
		{terminology.LOINC, "9843-4"}:  {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodylength|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/headcircum"},
	}
	coreProfileUnits = map[string]UnitRule{
		"bmi":         {Code: "kg/m2", Profile: "http://hl7.org/fhir/StructureDefinition/bmi"},
		"bodyheight":  {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodylength|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/bodyheight"},
		"bodytemp":    {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodytemp|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/bodytemp"},
		"bodyweight":  {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodyweight|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/bodyweight"},
		"cholesterol": {Code: "mmol/L", Profile: "http://hl7.org/fhir/StructureDefinition/cholesterol"},
		"headcircum":  {ValueSet: "http://hl7.org/fhir/ValueSet/ucum-bodylength|4.0.1", Profile: "http://hl7.org/fhir/StructureDefinition/headcircum"},
		"heartrate":   {Code: "/min", Profile: "http://hl7.org/fhir/StructureDefinition/heartrate"},
		"oxygensat":   {Code: "%", Profile: "http://hl7.org/fhir/StructureDefinition/oxygensat"},
		"resprate":    {Code: "/min", Profile: "http://hl7.org/fhir/StructureDefinition/resprate"},
	}
)
