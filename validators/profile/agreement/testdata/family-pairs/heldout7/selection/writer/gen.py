#!/usr/bin/env python3
"""Write heldout7's instances and manifest (run from this folder: python3 gen.py).

Each family is a function returning (area, basis, format, pass, fail): two
resources that differ only where the family's rule is. Canonical URLs sit
under https://fhir.oakfield.nhs.uk/h7/<family>/<pass|fail>/ so no two files
share a definition.
"""
import copy
import json
import os

from fhirxml import to_xml

OUT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASE = "https://fhir.oakfield.nhs.uk/h7"
FAMILIES = []


def family(name, drawn):
    def wrap(fn):
        FAMILIES.append((name, drawn, fn))
        return fn
    return wrap


def u(fam, side, tail):
    return "%s/%s/%s/%s" % (BASE, fam, side, tail)


def cc(system, code, display=None):
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return {"coding": [c]}


# ---------------------------------------------------------------- uncovered

@family("codesystem-supplement-declares-content", "uncovered")
def _(f):
    def cs(side, content):
        return {"resourceType": "CodeSystem", "id": "h7-cs", "url": u(f, side, "CodeSystem/gender-de"),
                "name": "H7GenderGerman", "status": "active", "content": content,
                "supplements": "http://hl7.org/fhir/administrative-gender",
                "concept": [{"code": "female", "designation": [{"language": "de", "value": "weiblich"}]}]}
    return ("Terminology resources",
            "R4 CodeSystem.supplements and content (a code system that supplements another is content supplement); reference CodeSystemValidator: supplements stated with another content value is an error",
            "json", cs("pass", "supplement"), cs("fail", "complete"))


@family("codesystem-supplement-content-names-base", "uncovered")
def _(f):
    def cs(side, supp):
        r = {"resourceType": "CodeSystem", "id": "h7-cs", "url": u(f, side, "CodeSystem/status-nl"),
             "name": "H7StatusDutch", "status": "draft", "content": "supplement"}
        if supp:
            r["supplements"] = "http://hl7.org/fhir/observation-status"
        r["concept"] = [{"code": "final", "designation": [{"language": "nl", "value": "definitief"}]}]
        return r
    return ("Terminology resources",
            "R4 CodeSystem.content = supplement (the system is a supplement, CodeSystem.supplements names what it supplements); reference CodeSystemValidator: content supplement without supplements is an error",
            "xml", cs("pass", True), cs("fail", False))


@family("codesystem-supplement-no-case-sensitive", "uncovered")
def _(f):
    def cs(side, case):
        r = {"resourceType": "CodeSystem", "id": "h7-cs", "url": u(f, side, "CodeSystem/priority-fr"),
             "name": "H7PriorityFrench", "status": "active"}
        if case:
            r["caseSensitive"] = True
        r.update({"content": "supplement", "supplements": "http://hl7.org/fhir/request-priority",
                  "concept": [{"code": "urgent", "designation": [{"language": "fr", "value": "urgent"}]}]})
        return r
    return ("Terminology resources",
            "R4 CodeSystem.caseSensitive belongs to the code system itself; reference CodeSystemValidator: a supplement that states caseSensitive is an error",
            "json", cs("pass", False), cs("fail", True))


@family("codesystem-supplement-hierarchy-meaning", "uncovered")
def _(f):
    def cs(side, hm):
        return {"resourceType": "CodeSystem", "id": "h7-cs", "url": u(f, side, "CodeSystem/interaction-es"),
                "name": "H7InteractionSpanish", "status": "active", "hierarchyMeaning": hm, "content": "supplement",
                "supplements": "http://hl7.org/fhir/restful-interaction",
                "concept": [{"code": "read", "designation": [{"language": "es", "value": "leer"}]}]}
    return ("Terminology resources",
            "R4 CodeSystem.hierarchyMeaning (a supplement cannot change the supplemented system's hierarchy; restful-interaction is is-a); reference CodeSystemValidator: a supplement's hierarchyMeaning differing from its base's is an error",
            "xml", cs("pass", "is-a"), cs("fail", "part-of"))


def smap(f, side, name, rule, structures=None, inputs=None):
    r = {"resourceType": "StructureMap", "id": "h7-sm", "url": u(f, side, "StructureMap/" + name.lower()),
         "name": name, "status": "draft"}
    if structures:
        r["structure"] = structures
    r["group"] = [{"name": "Main", "typeMode": "none",
                   "input": inputs or [{"name": "src", "type": "Patient", "mode": "source"},
                                       {"name": "tgt", "type": "RelatedPerson", "mode": "target"}],
                   "rule": [rule]}]
    return r


