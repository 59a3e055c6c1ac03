import json, os, sys, copy
sys.path.insert(0, os.path.dirname(__file__))
from fhirxml import to_xml
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
pairs = []
def fam(name, area, basis, fmt, good, bad):
    for kind, res in (('pass', good), ('fail', bad)):
        fn = '%s.%s.%s' % (name, kind, fmt)
        with open(os.path.join(OUT, fn), 'w') as f:
            f.write(to_xml(res) if fmt == 'xml' else json.dumps(res, indent=2, ensure_ascii=False) + '\n')
        pairs.append({'family': name, 'area': area, 'basis': basis, 'file': fn, 'expect': 'no error' if kind == 'pass' else 'error'})
def div(text):
    return '<div xmlns="http://www.w3.org/1999/xhtml"><p>%s</p></div>' % text
def tweak(r, f):
    r2 = copy.deepcopy(r); f(r2); return r2
ORG = 'https://fhir.oakfield.nhs.uk'
TERM = 'https://terminology.oakfield.nhs.uk'

# ---------------- Conformance resources: StructureMap ----------------
def smap(ident, rules, groups_extra=(), tgt='Person'):
    return {'resourceType': 'StructureMap', 'id': ident, 'url': ORG + '/StructureMap/' + ident, 'name': 'H5' + ''.join(c for c in ident.title() if c.isalnum()),
            'status': 'draft',
            'group': [{'name': 'PatientToTarget', 'typeMode': 'none',
                       'input': [{'name': 'src', 'type': 'Patient', 'mode': 'source'}, {'name': 'tgt', 'type': tgt, 'mode': 'target'}],
                       'rule': rules}] + list(groups_extra)}
def sm_rule(name, src_el, var, tgt_el, transform, params):
    t = {'context': 'tgt', 'contextType': 'variable', 'element': tgt_el, 'transform': transform}
    if params: t['parameter'] = params
    return {'name': name, 'source': [{'context': 'src', 'element': src_el, 'variable': var}], 'target': [t]}
B = 'reference StructureMapValidator: '
fam('structuremap-evaluate-expression', 'Conformance resources', B + 'an evaluate transform\'s parameter is a FHIRPath expression that parses', 'json',
    smap('h5-sm-eval', [sm_rule('gender', 'gender', 'vg', 'gender', 'evaluate', [{'valueString': "'unknown'"}])]),
    smap('h5-sm-eval', [sm_rule('gender', 'gender', 'vg', 'gender', 'evaluate', [{'valueString': "'unknown"}])]))
fam('structuremap-evaluate-one-parameter', 'Conformance resources', B + 'an evaluate transform takes exactly one parameter (the expression)', 'json',
    smap('h5-sm-evalcount', [sm_rule('gender', 'gender', 'vg', 'gender', 'evaluate', [{'valueString': "'unknown'"}])]),
    smap('h5-sm-evalcount', [sm_rule('gender', 'gender', 'vg', 'gender', 'evaluate', [{'valueId': 'vg'}, {'valueString': "'unknown'"}])]))
fam('structuremap-target-path', 'Conformance resources', B + 'a target element is an element of the target variable\'s type', 'xml',
    smap('h5-sm-tpath', [sm_rule('birth', 'birthDate', 'vb', 'birthDate', 'copy', [{'valueId': 'vb'}])]),
    smap('h5-sm-tpath', [sm_rule('birth', 'birthDate', 'vb', 'dateOfBirth', 'copy', [{'valueId': 'vb'}])]))
fam('structuremap-source-path', 'Conformance resources', B + 'a source element is an element of the source variable\'s type', 'xml',
    smap('h5-sm-spath', [sm_rule('active', 'active', 'va', 'active', 'copy', [{'valueId': 'va'}])]),
    smap('h5-sm-spath', [sm_rule('active', 'enabled', 'va', 'active', 'copy', [{'valueId': 'va'}])]))
def sm_create(tname):
    return smap('h5-sm-create', [{'name': 'entry', 'source': [{'context': 'src'}],
                                   'target': [{'context': 'tgt', 'contextType': 'variable', 'element': 'entry', 'variable': 'e'}],
                                   'rule': [{'name': 'resource', 'source': [{'context': 'src'}],
                                             'target': [{'context': 'e', 'contextType': 'variable', 'element': 'resource', 'variable': 'r',
                                                         'transform': 'create', 'parameter': [{'valueString': tname}]}]}]}], tgt='Bundle')
fam('structuremap-create-resource-type', 'Conformance resources', B + 'create() in a resource slot names a known resource type', 'json',
    sm_create('Patient'), sm_create('Patinet'))
CM = TERM + '/ConceptMap/h5-gender'
fam('structuremap-translate-parameters', 'Conformance resources', B + 'translate takes a source variable, a map URL and an output mode', 'json',
    smap('h5-sm-tr', [sm_rule('gender', 'gender', 'vg', 'gender', 'translate', [{'valueId': 'vg'}, {'valueString': CM}, {'valueString': 'code'}])]),
    smap('h5-sm-tr', [sm_rule('gender', 'gender', 'vg', 'gender', 'translate', [{'valueId': 'vg'}])]))
