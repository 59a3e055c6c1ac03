"""heldout8's families, in the order their keys were drawn (selection/order.tsv).

Each entry: the drawn row and key, the family name, area, format, the basis
(the R4 rule and how the reference raises it, in our words), the earlier
set's family with the same check where there is one, and build() returning
(pass, fail)."""
import copy
import json

import fhirxml

BASE = "https://fhir.oakfield.nhs.uk/h8"


def url(fam, side, tail):
    return "%s/%s/%s/%s" % (BASE, fam, side, tail)


def both(fn):
    """build(side) -> resource; returns (pass, fail)."""
    return fn("pass"), fn("fail")


def coding(system, code, display=None):
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


# ---------------------------------------------------------------- families

def sd_target_profile():
    fam = "sd-target-profile-only-reference"

    def b(side):
        el = {"id": "Basic.author", "path": "Basic.author",
              "type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Practitioner"]}]}
        if side == "fail":
            el = {"id": "Basic.code", "path": "Basic.code",
                  "type": [{"code": "CodeableConcept", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Practitioner"]}]}
        return {
            "resourceType": "StructureDefinition", "id": "h8-sd-target-" + side,
            "url": url(fam, side, "StructureDefinition/basic-note"),
            "name": "BasicNote", "status": "draft",
            "fhirVersion": "4.0.1", "kind": "resource", "abstract": False, "type": "Basic",
            "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Basic", "derivation": "constraint",
            "differential": {"element": [{"id": "Basic", "path": "Basic"}, el]},
        }
    return both(b)


def json_object_for_complex():
    p = {"resourceType": "Patient", "id": "h8p-obj",
         "maritalStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "M", "Married")]}}
    f = copy.deepcopy(p)
    f["maritalStatus"] = "M"
    return p, f


def extension_url_absolute():
    def b(side):
        return {"resourceType": "Patient", "id": "h8p-ext",
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace" if side == "pass" else "patient-birthPlace",
                               "valueAddress": {"city": "Leeds", "country": "GB"}}],
                "gender": "female"}
    return both(b)


def narrative_data_url():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

    def b(side):
        mt = "image/png" if side == "pass" else "imagepng"
        div = ('<div xmlns="http://www.w3.org/1999/xhtml"><p>Wound photograph</p>'
               '<p><img src="data:%s;base64,%s" alt="wound"/></p></div>' % (mt, png))
        return {"resourceType": "Observation", "id": "h8o-img",
                "text": {"status": "generated", "div": div},
                "status": "final",
                "code": {"text": "Wound appearance"},
                "valueString": "Clean, granulating"}
    return both(b)


def xml_undefined_attribute():
    res = {"resourceType": "Patient", "id": "h8p-attr", "gender": "male", "birthDate": "1975-03-02"}
    p = fhirxml.document(res)
    f = p.replace('<birthDate value="1975-03-02"/>', '<birthDate value="1975-03-02" precision="day"/>')
    assert f != p
    return p, f


def qr_with_contained_q(qitem, answer_items, status="completed"):
    return {"resourceType": "QuestionnaireResponse", "id": "h8qr",
            "contained": [{"resourceType": "Questionnaire", "id": "q", "status": "active", "item": qitem}],
            "questionnaire": "#q", "status": status, "item": answer_items}


def qr_integer_min():
    q = [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0}],
          "linkId": "falls", "text": "Falls in the last year", "type": "integer"}]

    def b(side):
        return qr_with_contained_q(q, [{"linkId": "falls", "text": "Falls in the last year",
                                        "answer": [{"valueInteger": 2 if side == "pass" else -1}]}])
    return both(b)


def attachment_hash():
    # "Discharge summary" in UTF-8; its SHA-1, base64
    data = "RGlzY2hhcmdlIHN1bW1hcnk="
    good = "o2tThR4M2VtpcddMwpjkFVETnac="
    bad = "2jmj7l5rSw0yVb/vlWAYkK/YBwk="

    def b(side):
        return {"resourceType": "DocumentReference", "id": "h8dr",
                "status": "current",
                "content": [{"attachment": {"contentType": "text/plain", "data": data,
                                            "hash": good if side == "pass" else bad}}]}
    return both(b)


def xml_encoding():
    res = {"resourceType": "Practitioner", "id": "h8pr", "name": [{"family": "Okafor", "given": ["Ada"]}]}
    p = fhirxml.document(res)
    f = fhirxml.document(res, decl='<?xml version="1.0" encoding="ISO-8859-1"?>')
    return p, f


def measure(fam, side, pops=("initial-population",), groupcode="falls"):
    return {"resourceType": "Measure", "id": "m", "status": "active",
            "scoring": {"coding": [coding("http://terminology.hl7.org/CodeSystem/measure-scoring", "cohort")]},
            "group": [{"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"), groupcode)]},
                       "population": [{"code": {"coding": [coding("http://terminology.hl7.org/CodeSystem/measure-population", p)]},
                                       "criteria": {"language": "text/fhirpath", "expression": "true"}} for p in pops]}]}


def measurereport(fam, side, group):
    return {"resourceType": "MeasureReport", "id": "h8mr",
            "contained": [measure(fam, side)],
            "status": "complete", "type": "summary", "measure": "#m",
            "period": {"start": "2026-07-01", "end": "2026-09-30"},
            "group": [group]}