def gender_rule(target):
    return {"name": "gender", "source": [{"context": "src", "element": "gender", "variable": "vg"}],
            "target": [target]}


def translate(params):
    t = {"context": "tgt", "contextType": "variable", "element": "gender", "transform": "translate"}
    if params:
        t["parameter"] = params
    return gender_rule(t)


@family("structuremap-translate-source-known", "uncovered")
def _(f):
    def p(side, var):
        return smap(f, side, "H7TranslateSource", translate(
            [{"valueId": var}, {"valueString": u(f, side, "ConceptMap/gender")}, {"valueString": "code"}]))
    return ("Conformance resources",
            "R4 StructureMap translate(source, map_uri, output): the source is a variable the rule declared; reference StructureMapValidator: an unknown source variable is an error",
            "json", p("pass", "vg"), p("fail", "vz"))


@family("hl7-workgroup-known", "uncovered")
def _(f):
    def vs(side, wg, pub, link):
        return {"resourceType": "ValueSet", "id": "h7-%s-%s" % (f, side),
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": wg}],
                "url": "http://hl7.org/fhir/ValueSet/h7-%s-%s" % (f, side), "version": "4.0.1",
                "name": "H7WorkGroupKnown", "status": "draft", "publisher": pub,
                "contact": [{"telecom": [{"system": "url", "value": link}]}],
                "compose": {"include": [{"system": "http://hl7.org/fhir/administrative-gender"}]}}
    return ("HL7-published resources",
            "Resources HL7 publishes (url under http://hl7.org/fhir/) name their owning work group with the structuredefinition-wg extension, a code of HL7's work groups; reference InstanceValidator: an unknown work group code is an error",
            "json",
            vs("pass", "pc", "HL7 International / Patient Care", "http://www.hl7.org/Special/committees/patientcare"),
            vs("fail", "wardcare", "HL7 International / Patient Care", "http://www.hl7.org/Special/committees/patientcare"))


@family("valueset-include-system-version-syntax", "uncovered")
def _(f):
    def vs(side, system):
        return {"resourceType": "ValueSet", "id": "h7-vs", "url": u(f, side, "ValueSet/genders"),
                "name": "H7Genders", "status": "active",
                "compose": {"include": [{"system": system, "version": "4.0.1",
                                         "concept": [{"code": "female"}, {"code": "male"}]}]}}
    return ("Terminology resources",
            "R4 ValueSet.compose.include.system is a uri and the version goes in include.version; reference ValueSetValidator: a system written system|version is an error (here with the same version in include.version)",
            "xml", vs("pass", "http://hl7.org/fhir/administrative-gender"),
            vs("fail", "http://hl7.org/fhir/administrative-gender|4.0.1"))


def profile(f, side, name, typ, elements, extra=None):
    r = {"resourceType": "StructureDefinition", "id": "h7-sd", "url": u(f, side, "StructureDefinition/" + name),
         "name": name, "status": "active", "fhirVersion": "4.0.1", "kind": "resource", "abstract": False,
         "type": typ, "baseDefinition": "http://hl7.org/fhir/StructureDefinition/" + typ,
         "derivation": "constraint", "differential": {"element": elements}}
    if extra:
        r.update(extra)
    return r


@family("sd-path-starts-with-type", "uncovered")
def _(f):
    def sd(side, path):
        return profile(f, side, "H7Location", "Location", [
            {"id": "Location", "path": "Location"},
            {"id": path, "path": path, "min": 1}])
    return ("Conformance resources",
            "R4 ElementDefinition.path (a dotted path that starts with the name of the type it constrains); reference StructureDefinitionValidator: an element path not under the profile's type is an error",
            "json", sd("pass", "Location.name"), sd("fail", "Organization.name"))


@family("sd-differential-invariant-source", "uncovered")
def _(f):
    def sd(side, source):
        url = u(f, side, "StructureDefinition/H7Organization")
        return profile(f, side, "H7Organization", "Organization", [
            {"id": "Organization", "path": "Organization"},
            {"id": "Organization.telecom", "path": "Organization.telecom",
             "constraint": [{"key": "h7org-1", "severity": "error", "human": "A telecom has a value",
                             "expression": "value.exists()", "source": url if source == "own" else source}]}])
    return ("Conformance resources",
            "R4 ElementDefinition.constraint.source (the profile that defines the invariant); reference StructureDefinitionValidator: an invariant added in a differential names no source or the profile itself, never another definition",
            "xml", sd("pass", "own"), sd("fail", "http://hl7.org/fhir/StructureDefinition/Organization"))


