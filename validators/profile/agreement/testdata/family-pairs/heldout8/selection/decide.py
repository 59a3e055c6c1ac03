#!/usr/bin/env python3
"""Record one decision per key walked in heldout8's seeded order (run from this folder).

Reads order.tsv (draw.py) and calls.tsv (row, key, and how the reference
raises the key: rule, rulePlural, logError = error; warning, hint, txWarning,
txHint = not an error; formatMessage = a message built for another finding;
'?' = the scan could not name the call, read by hand; read from the
reference's source at b06c7ee7 with a script kept out of the repository),
applies the decisions below, and writes decisions.tsv (row, key, reference
calls, decision, family or reason).

Codes (heldout7's):
  K  kept: a family of this set (its name)
  =  the same check as a kept key (merged into that family)
  W  not an error with the reference's default settings (a warning, hint or
     best-practice check, publication mode, or an option that is off)
  S  digital signatures (need certificates and keys)
  V  not R4: an R5 extension or element (textLink)
  P  needs a definition, package or setting an R4 instance cannot carry
  T  needs a terminology server
  Q  no pair can be written that the key alone decides (reason given)
  M  StructureMap default mapping groups (need the map engine's typed variables)
  I  a message fragment, not a check of its own
The order is walked until 50 families are kept (row 133); later rows are not
decided.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "writer"))
from families import FAMILIES  # noqa: E402

PROFILE = "needs a profile that R4 core does not hold for this (slicing, type profiles or bundle entry profiles of a loaded IG)"
CONTAINED_CS = ("Q", "raised only for an include.system written '#id'; the same code first raises VALUESET_INCLUDE_SYSTEM_ABSOLUTE_FRAG (an error) for every '#' system, so no instance keeps the rule")
SDC = ("P", "reads the SDC minQuantity/maxQuantity extensions, which R4 core does not define (an IG package)")
CQL = ("P", "needs the Measure's Library resolved in the validator's context (CQL/ELM content)")
DURATION = ("P", "min/maxValue given as a Duration on a date element comes from a profile; no R4 core definition has one")
EXPLICIT = {
    "Bundle_BUNDLE_Entry_NoFirstResource": ("Q", "a document or message entry without a resource also breaks R4 bdl-5 (resource, request or response), and a request or response breaks bdl-3/bdl-4: the key never decides alone"),
    "Validation_VAL_Profile_NoMatch": ("P", PROFILE),
    "Validation_VAL_Profile_MatchMultiple": ("P", "overlapping slices need a profile; no R4 core profile has slices that can both match"),
    "QUESTIONNAIRE_QR_ITEM_DECIMAL_CANNOT_COMPARE_MAX_UNITS": SDC,
    "MEASURE_M_CRITERIA_CQL_LIB_DUPL": CQL,
    "xml_attr_value_invalid": ("Q", "a control character in an attribute cannot be written in an XML 1.0 document at all: the XML parser refuses the file before this check"),
    "Bundle_BUNDLE_Entry_NoProfile_TYPE": ("P", PROFILE),
    "VALUESET_INCLUDE_CS_NOT_FOUND": CONTAINED_CS,
    "TYPE_SPECIFIC_CHECKS_DT_QTY_UCUM_ANNOTATIONS_NO_UNIT": ("W", "a best-practice check (bpCheck): a warning by default"),
    "MEASURE_M_CRITERIA_CQL_ELM_NOT_VALID": CQL,
    "PRIMITIVE_MUSTHAVEVALUE_MESSAGE": ("P", "mustHaveValue is set by a profile (R5 ElementDefinition); no R4 core definition sets it"),
    "Validation_VAL_Unknown_Profile": ("P", "raised for a type profile a profile's element names; needs a profile naming one that is not held"),
    "PRIMITIVE_TOO_SHORT": ("P", "the minimum length comes from a profile's minLength extension; no R4 core definition has one"),
    "QUESTIONNAIRE_QR_ITEM_REF_INVALID_GENERAL": ("W", "checked only with the assume-valid-REST-references option (off by default)"),
    "VALUESET_BAD_FILTER_VALUE_INTEGER": ("P", "needs a code system held in the validator's context that declares an integer filter property (R4 core has none)"),
    "ELEMENT_CANNOT_BE_NULL": ("Q", "the JSON parser keeps a null only for an element marked nullable; for every other element it raises This_property_must_be__not_ first, and R4 marks none nullable"),
    "CODESYSTEM_PROPERTY_NO_VALUE": ("Q", "CodeSystem.concept.property.value[x] is 1..1 in R4: a property without a value is decided by the cardinality rule"),
    "TYPE_SPECIFIC_CHECKS_DT_QTY_VALUE": DURATION,
    "QUESTIONNAIRE_QR_ITEM_QUANTITY_MIN": SDC,
    "Terminology_TX_NoValid_2_CC": ("W", "an extensible binding: a warning"),
    "TYPE_SPECIFIC_CHECKS_DT_QTY_UCUM_ANNOTATIONS_NOT_IN_UNIT": ("W", "a best-practice check (bpCheck): a warning by default"),
    "MEASURE_MR_GRP_POP_COUNT_NO_REF": ("I", "text put into the hint MEASURE_MR_GRP_POP_COUNT_CANT_CHECK"),
    "VALUESET_INCLUDE_CS_NOT_CS": CONTAINED_CS,
    "TYPE_SPECIFIC_CHECKS_DT_QTY_COMP": DURATION,
    "TYPE_SPECIFIC_CHECKS_DT_QTY_MIN_VALUE_WRONG": ("P", "a Quantity minValue comes from a profile; no R4 core definition has one"),
    "VALUESET_BAD_FILTER_VALUE_CODED": ("P", "needs a code system held in the validator's context that declares a Coding filter property (R4 core has none)"),
    "BUNDLE_BUNDLE_ENTRY_FOUND_MULTIPLE": ("Q", "two entries that a reference both matches share a fullUrl, which the reference reports as a duplicate entry (an error) on its own"),
    "CODESYSTEM_SHAREABLE_MISSING_HL7": ("W", "checked only in publication mode"),
    "BUNDLE_BUNDLE_ENTRY_MULTIPLE_PROFILES_NO_MATCH": ("P", PROFILE),
    "IG_DEPENDENCY_CAN_VERSION_ERROR": ("Q", "fires only when dependsOn.uri does not contain /ImplementationGuide/, where IG_DEPENDENCY_DIRECT (an error) fires too: the key never decides alone"),
    "Validation_VAL_Profile_NotAllowed": ("Q", "raised for an element the profile gives no definition; such an element is refused first by the parser (unknown property), so no pair isolates it"),
    "TYPE_SPECIFIC_CHECKS_DT_ATT_B64_DECODE_FAIL": ("=", "base64-valid"),
    "SM_TARGET_TYPE_NOT_FOUND": ("M", "a dependent rule's default group needs the map engine's typed variables"),
    "Type_Specific_Checks_DT_Decimal_LT": ("P", "the minimum comes from a profile's minValue; no R4 core definition has one"),
    "QUESTIONNAIRE_QR_ITEM_INTEGER_VALUE_EXCEPTION": ("Q", "raised only when reading the minValue/maxValue extension throws (an internal failure), not by a value"),
    "Questionnaire_Q_EnableWhen_NoLink": ("Q", "Questionnaire.item.enableWhen.question is 1..1 in R4: decided by the cardinality rule"),
    "QUESTIONNAIRE_QR_ITEM_INTEGER_MAX": ("=", "questionnaireresponse-integer-min"),
    "MSG_DEPENDS_ON_PROFILE": ("I", "a word put into another message"),
    "Validation_VAL_Profile_NoType": ("Q", "a choice element whose type cannot be read is refused first by the parser (unknown property)"),
    "Type_Specific_Checks_DT_Integer_GT": ("P", "the maximum comes from a profile's maxValue; no R4 core definition has one"),
}


def main():
    kept = {f["key"]: f["family"] for f in FAMILIES}
    calls = {r["key"]: r["reference calls"] for r in csv.DictReader(open(os.path.join(HERE, "calls.tsv")), delimiter="\t")}
    order = list(csv.DictReader(open(os.path.join(HERE, "order.tsv")), delimiter="\t"))
    out = []
    n = 0
    for row in order:
        key = row["key"]
        c = calls[key]
        kinds = {x.split(":")[1] for x in c.split(",")}
        if key in kept:
            d = ("K", kept[key])
            n += 1
        elif key in EXPLICIT:
            d = EXPLICIT[key]
        elif "SIGNATURE" in key.upper() or "DIGSIG" in key.upper():
            d = ("S", "digital signature of a Bundle")
        elif key.startswith("TEXT_LINK_"):
            d = ("V", "the textLink extension is R5 (no R4 definition)")
        elif kinds <= {"hint", "warning", "txHint", "txWarning"}:
            d = ("W", "raised only as " + "/".join(sorted(kinds)))
        else:
            raise SystemExit("no decision for row %s %s (%s)" % (row["row"], key, c))
        out.append((row["row"], key, c) + d)
        if n == len(FAMILIES):
            break
    assert n == len(kept) == 50, n
    with open(os.path.join(HERE, "decisions.tsv"), "w") as f:
        f.write("row\tkey\treference calls\tdecision\tfamily or reason\n")
        for r in out:
            f.write("\t".join(r) + "\n")
    counts = {}
    for r in out:
        counts[r[3]] = counts.get(r[3], 0) + 1
    print("walked", len(out), "rows:", ", ".join("%s %d" % kv for kv in sorted(counts.items())))


if __name__ == "__main__":
    main()