def mr_pop(code, count=12):
    return {"code": {"coding": [coding("http://terminology.hl7.org/CodeSystem/measure-population", code)]}, "count": count}


def mr_population_has_code():
    fam = "measurereport-population-identified"

    def b(side):
        pop = mr_pop("initial-population") if side == "pass" else {"count": 12}
        return measurereport(fam, side, {"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"), "falls")]},
                                         "population": [pop]})
    return both(b)


def searchset_match_type():
    def b(side):
        if side == "pass":
            res = {"resourceType": "Observation", "id": "o1", "status": "final",
                   "code": {"text": "Pain score"}, "valueInteger": 3}
        else:
            res = {"resourceType": "Patient", "id": "o1", "gender": "female"}
        return {"resourceType": "Bundle", "id": "h8ss", "type": "searchset", "total": 1,
                "link": [{"relation": "self", "url": BASE + "/fhir/Observation?status=final"}],
                "entry": [{"fullUrl": BASE + "/fhir/%s/o1" % res["resourceType"], "resource": res,
                           "search": {"mode": "match"}}]}
    return both(b)


def uuid_urn_prefix():
    def b(side):
        v = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        return {"resourceType": "Parameters", "id": "h8par-uuid",
                "parameter": [{"name": "request-id", "valueUuid": ("urn:uuid:" + v) if side == "pass" else v}]}
    return both(b)


def mr_group_code_usable():
    fam = "measurereport-group-code-usable"

    def b(side):
        c = coding(url(fam, side, "CodeSystem/groups"), "falls") if side == "pass" else {"code": "falls"}
        return measurereport(fam, side, {"code": {"coding": [c]}, "population": [mr_pop("initial-population")]})
    return both(b)


def json_array_for_repeating():
    cat = {"coding": [coding("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")]}
    p = {"resourceType": "Observation", "id": "h8o-cat", "status": "final", "category": [cat],
         "code": {"text": "Mobility score"}, "valueInteger": 4}
    f = copy.deepcopy(p)
    f["category"] = cat
    return p, f


def json_trailing_comma():
    p = ('{\n  "resourceType": "Organization",\n  "id": "h8org",\n  "active": true,\n'
         '  "name": "Oakfield Community Pharmacy"\n}\n')
    f = ('{\n  "resourceType": "Organization",\n  "id": "h8org",\n  "active": true,\n'
         '  "name": "Oakfield Community Pharmacy",\n}\n')
    return p, f


def codesystem_property_type():
    fam = "codesystem-property-uri-type"

    def b(side):
        return {"resourceType": "CodeSystem", "id": "h8cs-prop",
                "url": url(fam, side, "CodeSystem/clinic-slots"),
                "name": "ClinicSlots", "status": "draft", "content": "complete",
                "property": [{"code": "status", "uri": "http://hl7.org/fhir/concept-properties#status",
                              "type": "code" if side == "pass" else "string"}],
                "concept": [{"code": "am", "display": "Morning"}, {"code": "pm", "display": "Afternoon"}]}
    return both(b)


def qr_min_occurs():
    q = [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs", "valueInteger": 2}],
          "linkId": "contact", "text": "Emergency contact telephone", "type": "string", "repeats": True}]

    def b(side):
        answers = [{"valueString": "0113 496 0000"}, {"valueString": "0113 496 0001"}, {"valueString": "0113 496 0002"}]
        return qr_with_contained_q(q, [{"linkId": "contact", "text": "Emergency contact telephone",
                                        "answer": answers if side == "pass" else answers[:1]}])
    return both(b)


def valueset_filter_regex():
    fam = "valueset-filter-regex-valid"

    def b(side):
        return {"resourceType": "ValueSet", "id": "h8vs-regex",
                "url": url(fam, side, "ValueSet/gender-codes"),
                "name": "GenderCodes", "status": "draft",
                "compose": {"include": [{"system": "http://hl7.org/fhir/administrative-gender",
                                         "filter": [{"property": "code", "op": "regex",
                                                     "value": "^(male|female)$" if side == "pass" else "^(male|female$"}]}]}}
    return both(b)


def xml_single_element_once():
    res = {"resourceType": "Patient", "id": "h8p-once", "gender": "female", "birthDate": "1990-11-23"}
    p = fhirxml.document(res)
    f = p.replace('<birthDate value="1990-11-23"/>', '<birthDate value="1990-11-23"/>\n  <birthDate value="1990-11-24"/>')
    assert f != p
    return p, f


def codesystem_valueset_system():
    fam = "codesystem-valueset-whole-system"

    def b(side):
        cs = {"resourceType": "CodeSystem", "id": "h8cs-vs",
              "url": url(fam, side, "CodeSystem/ward-types"),
              "name": "WardTypes", "status": "draft", "content": "complete",
              "concept": [{"code": "acute", "display": "Acute ward"}, {"code": "rehab", "display": "Rehabilitation ward"}]}
        if side == "fail":
            items = list(cs.items())
            cs = dict(items[:5] + [("valueSet", "http://hl7.org/fhir/ValueSet/administrative-gender")] + items[5:])
        return cs
    return both(b)


