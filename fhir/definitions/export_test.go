package definitions

// DecodeStructureDefinition is the registry's reading of a definition.
var DecodeStructureDefinition = decodeStructureDefinition

// CoreArchive is the embedded core.zip.
func CoreArchive() []byte { return coreArchive }
