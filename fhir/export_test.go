package fhir

// DecodeSlow is Decode by encoding/json alone, without the one-pass decoder.
var DecodeSlow = decodeSlow