def primitive_not_empty():
    res = {"resourceType": "Location", "id": "h8loc", "status": "active", "name": "Ward 7"}
    p = fhirxml.document(res)
    f = p.replace('<name value="Ward 7"/>', '<name value=""/>')
    assert f != p
    return p, f


def reference_target_type():
    def b(side):
        if side == "pass":
            c = {"resourceType": "Patient", "id": "subj", "gender": "male"}
        else:
            c = {"resourceType": "Medication", "id": "subj", "code": {"text": "Paracetamol 500mg tablets"}}
        return {"resourceType": "Observation", "id": "h8o-ref", "contained": [c], "status": "final",
                "code": {"text": "Pain score"}, "subject": {"reference": "#subj"}, "valueInteger": 2}
    return both(b)


def uri_oid_scheme():
    def b(side):
        return {"resourceType": "Patient", "id": "h8p-oid",
                "identifier": [{"system": ("urn:oid:" if side == "pass" else "oid:") + "2.16.840.1.113883.2.1.4.1",
                                "value": "9434765919"}]}
    return both(b)


def json_string_primitive():
    p = ('{\n  "resourceType": "Patient",\n  "id": "h8p-str",\n  "birthDate": "1980-01-01"\n}\n')
    f = ('{\n  "resourceType": "Patient",\n  "id": "h8p-str",\n  "birthDate": 1980\n}\n')
    return p, f


def structuremap_input_type():
    fam = "structuremap-input-type-known"

    def b(side):
        return {"resourceType": "StructureMap", "id": "h8sm",
                "url": url(fam, side, "StructureMap/patient-copy"),
                "name": "PatientCopy", "status": "draft",
                "group": [{"name": "copy", "typeMode": "none",
                           "input": [{"name": "src", "type": "Patient" if side == "pass" else "Patinet", "mode": "source"},
                                     {"name": "tgt", "type": "Patient", "mode": "target"}],
                           "rule": [{"name": "gender", "source": [{"context": "src", "element": "gender", "variable": "g"}],
                                     "target": [{"context": "tgt", "contextType": "variable", "element": "gender",
                                                 "transform": "copy", "parameter": [{"valueId": "g"}]}]}]}]}
    return both(b)


def coding_system_near_known():
    def b(side):
        return {"resourceType": "Observation", "id": "h8o-loinc", "status": "final",
                "code": {"coding": [coding("http://loinc.org" if side == "pass" else "http://loinc.org/", "2339-0",
                                           "Glucose [Mass/volume] in Blood")]},
                "valueQuantity": {"value": 97, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}}
    return both(b)


def xml_element_order():
    res = {"resourceType": "Patient", "id": "h8p-order", "name": [{"family": "Hughes", "given": ["Mae"]}], "gender": "female"}
    p = fhirxml.document(res)
    name = '  <name>\n    <family value="Hughes"/>\n    <given value="Mae"/>\n  </name>\n'
    gender = '  <gender value="female"/>\n'
    assert name + gender in p
    f = p.replace(name + gender, gender + name)
    return p, f


def bundle_fullurl_absolute():
    def b(side):
        return {"resourceType": "Bundle", "id": "h8b-abs", "type": "collection",
                "entry": [{"fullUrl": (BASE + "/fhir/Patient/p1") if side == "pass" else "Patient/p1",
                           "resource": {"resourceType": "Patient", "id": "p1", "gender": "other"}}]}
    return both(b)


def sd_binding_is_valueset():
    fam = "sd-binding-is-valueset"

    def b(side):
        return {"resourceType": "StructureDefinition", "id": "h8-sd-bind-" + side,
                "url": url(fam, side, "StructureDefinition/patient-marital"),
                "name": "PatientMarital", "status": "draft",
                "fhirVersion": "4.0.1", "kind": "resource", "abstract": False, "type": "Patient",
                "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
                "differential": {"element": [
                    {"id": "Patient", "path": "Patient"},
                    {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus",
                     "binding": {"strength": "extensible",
                                 "valueSet": "http://hl7.org/fhir/ValueSet/marital-status" if side == "pass"
                                 else "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"}}]}}
    return both(b)


def qr_one_answer():
    q = [{"linkId": "smoker", "text": "Do you smoke?", "type": "boolean"}]

    def b(side):
        ans = [{"valueBoolean": False}] if side == "pass" else [{"valueBoolean": False}, {"valueBoolean": True}]
        return qr_with_contained_q(q, [{"linkId": "smoker", "text": "Do you smoke?", "answer": ans}])
    return both(b)


def valueset_include_system_oid():
    fam = "valueset-include-system-oid"

    def b(side):
        return {"resourceType": "ValueSet", "id": "h8vs-oid",
                "url": url(fam, side, "ValueSet/genders"),
                "name": "Genders", "status": "draft",
                "compose": {"include": [{"system": "http://hl7.org/fhir/administrative-gender" if side == "pass"
                                         else "urn:oid:2.16.840.1.113883.4.642.4.2"}]}}
    return both(b)


def base64_valid():
    def b(side):
        return {"resourceType": "Binary", "id": "h8bin", "contentType": "text/plain",
                "data": "T2FrZmllbGQgcmVmZXJyYWwgbGV0dGVy" if side == "pass" else "Oakfield referral letter!"}
    return both(b)


