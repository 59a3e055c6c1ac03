#!/usr/bin/env python3
"""Record one decision per key walked in each seeded order (run from this folder).

Reads uncovered-order.tsv / covered-order.tsv (draw.py) and
uncovered-calls.tsv / covered-calls.tsv (row, key, and how the reference
raises the key: rule = error, warning, hint, warningOrError = error under a
condition, ValidationMessage severities; read from the reference's source at
b06c7ee7 with a script kept out of the repository), applies the decisions
below, and writes decisions-uncovered.tsv and decisions-covered.tsv.

Codes:
  K  kept: a family of this set (its name)
  =  the same check as a kept key (merged into that family)
  W  not an error with the reference's default settings (a warning or hint,
     publication mode, or an option that is off)
  S  digital signatures (need certificates and keys)
  V  not R4: an R5 extension or element (compliesWithProfile, textLink, MeasureReport.group.linkId)
  P  needs a definition, package or setting an R4 instance cannot carry, or a
     definition loaded into the validator's own context (reason given)
  T  needs a terminology server
  Q  no pair can be written that the key alone decides (reason given)
  M  StructureMap default mapping groups (need the map engine's typed variables)
  I  a message fragment, not a check of its own
The uncovered order was walked to its end (it held few error-level keys);
the covered order until 20 families were kept.
"""
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))

SIG = ("S", "digital signature of a Bundle")
COMPLIES = ("V", "the compliesWithProfile extension is R5: R4 core has no definition of it, so an R4 profile carrying it is an unknown core extension whatever it claims")
TEXTLINK = ("V", "the textLink extension is R5 (no R4 definition)")
QDERIVED = ("P", "a Questionnaire derived from another: the parent is fetched from the validator's context only (a contained or bundled parent is not found), and R4 core has no Questionnaire")
CONTAINED_CS = ("Q", "raised only for an include.system written '#id'; the same code first raises VALUESET_INCLUDE_SYSTEM_ABSOLUTE_FRAG (an error) for every '#' system, so no instance keeps the rule")
PUBLICATION = ("W", "checked only in publication mode")
SUPPL_IN_CONTEXT = ("P", "needs a supplement CodeSystem loaded in the validator's context (R4 core has none)")
CANON_POLICY = ("P", "an error only under a reference policy that checks canonical targets exist; with the command line's default policy a hint")
ATT_FETCH = ("P", "fetching an attachment's url (network)")
FRAGMENT = ("I", "a message fragment used inside another message")