@family("hl7-publisher-matches-workgroup", "uncovered")
def _(f):
    def vs(side, pub):
        return {"resourceType": "ValueSet", "id": "h7-%s-%s" % (f, side),
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": "vocab"}],
                "url": "http://hl7.org/fhir/ValueSet/h7-%s-%s" % (f, side), "version": "4.0.1",
                "name": "H7PublisherMatches", "status": "draft", "publisher": pub,
                "contact": [{"telecom": [{"system": "url", "value": "http://www.hl7.org/Special/committees/Vocab"}]}],
                "compose": {"include": [{"system": "http://hl7.org/fhir/administrative-gender"}]}}
    return ("HL7-published resources",
            "Resources HL7 publishes name as publisher 'HL7 International / <work group name>' of the work group they declare (structuredefinition-wg); reference InstanceValidator: a publisher naming another group (written with '/') is an error",
            "xml", vs("pass", "HL7 International / Terminology Infrastructure"),
            vs("fail", "HL7 International / Patient Care"))


@family("sd-discriminator-path-parses", "uncovered")
def _(f):
    def sd(side, path):
        return profile(f, side, "H7PatientTelecom", "Patient", [
            {"id": "Patient", "path": "Patient"},
            {"id": "Patient.telecom", "path": "Patient.telecom",
             "slicing": {"discriminator": [{"type": "value", "path": path}], "rules": "open"}}])
    return ("Conformance resources",
            "R4 ElementDefinition.slicing.discriminator.path (a restricted FHIRPath expression); reference StructureDefinitionValidator: a discriminator path that does not parse is an error",
            "json", sd("pass", "system"), sd("fail", "system.where("))