def oid_valid():
    def b(side):
        return {"resourceType": "Parameters", "id": "h8par-oid",
                "parameter": [{"name": "assigning-authority",
                               "valueOid": "urn:oid:2.16.840.1.113883.2.1.4.1" if side == "pass" else "urn:oid:2.16.840.1.113883.2.1.4.x1"}]}
    return both(b)


def json_number_primitive():
    p = ('{\n  "resourceType": "Observation",\n  "id": "h8o-num",\n  "status": "final",\n'
         '  "code": {\n    "text": "Steps walked today"\n  },\n  "valueInteger": 4512\n}\n')
    f = p.replace('"valueInteger": 4512', '"valueInteger": "4512"')
    assert f != p
    return p, f


def integer_valid():
    def b(side):
        return {"resourceType": "Observation", "id": "h8o-int", "status": "final",
                "code": {"text": "Steps walked today"}, "valueInteger": "4512" if side == "pass" else "4512.5"}
    return both(b)


def conditional_reference_query():
    def b(side):
        ref = "Patient?identifier=https://fhir.oakfield.nhs.uk/h8/mrn|100234" if side == "pass" else "Patient?identifier"
        return {"resourceType": "Observation", "id": "h8o-cond", "status": "final",
                "code": {"text": "Pain score"}, "subject": {"reference": ref}, "valueInteger": 1}
    return both(b)


def hl7_publisher_workgroup():
    def b(side):
        return {"resourceType": "ValueSet", "id": "h8-hl7-publisher-" + side,
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": "vocab"}],
                "url": "http://hl7.org/fhir/ValueSet/h8-hl7-publisher-matches-workgroup-" + side,
                "version": "4.0.1", "name": "H8PublisherMatches", "status": "draft",
                "publisher": "HL7 International / Vocabulary" if side == "pass" else "HL7 International / Orders and Observations",
                "contact": [{"telecom": [{"system": "url", "value": "http://www.hl7.org/Special/committees/Vocab"}]}],
                "compose": {"include": [{"system": "http://hl7.org/fhir/administrative-gender"}]}}
    return both(b)


def xml_cdata():
    res = {"resourceType": "Organization", "id": "h8org-cdata", "name": "Oakfield Hospice"}
    p = fhirxml.document(res)
    f = p.replace('<name value="Oakfield Hospice"/>', '<name value="Oakfield Hospice"><![CDATA[hospice]]></name>')
    assert f != p
    return p, f


def qr_unit_option():
    q = [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption",
                         "valueCoding": coding("http://unitsofmeasure.org", "cm", "cm")},
                        {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption",
                         "valueCoding": coding("http://unitsofmeasure.org", "[in_i]", "in")}],
          "linkId": "height", "text": "Height", "type": "quantity"}]

    def b(side):
        v = ({"value": 172, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"} if side == "pass"
             else {"value": 1.72, "unit": "m", "system": "http://unitsofmeasure.org", "code": "m"})
        return qr_with_contained_q(q, [{"linkId": "height", "text": "Height", "answer": [{"valueQuantity": v}]}])
    return both(b)


def resource_id_no_extension():
    ext = {"url": "http://hl7.org/fhir/StructureDefinition/rendering-style", "valueString": "font-weight: bold"}
    p = {"resourceType": "Patient", "id": "h8p-idext", "gender": "unknown", "_gender": {"extension": [ext]}}
    f = {"resourceType": "Patient", "id": "h8p-idext", "_id": {"extension": [ext]}, "gender": "unknown"}
    return p, f


def narrative_root_div():
    def b(side):
        tag = "div" if side == "pass" else "span"
        return {"resourceType": "AllergyIntolerance", "id": "h8ai",
                "text": {"status": "generated",
                         "div": '<%s xmlns="http://www.w3.org/1999/xhtml">Penicillin allergy (rash)</%s>' % (tag, tag)},
                "clinicalStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active")]},
                "verificationStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed")]},
                "code": {"text": "Penicillin"},
                "patient": {"reference": BASE + "/fhir/Patient/p1"}}
    return both(b)


def narrative_caption_placement():
    def b(side):
        if side == "pass":
            div = ('<div xmlns="http://www.w3.org/1999/xhtml"><table><caption>Doses</caption>'
                   '<tr><td>08:00</td><td>1 tablet</td></tr></table></div>')
        else:
            div = ('<div xmlns="http://www.w3.org/1999/xhtml"><caption>Doses</caption><table>'
                   '<tr><td>08:00</td><td>1 tablet</td></tr></table></div>')
        return {"resourceType": "MedicationStatement", "id": "h8ms",
                "text": {"status": "generated", "div": div},
                "status": "active", "medicationCodeableConcept": {"text": "Ramipril 5mg capsules"},
                "subject": {"reference": BASE + "/fhir/Patient/p1"}}
    return both(b)


