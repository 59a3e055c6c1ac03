package profile

// resourceRules runs the checks of a resource (of every type, then of its
// type) that its definitions do not express as elements or FHIRPath invariants (or that need other resources,
// such as the Questionnaire a response answers), each in its own file.
func (w *walker) resourceRules(m map[string]any, typ, path string) {
	w.resourceIDExtensions(m, path)
	w.canonicalResourceRules(m, typ, path)
	w.narrativeLanguage(m, path)
	switch typ {
	case "Bundle":
		w.bundleRules(m, path)
	case "Observation":
		w.observationPractice(m, path)
	case "SearchParameter":
		w.searchParameterRules(m, path)
	case "CapabilityStatement":
		w.capabilityRules(m, path)
	case "CodeSystem":
		w.codeSystemRules(m, path)
		w.codeSystemProperties(m, path)
	case "ConceptMap":
		w.conceptMapRules(m, path)
	case "ValueSet":
		w.valueSetRules(m, path)
	case "Questionnaire":
		w.questionnaireRules(m, path)
	case "QuestionnaireResponse":
		w.questionnaireResponseRules(m, path)
	case "Measure":
		w.measureRules(m, path)
	case "MeasureReport":
		w.measureReportRules(m, path)
	case "ImplementationGuide":
		w.implementationGuideRules(m, path)
	case "OperationDefinition":
		w.operationDefinitionRules(m, path)
	case "StructureMap":
		w.structureMapRules(m, path)
	case "StructureDefinition":
		w.structureDefinitionRules(m, path)
		w.structureDefinitionShape(m, path)
	}
}