@family("sd-no-slicing-on-differential-root", "uncovered")
def _(f):
    def sd(side, root_sliced):
        root = {"id": "Practitioner", "path": "Practitioner"}
        if root_sliced:
            root["slicing"] = {"description": "by kind of practitioner", "rules": "open"}
        return profile(f, side, "H7Practitioner", "Practitioner", [
            root,
            {"id": "Practitioner.identifier", "path": "Practitioner.identifier",
             "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}}])
    return ("Conformance resources",
            "R4 StructureDefinition sdf-20 (no slicing on the root element); reference StructureDefinitionValidator: slicing on a differential's root is an error",
            "xml", sd("pass", False), sd("fail", True))


@family("conceptmap-target-code-in-target-scope", "uncovered")
def _(f):
    def cm(side, code):
        return {"resourceType": "ConceptMap", "id": "h7-cm", "url": u(f, side, "ConceptMap/status"),
                "name": "H7StatusMap", "status": "draft",
                "sourceCanonical": "http://hl7.org/fhir/ValueSet/request-status",
                "targetCanonical": "http://hl7.org/fhir/ValueSet/immunization-status",
                "group": [{"source": "http://hl7.org/fhir/request-status", "target": "http://hl7.org/fhir/event-status",
                           "element": [{"code": "completed", "target": [{"code": code, "equivalence": "equivalent"}]}]}]}
    return ("Terminology resources",
            "R4 ConceptMap.target[x] (the value set the targets come from); reference ConceptMapValidator: a target code of a complete code system that is not in the map's target value set is an error (event-status in-progress is not in immunization-status)",
            "json", cm("pass", "completed"), cm("fail", "in-progress"))


@family("structuremap-translate-output-mode", "uncovered")
def _(f):
    def p(side, mode):
        return smap(f, side, "H7TranslateMode", translate(
            [{"valueId": "vg"}, {"valueString": u(f, side, "ConceptMap/gender")}, {"valueString": mode}]))
    return ("Conformance resources",
            "R4 StructureMap translate output: code, system, display, Coding or CodeableConcept; reference StructureMapValidator: another output mode is an error",
            "xml", p("pass", "code"), p("fail", "text"))


def extension_sd(f, side, name, contexts, extra):
    url = u(f, side, "StructureDefinition/" + name)
    r = {"resourceType": "StructureDefinition", "id": "h7-ext", "url": url, "name": name, "status": "active",
         "fhirVersion": "4.0.1", "kind": "complex-type", "abstract": False,
         "context": [{"type": "element", "expression": c} for c in contexts]}
    r.update(extra)
    r.update({"type": "Extension", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
              "derivation": "constraint", "differential": {"element": [
                  {"id": "Extension", "path": "Extension", "short": name},
                  {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                  {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
                  {"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}]}})
    return r


@family("sd-context-invariant-parses", "uncovered")
def _(f):
    def sd(side, exp):
        return extension_sd(f, side, "H7BirthNote", ["Patient"], {"contextInvariant": [exp]})
    return ("Conformance resources",
            "R4 StructureDefinition.contextInvariant (FHIRPath evaluated where the extension is used); reference StructureDefinitionValidator: a context invariant that does not parse is an error",
            "json", sd("pass", "birthDate.exists()"), sd("fail", "birthDate.exists("))


@family("structuremap-translate-has-source", "uncovered")
def _(f):
    def p(side, params):
        return smap(f, side, "H7TranslateParams", translate(params))
    return ("Conformance resources",
            "R4 StructureMap translate(source, map_uri, output) takes its three parameters, the first the source; reference StructureMapValidator: translate without parameters is an error",
            "xml",
            p("pass", [{"valueId": "vg"}, {"valueString": u(f, "pass", "ConceptMap/gender")}, {"valueString": "Coding"}]),
            p("fail", None))


@family("hl7-one-workgroup", "uncovered")
def _(f):
    def vs(side, wgs):
        return {"resourceType": "ValueSet", "id": "h7-%s-%s" % (f, side),
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": w} for w in wgs],
                "url": "http://hl7.org/fhir/ValueSet/h7-%s-%s" % (f, side), "version": "4.0.1",
                "name": "H7OneWorkGroup", "status": "draft", "publisher": "HL7 International / Orders and Observations",
                "contact": [{"telecom": [{"system": "url", "value": "http://www.hl7.org/Special/committees/orders"}]}],
                "compose": {"include": [{"system": "http://hl7.org/fhir/observation-status"}]}}
    return ("HL7-published resources",
            "Resources HL7 publishes have one owning work group (structuredefinition-wg); reference InstanceValidator: two work group extensions is an error",
            "json", vs("pass", ["oo"]), vs("fail", ["oo", "pc"]))


@family("sd-binding-is-valueset", "uncovered")
def _(f):
    def sd(side, vs):
        return profile(f, side, "H7Patient", "Patient", [
            {"id": "Patient", "path": "Patient"},
            {"id": "Patient.gender", "path": "Patient.gender", "min": 1,
             "binding": {"strength": "required", "valueSet": vs}}])
    return ("Conformance resources",
            "R4 ElementDefinition.binding.valueSet (canonical of a ValueSet); reference StructureDefinitionValidator: a binding naming a resource that is not a value set (here the administrative-gender CodeSystem) is an error",
            "xml", sd("pass", "http://hl7.org/fhir/ValueSet/administrative-gender"),
            sd("fail", "http://hl7.org/fhir/administrative-gender"))


@family("sd-slicing-repeating-only", "uncovered")
def _(f):
    def sd(side, path):
        return profile(f, side, "H7Encounter", "Encounter", [
            {"id": "Encounter", "path": "Encounter"},
            {"id": path, "path": path,
             "slicing": {"discriminator": [{"type": "value", "path": "system" if path == "Encounter.class" else "coding.system"}],
                         "rules": "open"}}])
    return ("Conformance resources",
            "R4 ElementDefinition.slicing (only an element that can repeat, or a choice, is sliced); reference StructureDefinitionValidator: slicing Encounter.class (0..1) is an error",
            "json", sd("pass", "Encounter.type"), sd("fail", "Encounter.class"))


@family("structuremap-evaluate-expression-parses", "uncovered")
def _(f):
    def p(side, exp):
        return smap(f, side, "H7Evaluate", gender_rule(
            {"context": "tgt", "contextType": "variable", "element": "gender", "transform": "evaluate",
             "parameter": [{"valueString": exp}]}))
    return ("Conformance resources",
            "R4 StructureMap evaluate(expression): the parameter is a FHIRPath expression; reference StructureMapValidator: an expression that does not parse is an error",
            "xml", p("pass", "'unknown'"), p("fail", "'unknown' +"))


@family("uri-hl7-space-resolves", "uncovered")
def _(f):
    def pt(side, system, value):
        return {"resourceType": "Patient", "id": "h7p",
                "identifier": [{"system": system, "value": value}],
                "name": [{"family": "Carter", "given": ["Lee"]}], "gender": "male", "birthDate": "1969-12-03"}
    return ("URIs",
            "R4 uri datatype (Identifier.system); reference InstanceValidator: a uri in HL7's own spaces (http://hl7.org/fhir..., terminology.hl7.org) that names nothing the validator knows is an error (elsewhere only a warning)",
            "json", pt("pass", "http://hl7.org/fhir/sid/us-ssn", "123-45-6789"),
            pt("fail", "http://hl7.org/fhir/sid/oakfield-mrn", "H7-000123"))


# ------------------------------------------------------------------ covered

def measure_report(f, side, scoring, groups, report_groups, score=None):
    m = {"resourceType": "Measure", "id": "m", "status": "active",
         "scoring": cc("http://terminology.hl7.org/CodeSystem/measure-scoring", scoring), "group": []}
    for g, pops in groups:
        m["group"].append({"code": cc(u(f, side, "CodeSystem/groups"), g), "population": [
            {"code": cc("http://terminology.hl7.org/CodeSystem/measure-population", p),
             "criteria": {"language": "text/fhirpath", "expression": "true"}} for p in pops]})
    mr = {"resourceType": "MeasureReport", "id": "h7mr", "contained": [m], "status": "complete", "type": "summary",
          "measure": "#m", "period": {"start": "2026-04-01", "end": "2026-06-30"}, "group": []}
    for g, pops in report_groups:
        rg = {"code": cc(u(f, side, "CodeSystem/groups"), g), "population": [
            {"code": cc("http://terminology.hl7.org/CodeSystem/measure-population", p), "count": n} for p, n in pops]}
        if score is not None:
            rg["measureScore"] = {"value": score}
        mr["group"].append(rg)
    return mr


@family("measurereport-population-reported", "covered")
def _(f):
    pops = ["initial-population", "denominator", "numerator"]
    def p(side, reported):
        return measure_report(f, side, "ratio", [("falls", pops)], [("falls", reported)], score=0.25)
    return ("Measures",
            "R4 MeasureReport.group.population (the populations of the measure's group); reference MeasureValidator: a population the Measure defines (here the numerator of a ratio measure) missing from the report's group is an error",
            "json",
            p("pass", [("initial-population", 40), ("denominator", 40), ("numerator", 10)]),
            p("fail", [("initial-population", 40), ("denominator", 40)]))


@family("json-repeating-element-array", "covered")
def _(f):
    tel = {"system": "phone", "value": "01632 960111", "use": "work"}
    def p(side, t):
        return {"resourceType": "Practitioner", "id": "h7pr", "active": True, "name": [{"family": "Okafor", "given": ["Ada"]}],
                "telecom": t}
    return ("JSON",
            "R4 §2.6.2 JSON (an element that can repeat is always an array, even with one item); reference JsonParser: a repeating element written as an object is an error (Practitioner.telecom)",
            "json", p("pass", [tel]), p("fail", tel))


@family("valueset-include-system-not-valueset", "covered")
def _(f):
    def vs(side, system, code):
        return {"resourceType": "ValueSet", "id": "h7-vs", "url": u(f, side, "ValueSet/intents"),
                "name": "H7Intents", "status": "active",
                "compose": {"include": [{"system": system, "concept": [{"code": code}]}]}}
    return ("Terminology resources",
            "R4 ValueSet.compose.include.system names a code system (value sets go in include.valueSet); reference ValueSetValidator: a system that is the URL of a value set drawing on several code systems (task-intent) is an error",
            "json", vs("pass", "http://hl7.org/fhir/task-intent", "unknown"),
            vs("fail", "http://hl7.org/fhir/ValueSet/task-intent", "unknown"))


def qr(f, side, item, answers, status="completed"):
    q = {"resourceType": "Questionnaire", "id": "q", "url": u(f, side, "Questionnaire/form"), "status": "active",
         "item": [item]}
    return {"resourceType": "QuestionnaireResponse", "id": "h7qr", "contained": [q], "questionnaire": "#q",
            "status": status, "subject": {"reference": "Patient/h7p"},
            "item": [{"linkId": item["linkId"], "text": item["text"], "answer": answers}]}


@family("questionnaireresponse-answer-in-valueset", "covered")
def _(f):
    item = {"linkId": "sex", "text": "Administrative sex", "type": "string",
            "answerValueSet": "http://hl7.org/fhir/ValueSet/administrative-gender"}
    return ("Questionnaires",
            "R4 Questionnaire.item.answerValueSet (answers come from the value set; que-5 allows it on string items); reference QuestionnaireValidator: a string answer not in the value set is an error",
            "xml", qr(f, "pass", item, [{"valueString": "female"}]), qr(f, "fail", item, [{"valueString": "feminine"}]))


@family("fixed-value-implied-vital-sign", "covered")
def _(f):
    def obs(side, system):
        return {"resourceType": "Observation", "id": "h7obs", "status": "final",
                "category": [cc("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
                "code": cc("http://loinc.org", "29463-7", "Body weight"),
                "subject": {"reference": "Patient/h7p"}, "effectiveDateTime": "2026-03-02",
                "valueQuantity": {"value": 72.4, "unit": "kg", "system": system, "code": "kg"}}
    return ("Profiles",
            "R4 body weight profile (implied by the LOINC code 29463-7): valueQuantity.system is fixed to http://unitsofmeasure.org; reference InstanceValidator: a value other than the fixed one is an error",
            "json", obs("pass", "http://unitsofmeasure.org"), obs("fail", "http://snomed.info/sct"))


@family("contained-id-unique", "covered")
def _(f):
    def cp(side, ids):
        return {"resourceType": "CarePlan", "id": "h7cp",
                "contained": [{"resourceType": "Goal", "id": i, "lifecycleStatus": "active",
                               "description": {"text": t}, "subject": {"reference": "Patient/h7p"}}
                              for i, t in zip(ids, ["Walk unaided", "Sleep through the night"])],
                "status": "active", "intent": "plan", "subject": {"reference": "Patient/h7p"},
                "goal": [{"reference": "#" + i} for i in dict.fromkeys(ids)]}
    return ("Resources",
            "R4 §2.21 contained resources (ids unique among the container's contained resources); reference InstanceValidator: two contained resources with one id is an error (two Goals in a CarePlan)",
            "json", cp("pass", ["g1", "g2"]), cp("fail", ["g1", "g1"]))


@family("structuremap-source-type", "covered")
def _(f):
    def p(side, typ):
        r = gender_rule({"context": "tgt", "contextType": "variable", "element": "gender", "transform": "copy",
                         "parameter": [{"valueId": "vg"}]})
        r["source"][0]["type"] = typ
        return smap(f, side, "H7SourceType", r)
    return ("Conformance resources",
            "R4 StructureMap.group.rule.source.type (the type the source element must have); reference StructureMapValidator: a type the source element does not have (Patient.gender is a code) is an error",
            "json", p("pass", "code"), p("fail", "boolean"))


@family("questionnaireresponse-max-occurs", "covered")
def _(f):
    item = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs", "valueInteger": 3}],
            "linkId": "carer", "text": "Carers", "type": "string", "repeats": True}
    return ("Questionnaires",
            "Core extension questionnaire-maxOccurs on Questionnaire.item (at most that many answers); reference QuestionnaireValidator: more answers than the maximum is an error (5 answers, maximum 3)",
            "xml", qr(f, "pass", item, [{"valueString": "Ann"}]),
            qr(f, "fail", item, [{"valueString": n} for n in ["Ann", "Bo", "Cy", "Di", "Ed"]]))


@family("structuremap-input-mode-matches-structure", "covered")
def _(f):
    def p(side, mode):
        structures = [{"url": "http://hl7.org/fhir/StructureDefinition/Patient", "mode": "source", "alias": "PatientIn"},
                      {"url": "http://hl7.org/fhir/StructureDefinition/RelatedPerson", "mode": mode, "alias": "CarerOut"}]
        inputs = [{"name": "src", "type": "PatientIn", "mode": "source"},
                  {"name": "tgt", "type": "CarerOut", "mode": "target"}]
        rule = gender_rule({"context": "tgt", "contextType": "variable", "element": "gender", "transform": "copy",
                            "parameter": [{"valueId": "vg"}]})
        return smap(f, side, "H7InputMode", rule, structures, inputs)
    return ("Conformance resources",
            "R4 StructureMap.structure.mode and group.input.mode (an input typed by a declared structure has that structure's mode); reference StructureMapValidator: a target input typed by a source structure is an error",
            "xml", p("pass", "target"), p("fail", "source"))


@family("extension-subextension-declared", "covered")
def _(f):
    def pt(side, extra):
        subs = [{"url": "code", "valueCodeableConcept": {"text": "Ireland"}},
                {"url": "period", "valuePeriod": {"start": "2001-05-14"}}]
        if extra:
            subs.append({"url": "country", "valueString": "Ireland"})
        return {"resourceType": "Patient", "id": "h7p",
                "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-citizenship", "extension": subs}],
                "name": [{"family": "Byrne", "given": ["Niamh"]}], "gender": "female", "birthDate": "1984-09-30"}
    return ("Extensions",
            "Core complex extension patient-citizenship (sub-extensions code and period only); reference InstanceValidator: a sub-extension the definition does not declare is an error",
            "json", pt("pass", False), pt("fail", True))


@family("bundle-canonical-url-restful-fullurl", "covered")
def _(f):
    def b(side, vid):
        full = u(f, side, "ValueSet/wards")
        return {"resourceType": "Bundle", "id": "h7b", "type": "collection",
                "entry": [{"fullUrl": full, "resource": {
                    "resourceType": "ValueSet", "id": vid, "url": full, "name": "H7Wards", "status": "active",
                    "compose": {"include": [{"system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                                             "concept": [{"code": "wa"}, {"code": "ro"}]}]}}}]}
    return ("Bundles",
            "R4 Bundle.entry.fullUrl and canonical resource url (a url equal to the fullUrl is the resource's RESTful address, ending in its id); reference BundleValidator: a ValueSet whose url equals its fullUrl but whose id differs is an error",
            "json", b("pass", "wards"), b("fail", "ward-types"))


@family("questionnaireresponse-answer-option", "covered")
def _(f):
    opts = [{"valueCoding": {"system": "http://hl7.org/fhir/contact-point-system", "code": c}} for c in ["phone", "email"]]
    item = {"linkId": "channel", "text": "Preferred channel", "type": "choice", "answerOption": opts}
    return ("Questionnaires",
            "R4 Questionnaire.item.answerOption (a choice answer is one of the options); reference QuestionnaireValidator: a Coding answer that is none of the options is an error",
            "json",
            qr(f, "pass", item, [{"valueCoding": {"system": "http://hl7.org/fhir/contact-point-system", "code": "email"}}]),
            qr(f, "fail", item, [{"valueCoding": {"system": "http://hl7.org/fhir/contact-point-system", "code": "sms"}}]))


@family("modifier-extension-is-modifier", "covered")
def _(f):
    def pt(side, where):
        ext = {"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
               "valueAddress": {"city": "Galway", "country": "IE"}}
        r = {"resourceType": "Patient", "id": "h7p"}
        r[where] = [ext]
        r.update({"name": [{"family": "Walsh", "given": ["Ciara"]}], "gender": "female", "birthDate": "1979-02-11"})
        return r
    return ("Extensions",
            "R4 §2.17 modifierExtension holds only extensions whose definition is a modifier; reference InstanceValidator: patient-birthPlace (not a modifier) in modifierExtension is an error",
            "xml", pt("pass", "extension"), pt("fail", "modifierExtension"))


@family("measurereport-group-reported", "covered")
def _(f):
    groups = [("adults", ["initial-population"]), ("children", ["initial-population"])]
    def p(side, reported):
        return measure_report(f, side, "cohort", groups, [(g, [("initial-population", n)]) for g, n in reported])
    return ("Measures",
            "R4 MeasureReport.group (one per group of the measure); reference MeasureValidator: a group the Measure defines missing from a summary report is an error",
            "xml", p("pass", [("adults", 120), ("children", 30)]), p("fail", [("adults", 120)]))


@family("primitive-not-empty", "covered")
def _(f):
    def loc(side, desc):
        return {"resourceType": "Location", "id": "h7loc", "status": "active", "name": "Ward 4",
                "description": desc, "mode": "instance"}
    return ("Datatypes",
            "R4 string datatype and §2.6.2 JSON (a primitive has a non-empty value, or extensions, never an empty string); reference InstanceValidator: an empty string value is an error (Location.description)",
            "json", loc("pass", "Respiratory ward, fourth floor"), loc("fail", ""))


@family("extension-modifier-placement", "covered")
def _(f):
    def cs(side, where):
        inter = {"code": "delete"}
        inter[where] = [{"url": "http://hl7.org/fhir/StructureDefinition/capabilitystatement-prohibited", "valueBoolean": True}]
        inter = {k: inter[k] for k in (where, "code")}
        return {"resourceType": "CapabilityStatement", "id": "h7cap", "url": u(f, side, "CapabilityStatement/records"),
                "name": "H7Records", "status": "draft", "date": "2026-05-01",
                "description": "What Oakfield's record service is asked to support", "kind": "requirements",
                "fhirVersion": "4.0.1", "format": ["json"],
                "rest": [{"mode": "server", "resource": [{"type": "Patient", "interaction": [inter, {"code": "read"}]}]}]}
    return ("Extensions",
            "R4 §2.17 (an extension whose definition is a modifier goes in modifierExtension), core capabilitystatement-prohibited; reference InstanceValidator: a modifier extension in extension is an error",
            "xml", cs("pass", "modifierExtension"), cs("fail", "extension"))


@family("json-unknown-property", "covered")
def _(f):
    def med(side, extra):
        r = {"resourceType": "Medication", "id": "h7med", "code": {"text": "Paracetamol 500 mg tablets"}, "status": "active"}
        if extra:
            r["colour"] = "white"
        r["form"] = {"text": "tablet"}
        return r
    return ("JSON",
            "R4 §2.6.2 JSON (only the properties the resource defines); reference JsonParser: an unrecognised property is an error (Medication.colour)",
            "json", med("pass", False), med("fail", True))


def narrative(href):
    return ('<div xmlns="http://www.w3.org/1999/xhtml"><p>Oakfield community clinic. '
            '<a href="%s">Opening hours</a></p></div>' % href)


@family("narrative-link-url-valid", "covered")
def _(f):
    def org(side, href):
        return {"resourceType": "Organization", "id": "h7org",
                "text": {"status": "generated", "div": narrative(href)},
                "active": True, "name": "Oakfield Community Clinic"}
    return ("Narrative",
            "R4 §2.4 Narrative (XHTML links are valid URLs, RFC 3986: no spaces); reference InstanceValidator/XhtmlValidator: a link whose URL holds illegal characters is an error",
            "xml", org("pass", "https://fhir.oakfield.nhs.uk/clinic/opening-hours"),
            org("fail", "https://fhir.oakfield.nhs.uk/clinic/opening hours"))


@family("questionnaireresponse-unit-in-valueset", "covered")
def _(f):
    item = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitValueSet",
                           "valueCanonical": "http://hl7.org/fhir/ValueSet/ucum-bodyweight"}],
            "linkId": "weight", "text": "Weight", "type": "quantity"}
    def ans(code):
        return [{"valueQuantity": {"value": 70, "unit": code, "system": "http://unitsofmeasure.org", "code": code}}]
    return ("Questionnaires",
            "Core extension questionnaire-unitValueSet on a quantity item (the answer's unit comes from the value set; ucum-bodyweight: kg, [lb_av], g); reference QuestionnaireValidator: a unit outside it is an error",
            "json", qr(f, "pass", item, ans("kg")), qr(f, "fail", item, ans("m")))


@family("questionnaireresponse-attachment-content-type", "covered")
def _(f):
    item = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/mimeType", "valueCode": "application/pdf"}],
            "linkId": "letter", "text": "Referral letter", "type": "attachment"}
    def ans(ct):
        a = {}
        if ct:
            a["contentType"] = ct
        a.update({"url": "https://fhir.oakfield.nhs.uk/h7/docs/referral-letter.pdf", "title": "Referral letter"})
        return [{"valueAttachment": a}]
    return ("Questionnaires",
            "Core extension mimeType on an attachment item of a Questionnaire (the attachment's type is one of those listed); reference QuestionnaireValidator: an attachment answer with no contentType is an error",
            "xml", qr(f, "pass", item, ans("application/pdf")), qr(f, "fail", item, ans(None)))


def main():
    pairs = []
    names = set()
    for name, drawn, fn in FAMILIES:
        assert name not in names, name
        names.add(name)
        area, basis, fmt, good, bad = fn(name)
        for side, res, expect in (("pass", good, "no error"), ("fail", bad, "error")):
            fname = "%s.%s.%s" % (name, side, fmt)
            with open(os.path.join(OUT, fname), "w") as fh:
                if fmt == "json":
                    fh.write(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
                else:
                    fh.write(to_xml(res))
            pairs.append({"family": name, "area": area, "basis": basis, "file": fname, "expect": expect})
    with open(os.path.join(OUT, "manifest.json"), "w") as fh:
        fh.write(json.dumps({"set": "heldout7", "pairs": pairs}, indent=1, ensure_ascii=False) + "\n")
    print(len(FAMILIES), "families")


if __name__ == "__main__":
    main()