def qr_exclusive_option():
    q = [{"linkId": "symptoms", "text": "Symptoms", "type": "choice", "repeats": True,
          "answerOption": [
              {"valueCoding": coding(BASE + "/qr-exclusive/CodeSystem/symptoms", "cough", "Cough")},
              {"valueCoding": coding(BASE + "/qr-exclusive/CodeSystem/symptoms", "fever", "Fever")},
              {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive", "valueBoolean": True}],
               "valueCoding": coding(BASE + "/qr-exclusive/CodeSystem/symptoms", "none", "None of these")}]}]

    def b(side):
        none = {"valueCoding": coding(BASE + "/qr-exclusive/CodeSystem/symptoms", "none", "None of these")}
        cough = {"valueCoding": coding(BASE + "/qr-exclusive/CodeSystem/symptoms", "cough", "Cough")}
        return qr_with_contained_q(q, [{"linkId": "symptoms", "text": "Symptoms",
                                        "answer": [none] if side == "pass" else [cough, none]}])
    return both(b)


def codesystem_concept_code_format():
    fam = "code-value-format"

    def b(side):
        return {"resourceType": "CodeSystem", "id": "h8cs-code",
                "url": url(fam, side, "CodeSystem/visit-kinds"),
                "name": "VisitKinds", "status": "draft", "content": "complete",
                "concept": [{"code": "home-visit" if side == "pass" else "home  visit", "display": "Home visit"},
                            {"code": "clinic", "display": "Clinic"}]}
    return both(b)


def mr_group_code_matches():
    fam = "measurereport-single-group-code-matches"

    def b(side):
        return measurereport(fam, side, {"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"),
                                                                    "falls" if side == "pass" else "pressure-ulcers")]},
                                         "population": [mr_pop("initial-population")]})
    return both(b)


def mr_population_code_known():
    fam = "measurereport-population-code-known"

    def b(side):
        pops = [mr_pop("initial-population")] + ([] if side == "pass" else [mr_pop("numerator", 3)])
        return measurereport(fam, side, {"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"), "falls")]},
                                         "population": pops})
    return both(b)


def mr_population_reported():
    fam = "measurereport-population-reported"

    def b(side):
        g = {"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"), "falls")]}}
        if side == "pass":
            g["population"] = [mr_pop("initial-population")]
        return measurereport(fam, side, g)
    return both(b)


def valueset_filter_concept_code():
    fam = "valueset-filter-concept-code-valid"

    def b(side):
        return {"resourceType": "ValueSet", "id": "h8vs-isa",
                "url": url(fam, side, "ValueSet/married"),
                "name": "Married", "status": "draft",
                "compose": {"include": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                         "filter": [{"property": "concept", "op": "is-a",
                                                     "value": "M" if side == "pass" else "Married"}]}]}}
    return both(b)


def structuremap_create_type():
    fam = "structuremap-create-type-known"

    def b(side):
        return {"resourceType": "StructureMap", "id": "h8sm-create",
                "url": url(fam, side, "StructureMap/make-gp"),
                "name": "MakeGP", "status": "draft",
                "group": [{"name": "makeGP", "typeMode": "none",
                           "input": [{"name": "src", "type": "Patient", "mode": "source"}],
                           "rule": [{"name": "gp", "source": [{"context": "src"}],
                                     "target": [{"variable": "gp", "transform": "create",
                                                 "parameter": [{"valueString": "Practitioner" if side == "pass" else "Practitioneer"}]}]}]}]}
    return both(b)


def measure_with_stratifier(fam, side):
    m = measure(fam, side)
    m["group"][0]["stratifier"] = [{"code": {"coding": [coding(url(fam, side, "CodeSystem/strata"), "sex")]},
                                    "criteria": {"language": "text/fhirpath", "expression": "%subject.gender"}}]
    return m


def mr_stratum():
    return {"value": {"text": "female"}, "population": [mr_pop("initial-population", 7)]}


def mr_stratifier_identified():
    fam = "measurereport-stratifier-identified"

    def b(side):
        r = measurereport(fam, side, {"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"), "falls")]},
                                      "population": [mr_pop("initial-population")],
                                      "stratifier": [{"code": [{"coding": [coding(url(fam, side, "CodeSystem/strata"), "sex")]}],
                                                      "stratum": [mr_stratum()]}]})
        r["contained"] = [measure_with_stratifier(fam, side)]
        if side == "fail":
            del r["group"][0]["stratifier"][0]["code"]
        return r
    return both(b)


def mr_stratifier_reported():
    fam = "measurereport-stratifier-reported"

    def b(side):
        g = {"code": {"coding": [coding(url(fam, side, "CodeSystem/groups"), "falls")]},
             "population": [mr_pop("initial-population")]}
        if side == "pass":
            g["stratifier"] = [{"code": [{"coding": [coding(url(fam, side, "CodeSystem/strata"), "sex")]}],
                                "stratum": [mr_stratum()]}]
        r = measurereport(fam, side, g)
        r["contained"] = [measure_with_stratifier(fam, side)]
        return r
    return both(b)


def F(row, key, family, area, fmt, basis, earlier, build):
    return {"row": row, "key": key, "family": family, "area": area, "format": fmt,
            "basis": basis, "earlier": earlier, "build": build}