UNCOVERED = {
    "PROFILE_COMPLIES_WITH_*": COMPLIES, "SD_EXTENSION_COMPLIES_WITH_*": COMPLIES,
    "BUNDLE_SIGNATURE_*": SIG, "TEXT_LINK_*": TEXTLINK,
    "QUESTIONNAIRE_Q_ITEM_DERIVED_*": QDERIVED, "QUESTIONNAIRE_Q_ITEM_NOT_DERIVED": QDERIVED,
    "VALUESET_INCLUDE_CS_MULTI_FOUND": CONTAINED_CS, "VALUESET_INCLUDE_CSVER_MULTI_FOUND": CONTAINED_CS,
    "VALUESET_INCLUDE_CS_NOT_FOUND": CONTAINED_CS, "VALUESET_INCLUDE_CSVER_NOT_FOUND": CONTAINED_CS,
    "VALUESET_INCLUDE_CS_NOT_CS": CONTAINED_CS,
    "CODESYSTEM_SHAREABLE_MISSING_HL7": PUBLICATION, "VALUESET_SHAREABLE_MISSING_HL7": PUBLICATION,
    "MEASURE_SHAREABLE_MISSING_HL7": PUBLICATION, "MEASURE_SHAREABLE_EXTRA_MISSING_HL7": PUBLICATION,
    "CONCEPTMAP_SHAREABLE_MISSING_HL7": PUBLICATION, "VALIDATION_HL7_WG_NEEDED": PUBLICATION,
    "VALUESET_INCLUDE_CS_SUPPLEMENT": SUPPL_IN_CONTEXT, "VALUESET_INCLUDE_CSVER_SUPPLEMENT": SUPPL_IN_CONTEXT,
    "TYPE_SPECIFIC_CHECKS_DT_CANONICAL_TYPE": ("P", "checked only when the reference policy checks canonical targets (not the command line's default); heldout5 found the same"),
    "TYPE_SPECIFIC_CHECKS_DT_CANONICAL_RESOLVE": CANON_POLICY, "TYPE_SPECIFIC_CHECKS_DT_CANONICAL_RESOLVE_NC": CANON_POLICY,
    "TYPE_SPECIFIC_CHECKS_DT_ATT_URL_ERROR": ATT_FETCH, "TYPE_SPECIFIC_CHECKS_DT_ATT_UNKNOWN_URL_SCHEME": ATT_FETCH,
    "TYPE_SPECIFIC_CHECKS_DT_ATT_NO_FETCHER": ATT_FETCH,
    "TYPE_SPECIFIC_CHECKS_DT_ATT_TOO_LONG": ("P", "the size limit comes from a profile's maxSize extension (none in R4 core)"),
    "TYPE_SPECIFIC_CHECKS_DT_BASE64_TOO_LONG": ("P", "the size limit comes from a profile's maxSize extension (none in R4 core)"),
    "VALUESET_EXAMPLE_SYSTEM_ERROR": ("T", "reached only after a terminology server reports the system unsupported; with no server the reference gives a hint and checks no concepts"),
    "Terminology_TX_Code_ValueSetMax": ("P", "a CodeableConcept without codings under an extensible binding with a maxValueSet: no R4 core element has one (R4's maxValueSet bindings are preferred or on units)"),
    "RESOURCE_INTERNAL_USE_ONLY": ("P", "a definition from a package marked for internal use"),
    "CODESYSTEM_CS_HL7_MISSING_ELEMENT_SHALL": ("Q", "CodeSystem.content is 1..1 in R4: the failing instance is decided by the cardinality rule"),
    "SM_TARGET_TRANSFORM_TRANSLATE_CM_NOT_FOUND": ("Q", "the condition tests the translate source parameter, which is present wherever it is reached: never raised as written"),
    "VALIDATION_NO_EXPERIMENTAL_CONTENT": ("W", "only with the no-experimental-content option (off by default)"),
    "UNICODE_BIDI_CONTROLS_CHARS_DISALLOWED": ("W", "only with the option that bans bidirectional controls (off by default)"),
    "Reference_REF_Aggregation": ("P", "aggregation modes come from a profile (no R4 core definition sets one)"),
    "Resource_RES_ID_Prohibited": ("P", "set from the id-expectation extension on a profile's element (no R4 core definition)"),
    "CODESYSTEM_CS_VS_EXP_MISMATCH": ("P", "CodeSystem.valueSet must resolve to a value set with an expansion in the validator's context (R4 core value sets carry none)"),
    "SD_CIRCULAR_DEFINITION": ("P", "the base chain is walked through the validator's context, which never holds the profile under validation: no circle can be written in one file"),
    "SM_MATCHING_RULEGROUP_NOT_FOUND": ("M", "default mapping groups (-DefaultMappingGroup-) need the map engine's typed auto variables"),
    "BINDING_MAX": FRAGMENT, "MSG_DEPENDS_ON_PROFILE": FRAGMENT, "MSG_DEPENDS_ON_EXTENSION": FRAGMENT,
    "SD_ELEMENT_REASON_DERIVED": FRAGMENT,
    # kept
    "CODESYSTEM_CS_HL7_PRESENT_ELEMENT_SUPPL_WRONG": ("K", "codesystem-supplement-declares-content"),
    "SM_TARGET_TRANSFORM_TRANSLATE_UNKNOWN_SOURCE": ("K", "structuremap-translate-source-known"),
    "VALIDATION_HL7_WG_UNKNOWN": ("K", "hl7-workgroup-known"),
    "VALUESET_REFERENCE_INVALID_TYPE_NO_VERSION_3": ("K", "valueset-include-system-version-syntax"),
    "VALUESET_REFERENCE_INVALID_TYPE_NO_VERSION_1": ("=", "valueset-include-system-version-syntax"),
    "VALUESET_REFERENCE_INVALID_TYPE_NO_VERSION_2": ("=", "valueset-include-system-version-syntax"),
    "SD_PATH_TYPE_MISMATCH": ("K", "sd-path-starts-with-type"),
    "CODESYSTEM_CS_HL7_PRESENT_ELEMENT_SUPPL_MISSING": ("K", "codesystem-supplement-content-names-base"),
    "CODESYSTEM_CS_HL7_PRESENT_ELEMENT_SUPPL": ("K", "codesystem-supplement-no-case-sensitive"),
    "ED_INVARIANT_DIFF_NO_SOURCE": ("K", "sd-differential-invariant-source"),
    "VALIDATION_HL7_PUBLISHER_MISMATCH2": ("K", "hl7-publisher-matches-workgroup"),
    "VALIDATION_HL7_PUBLISHER_MISMATCH": ("=", "hl7-publisher-matches-workgroup"),
    "SD_PATH_ERROR": ("K", "sd-discriminator-path-parses"),
    "SD_PATH_NOT_VALID": ("=", "sd-discriminator-path-parses"),
    "SD_NO_SLICING_ON_ROOT": ("K", "sd-no-slicing-on-differential-root"),
    "CODESYSTEM_CS_SUPP_HIERARCHY_MEANING": ("K", "codesystem-supplement-hierarchy-meaning"),
    "CONCEPTMAP_GROUP_TARGET_CODE_INVALID_VS": ("K", "conceptmap-target-code-in-target-scope"),
    "CONCEPTMAP_GROUP_SOURCE_CODE_INVALID_VS": ("=", "conceptmap-target-code-in-target-scope (the same check on the source side)"),
    "SM_TARGET_TRANSFORM_TRANSLATE_CM_BAD_MODE": ("K", "structuremap-translate-output-mode"),
    "ED_CONTEXT_INVARIANT_EXPRESSION_ERROR": ("K", "sd-context-invariant-parses"),
    "SM_TARGET_TRANSFORM_TRANSLATE_NO_PARAM": ("K", "structuremap-translate-has-source"),
    "VALIDATION_HL7_PUBLISHER_MULTIPLE_WGS": ("K", "hl7-one-workgroup"),
    "SD_ED_BIND_NOT_VS": ("K", "sd-binding-is-valueset"),
    "SD_PATH_NO_SLICING": ("K", "sd-slicing-repeating-only"),
    "SM_TARGET_TRANSFORM_EXPRESSION_ERROR": ("K", "structuremap-evaluate-expression-parses"),
    "Type_Specific_Checks_DT_URL_Resolve": ("K", "uri-hl7-space-resolves"),
}