fam('structuremap-translate-output', 'Conformance resources', B + 'translate\'s output mode is code, system, display, Coding or CodeableConcept', 'xml',
    smap('h5-sm-trmode', [sm_rule('gender', 'gender', 'vg', 'gender', 'translate', [{'valueId': 'vg'}, {'valueString': CM}, {'valueString': 'code'}])]),
    smap('h5-sm-trmode', [sm_rule('gender', 'gender', 'vg', 'gender', 'translate', [{'valueId': 'vg'}, {'valueString': CM}, {'valueString': 'text'}])]))
def sm_dep(vars_):
    g2 = {'name': 'NameToName', 'typeMode': 'none',
          'input': [{'name': 's', 'type': 'HumanName', 'mode': 'source'}, {'name': 't', 'type': 'HumanName', 'mode': 'target'}],
          'rule': [{'name': 'family', 'source': [{'context': 's', 'element': 'family', 'variable': 'f'}],
                    'target': [{'context': 't', 'contextType': 'variable', 'element': 'family', 'transform': 'copy', 'parameter': [{'valueId': 'f'}]}]}]}
    r = {'name': 'name', 'source': [{'context': 'src', 'element': 'name', 'variable': 'sn'}],
         'target': [{'context': 'tgt', 'contextType': 'variable', 'element': 'name', 'variable': 'tn'}],
         'dependent': [{'name': 'NameToName', 'variable': vars_}]}
    return smap('h5-sm-dep', [r], [g2])
fam('structuremap-dependent-arity', 'Conformance resources', B + 'a dependent rule passes as many variables as the invoked group has inputs', 'json',
    sm_dep(['sn', 'tn']), sm_dep(['sn']))

# ---------------- Conformance resources: StructureDefinition ----------------
SDB = 'reference StructureDefinitionValidator: '
def sd(ident, typ, base, deriv, kind, elements, **extra):
    r = {'resourceType': 'StructureDefinition', 'id': ident, 'url': ORG + '/StructureDefinition/' + ident,
         'name': 'H5' + ''.join(c for c in ident.title() if c.isalnum()), 'status': 'draft', 'fhirVersion': '4.0.1',
         'kind': kind, 'abstract': False}
    for k in ('context', 'contextInvariant'):
        if k in extra: r[k] = extra[k]
    r['type'] = typ
    r['baseDefinition'] = 'http://hl7.org/fhir/StructureDefinition/' + base
    r['derivation'] = deriv
    r['differential'] = {'element': elements}
    return r
def el(path, **kw):
    e = {'id': path, 'path': path}
    e.update(kw)
    return e
LOG = ORG + '/StructureDefinition/Referral'
def logical(typ, root, base='Element', kind='logical', ident='h5-referral'):
    r = sd(ident, typ, base, 'specialization', kind,
           [el(root, short='A referral request (logical model)', min=0, max='*'),
            el(root + '.reason', short='Why', min=0, max='1', type=[{'code': 'string'}])])
    r['url'] = LOG
    return r
fam('sd-specialization-new-type', 'Conformance resources', SDB + 'a specialization defines a type other than its base\'s type', 'json',
    logical(LOG, 'Referral'), logical('Element', 'Element'))
fam('sd-logical-type-namespace', 'Profiles', 'reference InstanceValidator (StructureDefinition.type): a type FHIR does not define is named by an absolute URL', 'json',
    logical(LOG, 'Referral', ident='h5-referral-ns'), logical('Referral', 'Referral', ident='h5-referral-ns'))
fam('sd-url-type-logical-only', 'Profiles', 'reference InstanceValidator (StructureDefinition.type): a type named by a URL is only for a logical model', 'json',
    logical(LOG, 'Referral', base='DomainResource', ident='h5-referral-kind'), logical(LOG, 'Referral', base='DomainResource', kind='resource', ident='h5-referral-kind'))
OBS_DIFF = [el('Observation'), el('Observation.subject', min=1)]
fam('sd-core-type-constraint-only', 'Profiles', 'reference InstanceValidator (StructureDefinition.type): a FHIR type is only the type of its own definition or of a constraint on it', 'xml',
    sd('h5-obs-core', 'Observation', 'Observation', 'constraint', 'resource', OBS_DIFF),
    sd('h5-obs-core', 'Observation', 'DomainResource', 'specialization', 'resource', OBS_DIFF))
fam('sd-kind-matches-base', 'Conformance resources', SDB + 'a derived structure has the kind of its (non-abstract) base', 'json',
    sd('h5-obs-kind', 'Observation', 'Observation', 'constraint', 'resource', OBS_DIFF),
    sd('h5-obs-kind', 'Observation', 'Observation', 'constraint', 'complex-type', OBS_DIFF))
