package profile

// resourceRules runs the checks of a resource (of every type, then of its
// type) that its definitions do not express as elements or FHIRPath invariants (or that need other resources,
// such as the Questionnaire a response answers), each in its own file.
func (w *walker) resourceRules(m map[string]any, typ, path string) {
	w.resourceIDExtensions(m, path)
	w.canonicalResourceRules(m, typ, path)
	w.shareableElements(m, typ, path)
	w.narrativeLanguage(m, path)
	if rules := typeRules(typ); rules != nil {
		rules(w, m, path)
	}
}

// typeRules returns the checks of one resource type beyond its
// definition (nil for none). The stream path reads it too: a type with
// rules here is left to the map walk unless the stream path says it
// covers them (streamCoversRules), so a rule added here can never be
// skipped by a record the scan proves clean.
func typeRules(typ string) func(w *walker, m map[string]any, path string) {
	switch typ {
	case "Bundle":
		return (*walker).bundleRules
	case "Observation":
		return (*walker).observationPractice
	case "SearchParameter":
		return (*walker).searchParameterRules
	case "CapabilityStatement":
		return (*walker).capabilityRules
	case "CodeSystem":
		return func(w *walker, m map[string]any, path string) {
			w.codeSystemRules(m, path)
			w.codeSystemProperties(m, path)
			w.codeSystemConcepts(m, path)
		}
	case "ConceptMap":
		return (*walker).conceptMapRules
	case "ValueSet":
		return (*walker).valueSetRules
	case "Questionnaire":
		return (*walker).questionnaireRules
	case "QuestionnaireResponse":
		return (*walker).questionnaireResponseRules
	case "Measure":
		return (*walker).measureRules
	case "MeasureReport":
		return (*walker).measureReportRules
	case "ImplementationGuide":
		return (*walker).implementationGuideRules
	case "OperationDefinition":
		return (*walker).operationDefinitionRules
	case "Parameters":
		return (*walker).parametersRules
	case "StructureMap":
		return (*walker).structureMapRules
	case "StructureDefinition":
		return func(w *walker, m map[string]any, path string) {
			w.structureDefinitionRules(m, path)
			w.structureDefinitionShape(m, path)
		}
	}
	return nil
}