COVERED = {
    "BUNDLE_SIGNATURE_*": SIG,
    "MEASURE_MR_GRP_POP_MISSING_BY_CODE": ("K", "measurereport-population-reported"),
    "This_property_must_be_an_Array_not_": ("K", "json-repeating-element-array"),
    "VALUESET_INCLUDE_WRONG_VS_MANY": ("K", "valueset-include-system-not-valueset"),
    "EXTENSION_FHIR_VERSION_LATEST": ("P", "needs an extension definition carrying the FHIR-version-specific-use extension (no R4 core definition has one)"),
    "QUESTIONNAIRE_QR_ITEM_VS_FAIL": ("K", "questionnaireresponse-answer-in-valueset"),
    "BUNDLE_RULE_UNKNOWN": ("P", "an unknown bundle-validation-rules option: a caller's setting, not data"),
    "_DT_Fixed_Wrong": ("K", "fixed-value-implied-vital-sign"),
    "RESOURCE_DUPLICATE_CONTAINED_ID": ("K", "contained-id-unique"),
    "SM_SOURCE_TYPE_INVALID": ("K", "structuremap-source-type"),
    "QUESTIONNAIRE_QR_ITEM_MAX_OCCURS": ("K", "questionnaireresponse-max-occurs"),
    "Terminology_TX_NoValid_11": ("Q", "a code outside a binding's maxValueSet: R4 core's maxValueSet bindings are preferred bindings of languages (all-languages, judged by the reference's BCP-47 service) and units; no pair decided by this key could be written with confidence offline"),
    "SM_GROUP_INPUT_MODE_MISMATCH": ("K", "structuremap-input-mode-matches-structure"),
    "Extension_EXT_SubExtension_Invalid": ("K", "extension-subextension-declared"),
    "VALUESET_INCLUDE_WRONG_CS_OID_PLURAL": ("Q", "needs two code systems in the validator's context sharing one OID identifier (none in R4 core)"),
    "Bundle_BUNDLE_Entry_MismatchIdUrl": ("K", "bundle-canonical-url-restful-fullurl"),
    "Questionnaire_QR_Item_BadOption": ("K", "questionnaireresponse-answer-option"),
    "Extension_EXT_Modifier_N": ("K", "modifier-extension-is-modifier"),
    "Validation_VAL_Profile_NotSlice": ("Q", "the closed slicings of R4 core are type slicings of value[x] (a value of another type is reported as a type error) and lipidprofile's result references (decided by resolving each target against four profiles): no pair decided by this key could be written with confidence"),
    "MEASURE_MR_GRP_POP_MISSING_BY_CODE": ("K", "measurereport-population-reported"),
    "MEASURE_MR_GRP_MISSING_BY_CODE": ("K", "measurereport-group-reported"),
    "MEASURE_MR_GRP_CODE_MISMATCH": ("V", "reached only through MeasureReport.group.linkId (R5)"),
    "Type_Specific_Checks_DT_Primitive_NotEmpty": ("K", "primitive-not-empty"),
    "QUESTIONNAIRE_QR_ITEM_REF_CANT": ("W", "only when the assume-valid-REST-references setting is on (off by default)"),
    "Extension_EXT_Modifier_Y": ("K", "extension-modifier-placement"),
    "Unrecognised_property_": ("K", "json-unknown-property"),
    "XHTML_URL_INVALID": ("K", "narrative-link-url-valid"),
    "QUESTIONNAIRE_QR_ITEM_DECIMAL_UNIT_FAIL_VS": ("K", "questionnaireresponse-unit-in-valueset"),
    "QUESTIONNAIRE_QR_ITEM_NOT_ATTACHMENT_MIMETYPE": ("K", "questionnaireresponse-attachment-content-type"),
}