fam('sd-path-starts-with-type', 'Conformance resources', SDB + 'every element path starts with the structure\'s type', 'json',
    sd('h5-obs-path', 'Observation', 'Observation', 'constraint', 'resource', [el('Observation'), el('Observation.status', mustSupport=True)]),
    sd('h5-obs-path', 'Observation', 'Observation', 'constraint', 'resource', [el('Observation'), el('Condition.clinicalStatus', mustSupport=True)]))
EXT_URL = ORG + '/StructureDefinition/h5-ext-shift'
def ext_sd(ci):
    r = sd('h5-ext-shift', 'Extension', 'Extension', 'constraint', 'complex-type',
           [el('Extension', short='Shift the patient was admitted on'), el('Extension.extension', max='0'),
            el('Extension.url', fixedUri=EXT_URL), el('Extension.value[x]', type=[{'code': 'string'}])],
           context=[{'type': 'element', 'expression': 'Patient'}], contextInvariant=[ci])
    r['url'] = EXT_URL
    return r
fam('sd-context-invariant-only-extension', 'Conformance resources', SDB + 'contextInvariant only on an extension definition', 'xml',
    ext_sd('active.exists()'),
    sd('h5-obs-ci', 'Observation', 'Observation', 'constraint', 'resource', OBS_DIFF, contextInvariant=['status.exists()']))
def inv(source):
    c = {'key': 'h5-1', 'severity': 'error', 'human': 'A final observation has a value', 'expression': "status = 'final' implies value.exists()"}
    if source: c['source'] = source
    return sd('h5-obs-inv', 'Observation', 'Observation', 'constraint', 'resource', [el('Observation', constraint=[c])])
fam('sd-invariant-source-own', 'Conformance resources', SDB + 'an invariant a profile adds in its differential names no source, or the profile itself', 'xml',
    inv(ORG + '/StructureDefinition/h5-obs-inv'), inv('http://hl7.org/fhir/StructureDefinition/Observation'))
def bind(vs):
    return sd('h5-pat-bind', 'Patient', 'Patient', 'constraint', 'resource',
              [el('Patient'), el('Patient.gender', min=1, binding={'strength': 'required', 'valueSet': vs})])
fam('sd-binding-names-valueset', 'Conformance resources', SDB + 'a binding\'s valueSet is a value set (not the code system)', 'xml',
    bind('http://hl7.org/fhir/ValueSet/administrative-gender'), bind('http://hl7.org/fhir/administrative-gender'))
def slicing(path, dpath):
    return sd('h5-obs-slice', 'Observation', 'Observation', 'constraint', 'resource',
              [el('Observation'), el(path, slicing={'discriminator': [{'type': 'value', 'path': dpath}], 'rules': 'open'})])
fam('sd-discriminator-path-valid', 'Conformance resources', SDB + 'a discriminator path names something in the sliced element', 'json',
    slicing('Observation.component', 'code'), slicing('Observation.component', 'kode'))
fam('sd-slicing-repeating-only', 'Conformance resources', SDB + 'only an element that can repeat (or a choice) is sliced', 'json',
    slicing('Observation.category', 'coding.code'), slicing('Observation.code', 'coding.code'))

# ---------------- Conformance resources: ValueSet filters ----------------
VSB = 'reference ValueSetValidator: '
NF = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor'
def vs(ident, filt, system=NF):
    return {'resourceType': 'ValueSet', 'id': ident, 'url': TERM + '/ValueSet/' + ident, 'name': 'H5' + ''.join(c for c in ident.title() if c.isalnum()),
            'status': 'draft', 'compose': {'include': [{'system': system, 'filter': [filt]}]}}
def flt(prop, op, value):
    return {'property': prop, 'op': op, 'value': value}
fam('valueset-filter-regex-property', 'Conformance resources', VSB + 'a regex filter applies to the code (or a property), not to the concept hierarchy', 'json',
    vs('h5-vs-regex-prop', flt('code', 'regex', '[A-Z]{2,3}')), vs('h5-vs-regex-prop', flt('concept', 'regex', '[A-Z]{2,3}')))
fam('valueset-filter-regex-valid', 'Conformance resources', VSB + 'a regex filter\'s value is a regular expression that compiles', 'json',
    vs('h5-vs-regex', flt('code', 'regex', 'N[A-Z]+')), vs('h5-vs-regex', flt('code', 'regex', 'N[A-Z+')))
fam('valueset-filter-op-allowed', 'Conformance resources', VSB + 'a filter\'s op is one the property supports (concept: =, is-a, descendent-of, is-not-a, in, not-in, generalizes)', 'xml',
    vs('h5-vs-op', flt('concept', 'is-a', 'NI')), vs('h5-vs-op', flt('concept', 'exists', 'true')))
fam('valueset-filter-boolean-value', 'Conformance resources', VSB + 'a filter on a boolean property (inactive, notSelectable) has the value true or false', 'xml',
    vs('h5-vs-bool', flt('notSelectable', '=', 'false')), vs('h5-vs-bool', flt('notSelectable', '=', 'no')))
