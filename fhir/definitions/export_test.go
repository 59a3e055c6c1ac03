package definitions

// DecodeStructureDefinition is the registry's reading of a definition.
var DecodeStructureDefinition = decodeStructureDefinition
