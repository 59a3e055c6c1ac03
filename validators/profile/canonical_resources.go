package profile

// canonicalResources are R4's canonical resources: those identified by a
// canonical URL in `url` (with a version and a status), which other
// resources refer to through canonical references (R4 §2.3.0.7 Canonical
// URLs; R5 names them as the CanonicalResource pattern). Other resources may
// have a `url` too (Device.url, Contract.url, DeviceDefinition.url): a
// network address or a reference, not the resource's canonical identity.
var canonicalResources = map[string]bool{
	"ActivityDefinition": true, "CapabilityStatement": true, "ChargeItemDefinition": true, "CodeSystem": true,
	"CompartmentDefinition": true, "ConceptMap": true, "EffectEvidenceSynthesis": true, "EventDefinition": true,
	"Evidence": true, "EvidenceVariable": true, "ExampleScenario": true, "GraphDefinition": true,
	"ImplementationGuide": true, "Library": true, "Measure": true, "MessageDefinition": true,
	"OperationDefinition": true, "PlanDefinition": true, "Questionnaire": true, "ResearchDefinition": true,
	"ResearchElementDefinition": true, "RiskEvidenceSynthesis": true, "SearchParameter": true,
	"StructureDefinition": true, "StructureMap": true, "TerminologyCapabilities": true, "TestScript": true,
	"ValueSet": true,
}