fam('valueset-filter-datetime-value', 'Conformance resources', VSB + 'a filter on a date property (effectiveDate...) has a FHIR date/dateTime value', 'xml',
    vs('h5-vs-date', flt('effectiveDate', '=', '2019-06-30')), vs('h5-vs-date', flt('effectiveDate', '=', '30/06/2019')))
fam('valueset-filter-concept-code-valid', 'Conformance resources', VSB + 'a filter on the concept hierarchy names a code of the system', 'json',
    vs('h5-vs-isa', flt('concept', 'is-a', 'NI')), vs('h5-vs-isa', flt('concept', 'is-a', 'NOINFO')))
# ---------------- Conformance resources: CodeSystem supplements ----------------
CSB = 'reference CodeSystemValidator: '
def supp(ident, base, **kw):
    r = {'resourceType': 'CodeSystem', 'id': ident, 'url': TERM + '/CodeSystem/' + ident, 'version': '1.0.0',
         'name': 'H5' + ''.join(c for c in ident.title() if c.isalnum()), 'status': 'draft'}
    if 'hierarchyMeaning' in kw: r['hierarchyMeaning'] = kw['hierarchyMeaning']
    r['content'] = kw.get('content', 'supplement')
    r['supplements'] = base
    if 'count' in kw: r['count'] = kw['count']
    if 'concept' in kw: r['concept'] = kw['concept']
    return r
DES = [{'code': 'UNK', 'designation': [{'language': 'cy', 'value': 'Anhysbys'}]}]
fam('codesystem-supplement-content', 'Terminology resources', CSB + 'a code system that names what it supplements has content supplement', 'xml',
    supp('h5-nf-cy', NF, concept=DES), supp('h5-nf-cy', NF, content='fragment', concept=DES))
fam('codesystem-supplement-hierarchy', 'Terminology resources', CSB + 'a supplement that states a hierarchyMeaning states its base\'s', 'json',
    supp('h5-nf-hm', NF, hierarchyMeaning='is-a', concept=DES), supp('h5-nf-hm', NF, hierarchyMeaning='part-of', concept=DES))
# (codesystem-supplement-count: removed after the first run, see README)

# ---------------- Conformance resources: ImplementationGuide ----------------
IGB = 'reference ImplementationGuideValidator: '
def ig(uri, version, hl7=None):
    d = {'uri': uri}
    if version: d['version'] = version
    r = {'resourceType': 'ImplementationGuide', 'id': 'h5-ig'}
    if hl7 is not None:
        r['extension'] = [{'url': 'http://hl7.org/fhir/StructureDefinition/structuredefinition-' + k, 'valueCode': v} for k, v in hl7]
    r.update({'url': (('http://hl7.org/fhir/ImplementationGuide/h5-ig') if hl7 is not None else ORG + '/ImplementationGuide/h5-ig'), 'version': '0.1.0',
            'name': 'H5OakfieldGuide', 'status': 'draft', 'packageId': 'uk.nhs.oakfield.h5', 'license': 'CC0-1.0', 'fhirVersion': ['4.0.1'],
            'dependsOn': [d]})
    return r
BASEIG = ORG + '/ImplementationGuide/oakfield-base'
fam('implementationguide-dependson-version-empty', 'Conformance resources', IGB + 'a dependsOn.uri with | carries a version after it', 'json',
    ig(BASEIG, '1.2.0'), ig(BASEIG + '|', '1.2.0'))
fam('implementationguide-dependson-names-guide', 'Conformance resources', IGB + 'dependsOn.uri is the canonical URL of an ImplementationGuide resource (contains /ImplementationGuide/)', 'json',
    ig(BASEIG, '1.2.0'), ig(ORG + '/fhir/base', '1.2.0'))
HL7IG = [('standards-status', 'trial-use'), ('wg', 'fhir')]
fam('implementationguide-hl7-standards-status', 'Conformance resources', IGB + 'an ImplementationGuide HL7 publishes states its standards status (structuredefinition-standards-status)', 'xml',
    ig(BASEIG, '1.2.0', HL7IG), ig(BASEIG, '1.2.0', [('wg', 'fhir')]))
fam('implementationguide-hl7-workgroup', 'Conformance resources', IGB + 'an ImplementationGuide HL7 publishes names its owning work group (structuredefinition-wg)', 'json',
    ig(BASEIG, '1.2.0', HL7IG), ig(BASEIG, '1.2.0', [('standards-status', 'trial-use')]))
def supp_cs(case):
    r = supp('h5-nf-case', NF, concept=DES)
    if case is not None:
        r = {k: r[k] for k in ['resourceType', 'id', 'url', 'version', 'name', 'status']} | {'caseSensitive': case} | {k: r[k] for k in ['content', 'supplements', 'concept']}
    return r
fam('codesystem-supplement-no-case-sensitive', 'Terminology resources', CSB + 'a supplement states no caseSensitive (that belongs to the supplemented system)', 'json',
    supp_cs(None), supp_cs(True))