FAMILIES = [
    F(12, "SD_ED_TYPE_NO_TARGET_PROFILE", "sd-target-profile-only-reference", "Conformance resources", "json",
      "R4 ElementDefinition.type.targetProfile applies to Reference and canonical types only; reference StructureDefinitionValidator: a targetProfile on another type is an error",
      "heldout4 sd-target-profile-type", sd_target_profile),
    F(16, "This_property_must_be__not_", "json-object-for-complex", "JSON", "json",
      "R4 JSON format: an element of a complex datatype is a JSON object; reference JSON parser: a string where an object belongs is an error",
      "—", json_object_for_complex),
    F(17, "Extension_EXT_URL_Absolute", "extension-url-absolute", "Extensions", "xml",
      "R4 Extension.url is an absolute URI except for a complex extension's own parts (ext-1 context); reference InstanceValidator: a relative url on a top-level extension is an error",
      "—", extension_url_absolute),
    F(19, "XHTML_URL_DATA_MIMETYPE", "narrative-data-url-mimetype", "Narrative", "json",
      "R4 Narrative img src (RFC 2397 data: URL, type/subtype); reference XhtmlValidator: a data: URL whose media type is not type/subtype is an invalid URL, an error",
      "—", narrative_data_url),
    F(21, "Undefined_attribute__on__for_type__properties__", "xml-undefined-attribute", "XML", "xml",
      "R4 XML format: a primitive element carries only id and value attributes; reference XML parser: any other attribute is an error",
      "—", xml_undefined_attribute),
    F(22, "QUESTIONNAIRE_QR_ITEM_INTEGER_MIN", "questionnaireresponse-integer-min", "Questionnaires", "xml",
      "R4 minValue extension on Questionnaire.item; reference QuestionnaireValidator: an integer answer below it is an error",
      "—", qr_integer_min),
    F(27, "TYPE_SPECIFIC_CHECKS_DT_ATT_HASH_MISMATCH", "attachment-hash-matches", "Datatypes", "json",
      "R4 Attachment.hash is the SHA-1 of the data (base64); reference InstanceValidator: a hash that is not the data's is an error",
      "—", attachment_hash),
    F(29, "xml_encoding_invalid", "xml-encoding-utf8", "XML", "xml",
      "R4 XML format: UTF-8 encoding; reference XML parser: an XML declaration naming another encoding is an error",
      "heldout4 xml-encoding-utf8", xml_encoding),
    F(30, "MEASURE_MR_GRP_POP_NO_CODE", "measurereport-population-identified", "Measures", "json",
      "R4 MeasureReport.group.population.code names the Measure's population; reference MeasureValidator: a population with no code cannot be matched, an error",
      "—", mr_population_has_code),
    F(32, "BUNDLE_SEARCH_ENTRY_WRONG_RESOURCE_TYPE_MODE", "searchset-match-type", "Bundles", "json",
      "R4 search results (Bundle.entry.search.mode match) are resources of the searched type; reference BundleValidator: a match entry of another type than the self link's search is an error",
      "—", searchset_match_type),
    F(33, "Type_Specific_Checks_DT_UUID_Strat", "uuid-urn-prefix", "Datatypes", "json",
      "R4 uuid datatype: urn:uuid: followed by the UUID; reference InstanceValidator: a uuid value without the urn:uuid: prefix is an error",
      "—", uuid_urn_prefix),
    F(41, "MEASURE_MR_GRP_NO_USABLE_CODE", "measurereport-group-code-usable", "Measures", "json",
      "R4 MeasureReport.group.code against the Measure's group code; reference MeasureValidator: a group code with no coding carrying both system and code is an error",
      "heldout6 measurereport-group-code-usable", mr_group_code_usable),
    F(43, "This_property_must_be_an_Array_not_", "json-array-for-repeating", "JSON", "json",
      "R4 JSON format: a repeating element is always an array; reference JSON parser: an object for a repeating element is an error",
      "heldout7 json-repeating-element-array; heldout4 json-array-for-repeating", json_array_for_repeating),
    F(44, "JSON_COMMA_EXTRA", "json-no-trailing-comma", "JSON", "json",
      "JSON (RFC 8259) has no trailing commas; reference JSON parser: a comma before a closing brace is an error",
      "heldout6 json-no-trailing-comma", json_trailing_comma),
    F(49, "CODESYSTEM_PROPERTY_URI_TYPE_MISMATCH", "codesystem-property-uri-type", "Terminology resources", "xml",
      "R4 CodeSystem.property.uri naming a property of http://hl7.org/fhir/concept-properties fixes its type (status is a code); reference CodeSystemValidator: another type is an error",
      "heldout4 codesystem-known-property-type", codesystem_property_type),
    F(50, "QUESTIONNAIRE_QR_ITEM_MIN_OCCURS", "questionnaireresponse-min-occurs", "Questionnaires", "json",
      "R4 questionnaire-minOccurs extension; reference QuestionnaireValidator: fewer answers than the minimum is an error",
      "heldout6 questionnaireresponse-min-occurs", qr_min_occurs),
    F(55, "VALUESET_BAD_FILTER_VALUE_VALID_REGEX", "valueset-filter-regex-valid", "Terminology resources", "xml",
      "R4 ValueSet.compose.include.filter op regex: the value is a regular expression; reference ValueSetValidator: one that does not compile is an error",
      "heldout5 valueset-filter-regex-valid", valueset_filter_regex),
    F(57, "Validation_VAL_Profile_Maximum", "xml-single-element-once", "Cardinality", "xml",
      "R4 Patient.birthDate is 0..1; reference InstanceValidator: two occurrences (possible in XML) exceed the maximum, an error",
      "—", xml_single_element_once),
    F(60, "CodeSystem_CS_VS_WrongSystem", "codesystem-valueset-whole-system", "Terminology resources", "json",
      "R4 CodeSystem.valueSet is the value set of all the system's codes; reference CodeSystemValidator: a value set that includes another system is an error",
      "heldout6 codesystem-valueset-whole-system", codesystem_valueset_system),
    F(61, "Type_Specific_Checks_DT_Primitive_NotEmpty", "primitive-not-empty", "Datatypes", "xml",
      "R4 primitive values are never empty strings; reference InstanceValidator: value=\"\" is an error",
      "heldout7 primitive-not-empty", primitive_not_empty),
    F(62, "Reference_REF_WrongTarget", "reference-target-type", "References", "json",
      "R4 Observation.subject targets Patient, Group, Device or Location; reference InstanceValidator: a reference resolving to another type (here a contained Medication) is an error",
      "—", reference_target_type),
    F(63, "Type_Specific_Checks_DT_URI_OID", "uri-no-oid-scheme", "URIs", "json",
      "R4 uri datatype: OIDs are written urn:oid:; reference InstanceValidator: a uri starting oid: is an error",
      "—", uri_oid_scheme),
    F(64, "Error_parsing_JSON_the_primitive_value_must_be_a_string", "json-string-primitive", "JSON", "json",
      "R4 JSON format: date (and string-like) primitives are JSON strings; reference JSON parser: a number there is an error",
      "—", json_string_primitive),
    F(65, "SM_GROUP_INPUT_TYPE_UNKNOWN_TYPE", "structuremap-input-type-known", "Conformance resources", "json",
      "R4 StructureMap.group.input.type names a type; reference StructureMapValidator: a type it cannot find (no structure alias) is an error",
      "—", structuremap_input_type),
    F(66, "Terminology_TX_System_Invalid", "coding-system-near-known", "Terminology", "xml",
      "R4 Coding.system for LOINC is exactly http://loinc.org; reference InstanceValidator: a system that starts with a known system's URL but is not it is an error",
      "heldout6 coding-system-near-known", coding_system_near_known),
    F(67, "Validation_VAL_Profile_OutOfOrder", "xml-element-order", "XML", "xml",
      "R4 XML format: elements in the order the definition gives (Patient.name before gender); reference InstanceValidator: out of order is an error",
      "—", xml_element_order),
    F(71, "BUNDLE_ENTRY_URL_ABSOLUTE", "bundle-fullurl-absolute", "Bundles", "xml",
      "R4 Bundle.entry.fullUrl is an absolute URL; reference BundleValidator: a relative fullUrl is an error",
      "heldout4 bundle-fullurl-absolute", bundle_fullurl_absolute),
    F(72, "SD_ED_BIND_NOT_VS", "sd-binding-is-valueset", "Conformance resources", "json",
      "R4 ElementDefinition.binding.valueSet names a ValueSet; reference StructureDefinitionValidator: a canonical that resolves to another kind of resource (here a CodeSystem) is an error",
      "heldout7 sd-binding-is-valueset", sd_binding_is_valueset),
    F(77, "Questionnaire_QR_Item_OnlyOneA", "questionnaireresponse-one-answer", "Questionnaires", "xml",
      "R4 Questionnaire.item.repeats false: one answer; reference QuestionnaireValidator: two answers to a non-repeating item is an error",
      "—", qr_one_answer),
    F(78, "VALUESET_INCLUDE_WRONG_CS_OID", "valueset-include-system-oid", "Terminology resources", "json",
      "R4 ValueSet.compose.include.system is the code system's canonical URL; reference ValueSetValidator: an OID of a known code system in its place is an error",
      "heldout4 valueset-include-system-oid", valueset_include_system_oid),
    F(79, "Type_Specific_Checks_DT_Base64_Valid", "base64-valid", "Datatypes", "json",
      "R4 base64Binary (RFC 4648); reference InstanceValidator: a value that is not base64 is an error",
      "—", base64_valid),
    F(80, "Type_Specific_Checks_DT_OID_Valid", "oid-valid", "Datatypes", "xml",
      "R4 oid datatype: urn:oid: and dotted numbers; reference InstanceValidator: an OID that is not valid is an error",
      "—", oid_valid),
    F(81, "Error_parsing_JSON_the_primitive_value_must_be_a_number", "json-number-primitive", "JSON", "json",
      "R4 JSON format: integer primitives are JSON numbers; reference JSON parser: a string there is an error",
      "—", json_number_primitive),
    F(87, "Type_Specific_Checks_DT_Integer_Valid", "integer-valid", "Datatypes", "xml",
      "R4 integer datatype: a signed whole number; reference InstanceValidator: 4512.5 is not an integer, an error",
      "—", integer_valid),
    F(96, "REFERENCE_REF_QUERY_INVALID", "conditional-reference-query", "References", "json",
      "R4 conditional references (Type?search parameters); reference InstanceValidator: a query part that is not name=value pairs is an error",
      "heldout5 conditional-reference-query", conditional_reference_query),
    F(97, "VALIDATION_HL7_PUBLISHER_MISMATCH2", "hl7-publisher-matches-workgroup", "HL7-published resources", "json",
      "HL7 resources name their work group (structuredefinition-wg) and publisher 'HL7 International / <group>'; reference InstanceValidator: for a group with two names (vocab: Terminology Infrastructure or Vocabulary) a publisher matching neither, written with '/', is an error",
      "heldout7 hl7-publisher-matches-workgroup", hl7_publisher_workgroup),
    F(98, "CDATA_is_not_allowed", "xml-cdata", "XML", "xml",
      "R4 XML format: no CDATA sections; reference XML parser: a CDATA section is an error",
      "heldout4 xml-cdata", xml_cdata),
    F(99, "QUESTIONNAIRE_QR_ITEM_DECIMAL_INVALID_UNITS", "questionnaireresponse-unit-option", "Questionnaires", "json",
      "R4 questionnaire-unitOption extension lists the units allowed; reference QuestionnaireValidator: a quantity answer in another unit is an error",
      "heldout4 questionnaireresponse-unit-option", qr_unit_option),
    F(110, "FHIR_RESOURCE_ID_CANT_BE_EXTENDED", "resource-id-no-extension", "Resources", "json",
      "R4 Resource.id is a system string with no extensions; reference InstanceValidator: an extension on a resource's id is an error",
      "—", resource_id_no_extension),
    F(121, "XHTML_XHTML_Name_Invalid", "narrative-root-div", "Narrative", "json",
      "R4 Narrative.div is an XHTML div element; reference XhtmlValidator: a root of another name is an error",
      "heldout5 narrative-root-div", narrative_root_div),
    F(123, "XHTML_XHTML_OUT_OF_PLACE", "narrative-caption-in-table", "Narrative", "json",
      "XHTML: caption belongs inside table (R4 narrative is XHTML); reference XhtmlValidator: an element outside the parent it needs is an error",
      "heldout4 narrative-table-cell-placement", narrative_caption_placement),
    F(131, "QUESTIONNAIRE_QR_ITEM_EXCLUSIVE", "questionnaireresponse-exclusive-option", "Questionnaires", "xml",
      "R4 questionnaire-optionExclusive extension on an answerOption; reference QuestionnaireValidator: that option selected with another is an error",
      "heldout4 questionnaireresponse-exclusive-option", qr_exclusive_option),
    F(133, "Type_Specific_Checks_DT_Primitive_Regex_Type", "code-value-format", "Datatypes", "json",
      "R4 code datatype: no leading, trailing or double whitespace ([^\\s]+( [^\\s]+)*); reference InstanceValidator: a CodeSystem.concept.code failing the type's regex is an error",
      "—", codesystem_concept_code_format),
]