def decide(table, key, calls):
    if key in table:
        return table[key]
    for pat, d in table.items():
        if pat.endswith("*") and key.startswith(pat[:-1]):
            return d
    kinds = sorted({c.split(":", 1)[-1] for c in calls.split()})
    if kinds == ["commented"]:
        return ("I", "named only in commented-out code")
    if kinds and not any(k in ("rule", "ERROR", "warningOrError", "rulePlural") for k in kinds):
        return ("W", "raised only as " + ", ".join(k for k in kinds if k != "commented"))
    raise SystemExit("no decision for " + key)


def run(name, table, limit):
    calls = {}
    with open(os.path.join(HERE, name + "-calls.tsv")) as f:
        for row in csv.reader(f, delimiter="\t"):
            calls[row[1]] = row[2] if len(row) > 2 else ""
    kept = 0
    out = [("row", "key", "reference calls", "decision", "family or reason")]
    with open(os.path.join(HERE, name + "-order.tsv")) as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    for row in rows:
        if limit and kept >= limit:
            break
        key = row[1]
        code, note = decide(table, key, calls.get(key, ""))
        kept += code == "K"
        out.append((row[0], key, calls.get(key, ""), code, note))
    with open(os.path.join(HERE, "decisions-" + name + ".tsv"), "w") as f:
        for r in out:
            f.write("\t".join(r) + "\n")
    print(name, "walked", len(out) - 1, "kept", kept)


run("uncovered", UNCOVERED, None)
run("covered", COVERED, 20)