def propcs(code):
    return {'resourceType': 'CodeSystem', 'id': 'h5-ward', 'url': TERM + '/CodeSystem/h5-ward', 'version': '1.0.0', 'name': 'H5Ward', 'status': 'active',
            'caseSensitive': True, 'content': 'complete',
            'property': [{'code': code, 'uri': 'http://hl7.org/fhir/concept-properties#inactive', 'type': 'boolean'}],
            'concept': [{'code': 'w1', 'display': 'Ward 1'},
                        {'code': 'w9', 'display': 'Ward 9 (closed)', 'property': [{'code': code, 'valueBoolean': True}]}]}
fam('codesystem-property-uri-code', 'Terminology resources', CSB + 'a property with a FHIR concept-properties URI uses that property\'s own code (#inactive is inactive)', 'xml',
    propcs('inactive'), propcs('status'))

# ---------------- Bundle ----------------
BB = 'reference BundleValidator: '
PAT = {'resourceType': 'Patient', 'id': 'h5p', 'active': True, 'name': [{'family': 'Adeyemi', 'given': ['Tola']}], 'gender': 'female', 'birthDate': '1979-02-11'}
def searchset(entry):
    return {'resourceType': 'Bundle', 'id': 'h5ss', 'type': 'searchset', 'total': 1,
            'link': [{'relation': 'self', 'url': ORG + '/fhir/Patient?family=Adeyemi'}], 'entry': [entry]}
# (searchset-entry-has-resource: dropped at selection, see selection/decisions.tsv)
CS_TRIAGE = {'resourceType': 'CodeSystem', 'id': 'triage', 'url': TERM + '/fhir/triage', 'version': '1.0.0', 'name': 'H5Triage', 'status': 'active',
             'content': 'complete', 'concept': [{'code': 'red', 'display': 'Immediate'}, {'code': 'green', 'display': 'Routine'}]}
def coll(full, res):
    return {'resourceType': 'Bundle', 'id': 'h5coll', 'type': 'collection', 'entry': [{'fullUrl': full, 'resource': res}]}
fam('bundle-canonical-fullurl', 'Bundle', BB + 'an entry whose fullUrl is its resource\'s canonical URL is at a RESTful location ending in the resource\'s id', 'xml',
    coll('urn:uuid:2f0b7c1e-5d3a-4c8e-9b1a-6e4d2c7f8a90', CS_TRIAGE), coll(TERM + '/fhir/triage', CS_TRIAGE))

# ---------------- Extensions ----------------
EB = 'reference InstanceValidator: '
def lst(mode):
    return {'resourceType': 'List', 'id': 'h5list',
            'extension': [{'url': 'http://hl7.org/fhir/StructureDefinition/list-changeBase', 'valueReference': {'reference': 'List/h5base'}}],
            'status': 'current', 'mode': mode, 'title': 'Medication changes since admission',
            'subject': {'reference': 'Patient/h5p'},
            'entry': [{'item': {'reference': 'MedicationStatement/h5ms1'}}]}
fam('extension-context-invariant', 'Extensions', EB + 'an extension is used only where its definition\'s contextInvariant holds (list-changeBase: mode = changes)', 'json',
    lst('changes'), lst('working'))
def dnp(rt):
    r = {'resourceType': rt, 'id': 'h5dnp', 'modifierExtension': [{'url': 'http://hl7.org/fhir/StructureDefinition/request-doNotPerform', 'valueBoolean': True}],
         'status': 'active', 'intent': 'order'}
    if rt == 'NutritionOrder':
        r.update({'patient': {'reference': 'Patient/h5p'}, 'dateTime': '2024-03-04T10:00:00Z',
                  'oralDiet': {'type': [{'text': 'Regular diet'}]}})
    else:
        r.update({'code': {'text': 'Chest X-ray'}, 'subject': {'reference': 'Patient/h5p'}})
    return r
# (modifier-extension-context: dropped at selection, see selection/decisions.tsv)
def birth(ext):
    r = copy.deepcopy(PAT); r['extension'] = [ext]
    return {k: r[k] for k in ['resourceType', 'id', 'extension', 'active', 'name', 'gender', 'birthDate']}