# Measure keys drawn in the same range, kept as their own families
FAMILIES += [
    F(51, "MEASURE_MR_GRP_NO_WRONG_CODE", "measurereport-single-group-code-matches", "Measures", "json",
      "R4 MeasureReport.group.code names the Measure's group; reference MeasureValidator: with one group each, a code that differs from the Measure's is an error",
      "heldout6 measurereport-single-group-code-matches", mr_group_code_matches),
    F(68, "MEASURE_MR_GRP_POP_UNK_CODE", "measurereport-population-code-known", "Measures", "xml",
      "R4 MeasureReport.group.population.code matches one of the Measure group's populations; reference MeasureValidator: a population code the Measure does not define is an error",
      "heldout6 measurereport-population-code-known", mr_population_code_known),
    F(85, "MEASURE_MR_GRP_POP_MISSING_BY_CODE", "measurereport-population-reported", "Measures", "xml",
      "R4 MeasureReport reports every population of its Measure's group; reference MeasureValidator: a population the Measure defines and the report omits is an error",
      "heldout7 measurereport-population-reported; heldout6 measurereport-population-present", mr_population_reported),
]
FAMILIES += [
    F(8, "VALUESET_BAD_FILTER_VALUE_VALID_CODE", "valueset-filter-concept-code-valid", "Terminology resources", "xml",
      "R4 ValueSet.compose.include.filter on the concept property (is-a) takes a code of the system; reference ValueSetValidator: a value that is not a code of v3-MaritalStatus is an error",
      "heldout5 valueset-filter-concept-code-valid", valueset_filter_concept_code),
    F(76, "SM_TARGET_TYPE_UNKNOWN", "structuremap-create-type-known", "Conformance resources", "xml",
      "R4 StructureMap create(type) names a type; reference StructureMapValidator: a created target variable whose type is not known is an error",
      "heldout5 structuremap-create-resource-type", structuremap_create_type),
    F(109, "MEASURE_MR_GRP_STRAT_NO_CODE", "measurereport-stratifier-identified", "Measures", "xml",
      "R4 MeasureReport.group.stratifier.code names the Measure's stratifier; reference MeasureValidator: a stratifier with no code cannot be matched, an error",
      "—", mr_stratifier_identified),
    F(132, "MEASURE_MR_GRP_STRAT_MISSING_BY_CODE", "measurereport-stratifier-reported", "Measures", "json",
      "R4 MeasureReport reports each stratifier of its Measure's group; reference MeasureValidator: a stratifier the Measure defines and the report omits is an error",
      "—", mr_stratifier_reported),
]
FAMILIES.sort(key=lambda f: f["row"])
# The walk stops at the 50th kept key (row 133): the families written for
# rows drawn later are not part of the set (see selection/decisions.tsv).
assert len(FAMILIES) == 50, len(FAMILIES)