fam('extension-simple-has-value', 'Extensions', EB + 'a simple extension (value[x] required) carries its value, not nested extensions', 'json',
    birth({'url': 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', 'valueAddress': {'city': 'Lagos', 'country': 'NG'}}),
    birth({'url': 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', 'extension': [{'url': 'city', 'valueString': 'Lagos'}]}))

# ---------------- General ----------------
def lib(wgs):
    return {'resourceType': 'Library', 'id': 'h5-lib',
            'extension': [{'url': 'http://hl7.org/fhir/StructureDefinition/structuredefinition-wg', 'valueCode': w} for w in wgs],
            'url': 'http://hl7.org/fhir/Library/h5-lib', 'version': '4.0.1', 'name': 'H5SupplementalLogic', 'status': 'draft',
            'type': {'coding': [{'system': 'http://terminology.hl7.org/CodeSystem/library-type', 'code': 'logic-library'}]}}
fam('hl7-single-workgroup', 'Resources', EB + 'a resource HL7 publishes (url under http://hl7.org/fhir/) names at most one owning work group', 'json',
    lib(['cds']), lib(['cds', 'cqi']))

def idbundle(full):
    p = {k: v for k, v in PAT.items() if k != 'id'}
    return {'resourceType': 'Bundle', 'id': 'h5coll-id', 'type': 'collection', 'entry': [{'fullUrl': full, 'resource': p}]}
# (bundle-entry-resource-id: removed after the first run, see README)

# ---------------- Measure ----------------
MB = 'reference MeasureValidator: '
def measure(scoring, strats):
    g = {'code': {'coding': [{'system': TERM + '/CodeSystem/h5-measure-groups', 'code': 'main'}]}}
    if strats:
        g['stratifier'] = [{'code': {'coding': [{'system': TERM + '/CodeSystem/h5-strata', 'code': c}]}} for c in strats]
    return {'resourceType': 'Measure', 'id': 'm', 'url': ORG + '/Measure/h5-flu', 'name': 'H5FluVaccination', 'status': 'active',
            'scoring': {'coding': [{'system': 'http://terminology.hl7.org/CodeSystem/measure-scoring', 'code': scoring}]}, 'group': [g]}
def report(scoring, strats, rstrats=(), score=None):
    g = {'code': {'coding': [{'system': TERM + '/CodeSystem/h5-measure-groups', 'code': 'main'}]}}
    if score is not None: g['measureScore'] = score
    if rstrats:
        g['stratifier'] = [{'code': [{'coding': [{'system': TERM + '/CodeSystem/h5-strata', 'code': c}]}],
                            'stratum': [{'value': {'text': 'all'}}]} for c in rstrats]
    return {'resourceType': 'MeasureReport', 'id': 'h5mr', 'contained': [measure(scoring, strats)], 'status': 'complete', 'type': 'summary',
            'measure': '#m', 'period': {'start': '2024-01-01', 'end': '2024-03-31'}, 'group': [g]}
fam('measurereport-stratifier-known', 'Resources', MB + 'a report\'s stratifier has the code of one of its Measure group\'s stratifiers', 'json',
    report('cohort', ['age-band'], ['age-band']), report('cohort', ['age-band'], ['sex']))
fam('measurereport-stratifier-once', 'Resources', MB + 'a report group reports each of the Measure group\'s stratifiers once', 'xml',
    report('cohort', ['age-band', 'sex'], ['age-band', 'sex']), report('cohort', ['age-band', 'sex'], ['age-band', 'age-band']))
fam('measurereport-score-value', 'Resources', MB + 'a proportion, ratio or continuous-variable score has a value', 'xml',
    report('proportion', [], score={'value': 0.82}),
    report('proportion', [], score={'extension': [{'url': 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', 'valueCode': 'not-performed'}]}))

# ---------------- Primitives / datatypes ----------------
def quest(items, ident='h5q'):
    return {'resourceType': 'Questionnaire', 'id': ident, 'url': ORG + '/Questionnaire/' + ident, 'name': 'H5' + ''.join(c for c in ident.title() if c.isalnum()),
            'status': 'active', 'item': items}
# (canonical-target-type: removed after the first run, see README)
def contvs(url):
    return {'resourceType': 'Questionnaire', 'id': 'h5q-cont',
            'contained': [{'resourceType': 'ValueSet', 'id': 'pain', 'url': url, 'status': 'active',
                           'compose': {'include': [{'system': 'http://snomed.info/sct', 'concept': [{'code': '410599005', 'display': 'Pain of moderate intensity'}]}]}}],
            'url': ORG + '/Questionnaire/h5q-cont', 'name': 'H5PainScore', 'status': 'active',
            'item': [{'linkId': 'pain', 'text': 'Pain', 'type': 'choice', 'answerValueSet': '#pain'}]}
# (contained-canonical-url-absolute: dropped at selection, see selection/decisions.tsv)
def prov(u):
    return {'resourceType': 'Provenance', 'id': 'h5prov', 'target': [{'reference': 'Patient/h5p'}], 'recorded': '2024-03-04T10:15:00Z',
            'policy': [u], 'agent': [{'who': {'reference': 'Practitioner/h5pr'}}]}
fam('uri-uuid-prefix', 'URIs', EB + 'a uri holding a UUID is written urn:uuid:, never uuid:', 'xml',
    prov('urn:uuid:6c1f2a9e-3b7d-4e2a-8f05-9d4b1c3e7a21'), prov('uuid:6c1f2a9e-3b7d-4e2a-8f05-9d4b1c3e7a21'))

def task(canon):
    return {'resourceType': 'Task', 'id': 'h5task', 'instantiatesCanonical': canon, 'status': 'requested', 'intent': 'order',
            'for': {'reference': 'Patient/h5p'}, 'authoredOn': '2024-03-04T09:00:00Z'}
fam('canonical-example-url', 'URIs', EB + 'a canonical does not point into an example domain (example.org, acme.com...); examples are rejected by default', 'json',
    task(ORG + '/PlanDefinition/h5-discharge'), task('http://example.org/fhir/PlanDefinition/h5-discharge'))
fam('uri-known-space-resolves', 'URIs', EB + 'a uri in FHIR\'s own space (http://hl7.org/fhir, terminology.hl7.org) names something that exists', 'xml',
    prov(ORG + '/policy/h5-consent-2024'), prov('http://hl7.org/fhir/h5-consent-policy'))

# ---------------- Questionnaire / QuestionnaireResponse ----------------
QB = 'reference QuestionnaireValidator: '
def qr(qitems, ritems, ident='h5qr'):
    q = {'resourceType': 'Questionnaire', 'id': 'q', 'url': ORG + '/Questionnaire/' + ident, 'status': 'active', 'item': qitems}
    return {'resourceType': 'QuestionnaireResponse', 'id': ident, 'contained': [q], 'questionnaire': '#q', 'status': 'completed',
            'subject': {'reference': 'Patient/h5p'}, 'authored': '2024-03-04T09:30:00Z', 'item': ritems}
def opt_item(values):
    return [{'linkId': 'children', 'text': 'Number of children', 'type': 'integer', 'answerOption': values}]
fam('questionnaireresponse-option-type', 'Questionnaire', QB + 'an answer to an item with answer options is checked against options of the answer\'s type (an integer answer needs integer options)', 'xml',
    qr(opt_item([{'valueInteger': 0}, {'valueInteger': 1}, {'valueInteger': 2}]), [{'linkId': 'children', 'answer': [{'valueInteger': 2}]}], 'h5qr-opt'),
    qr(opt_item([{'valueCoding': {'system': TERM + '/CodeSystem/h5-count', 'code': 'none'}}, {'valueCoding': {'system': TERM + '/CodeSystem/h5-count', 'code': 'some'}}]),
       [{'linkId': 'children', 'answer': [{'valueInteger': 2}]}], 'h5qr-opt'))
def mo_item(n):
    return [{'extension': [{'url': 'http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs', 'valueInteger': n}],
             'linkId': 'allergy', 'text': 'Allergies', 'type': 'string', 'repeats': True}]
ANS3 = [{'linkId': 'allergy', 'answer': [{'valueString': 'Penicillin'}, {'valueString': 'Latex'}, {'valueString': 'Peanuts'}]}]
fam('questionnaireresponse-max-occurs', 'Questionnaire', QB + 'a repeating item has no more answers than its maxOccurs extension allows', 'json',
    qr(mo_item(4), ANS3, 'h5qr-max'), qr(mo_item(2), ANS3, 'h5qr-max'))
def rr_item(t):
    return [{'extension': [{'url': 'http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource', 'valueCode': t}],
             'linkId': 'gp', 'text': 'Your GP', 'type': 'reference'}]
GPANS = [{'linkId': 'gp', 'answer': [{'valueReference': {'reference': 'Practitioner/h5gp'}}]}]
fam('questionnaireresponse-reference-resource', 'Questionnaire', QB + 'a reference answer points to a resource type the item\'s referenceResource extension allows', 'xml',
    qr(rr_item('Practitioner'), GPANS, 'h5qr-ref'), qr(rr_item('Organization'), GPANS, 'h5qr-ref'))
GRP = [{'linkId': 'contact', 'text': 'Contact', 'type': 'group', 'item': [{'linkId': 'phone', 'text': 'Phone', 'type': 'string'}]}]
fam('questionnaireresponse-group-no-answer', 'Questionnaire', QB + 'a group item has sub-items, never answers', 'json',
    qr(GRP, [{'linkId': 'contact', 'item': [{'linkId': 'phone', 'answer': [{'valueString': '01632 960 123'}]}]}], 'h5qr-grp'),
    qr(GRP, [{'linkId': 'contact', 'answer': [{'valueString': '01632 960 123'}]}], 'h5qr-grp'))
def ew(target):
    return quest([{'linkId': 'smoker', 'text': 'Do you smoke?', 'type': 'boolean'},
                  {'linkId': 'perday', 'text': 'Cigarettes per day', 'type': 'integer',
                   'enableWhen': [{'question': target, 'operator': '=', 'answerBoolean': True}]}], 'h5q-self')
fam('questionnaire-enablewhen-not-self', 'Questionnaire', QB + 'an item\'s enableWhen depends on another item, never on itself', 'json',
    ew('smoker'), ew('perday'))
def inner(target):
    return quest([{'linkId': 'smoker', 'text': 'Do you smoke?', 'type': 'boolean'},
                  {'linkId': 'habits', 'text': 'Smoking habits', 'type': 'group',
                   'enableWhen': [{'question': target, 'operator': '=', 'answerBoolean': True}],
                   'item': [{'linkId': 'ecig', 'text': 'Do you use e-cigarettes?', 'type': 'boolean'}]}], 'h5q-inner')
fam('questionnaire-enablewhen-not-inner', 'Questionnaire', QB + 'an item\'s enableWhen does not depend on an item inside it', 'xml',
    inner('smoker'), inner('ecig'))

QQ = [{'linkId': 'smoker', 'text': 'Do you smoke?', 'type': 'boolean', 'item': [{'linkId': 'perday', 'text': 'Cigarettes per day', 'type': 'integer'}]}]
fam('questionnaireresponse-question-children-in-answer', 'Questionnaire', QB + 'the children of a question (non-group) item sit under its answer, not under the item', 'json',
    qr(QQ, [{'linkId': 'smoker', 'answer': [{'valueBoolean': True, 'item': [{'linkId': 'perday', 'answer': [{'valueInteger': 10}]}]}]}], 'h5qr-nest'),
    qr(QQ, [{'linkId': 'smoker', 'item': [{'linkId': 'perday', 'answer': [{'valueInteger': 10}]}]}], 'h5qr-nest'))

# ---------------- References ----------------
def obs(subject):
    return {'resourceType': 'Observation', 'id': 'h5obs', 'status': 'final',
            'code': {'coding': [{'system': 'http://loinc.org', 'code': '2339-0', 'display': 'Glucose [Mass/volume] in Blood'}]},
            'subject': {'reference': subject}, 'effectiveDateTime': '2024-03-04T09:30:00Z',
            'valueQuantity': {'value': 95, 'unit': 'mg/dL', 'system': 'http://unitsofmeasure.org', 'code': 'mg/dL'}}
fam('reference-no-whitespace', 'References', EB + 'a literal reference contains no whitespace', 'json',
    obs('Patient/h5p'), obs('Patient/h5 p'))
def tx(subject):
    o = obs(subject); del o['id']
    return {'resourceType': 'Bundle', 'id': 'h5tx', 'type': 'transaction',
            'entry': [{'fullUrl': 'urn:uuid:8d0b3f6a-1c2e-4f7b-9a35-2e6c4d8b1f70', 'resource': o, 'request': {'method': 'POST', 'url': 'Observation'}}]}
fam('transaction-reference-form', 'References', EB + 'in a transaction a relative reference is Type/id, Type/id/_history/v or a search (Type?params)', 'xml',
    tx('Patient?identifier=h5-0001'), tx('Patient/h5p/_history'))
fam('conditional-reference-query', 'References', EB + 'a conditional reference (Type?query) has a well-formed query: name=value pairs', 'json',
    tx('Patient?identifier=h5-0001'), tx('Patient?identifier'))

def refcoll(subject):
    o = obs(subject)
    return {'resourceType': 'Bundle', 'id': 'h5coll-ref', 'type': 'collection',
            'entry': [{'fullUrl': ORG + '/fhir/Observation/h5obs', 'resource': o}, {'fullUrl': ORG + '/fhir/Patient/h5p', 'resource': PAT}]}
fam('bundle-reference-form', 'References', EB + 'outside transactions a relative reference in a Bundle is Type/id (or Type/id/_history/v)', 'xml',
    refcoll('Patient/h5p'), refcoll('Patient/h5p/_history'))

# ---------------- Narrative (XHTML) ----------------
XB = 'reference XhtmlValidator: '
def narr(d, fmt_id):
    return {'resourceType': 'Patient', 'id': 'h5p' + fmt_id, 'text': {'status': 'generated', 'div': d},
            'active': True, 'name': [{'family': 'Adeyemi', 'given': ['Tola']}], 'gender': 'female', 'birthDate': '1979-02-11'}
NS = 'xmlns="http://www.w3.org/1999/xhtml"'
fam('narrative-no-processing-instruction', 'Narrative', XB + 'narrative XHTML holds no processing instructions', 'json',
    narr('<div %s><p>Tola Adeyemi, born 11 February 1979</p></div>' % NS, 'pi'),
    narr('<div %s><?xml-stylesheet href="note.css"?><p>Tola Adeyemi, born 11 February 1979</p></div>' % NS, 'pi'))
fam('narrative-no-doctype', 'Narrative', XB + 'narrative XHTML holds no DOCTYPE declaration (XXE protection)', 'json',
    narr('<div %s><p>Tola Adeyemi, born 11 February 1979</p></div>' % NS, 'dt'),
    narr('<div %s><!DOCTYPE html><p>Tola Adeyemi, born 11 February 1979</p></div>' % NS, 'dt'))
fam('narrative-root-div', 'Narrative', XB + 'the narrative\'s root element is a div', 'xml',
    narr('<div %s><p>Tola Adeyemi, born 11 February 1979</p></div>' % NS, 'root'),
    narr('<span %s>Tola Adeyemi, born 11 February 1979</span>' % NS, 'root'))

man = {'set': 'heldout5', 'pairs': pairs}
with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
    f.write(json.dumps(man, indent=1, ensure_ascii=False) + '\n')
print(len(pairs) // 2, 'families,', sum(1 for p in pairs if p['file'].endswith('.xml')), 'xml of', len(pairs))
