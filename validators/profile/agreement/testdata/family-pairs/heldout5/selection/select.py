# Seeded, stratified draw of reference-validator message keys for heldout5.
# Input: keys.tsv from enumerate.py (key, raising files, call levels).
# 1. keep keys raised at error level (a rule* call) in at least one place;
# 2. drop by name the keys that need what an offline R4 validator has not
#    (terminology server, packages, other FHIR versions, signatures,
#    SQL-on-FHIR views, matchetypes, scoring, timeouts) -- EXCLUDE below;
# 3. put each key in one area (by raising file, then by key prefix);
# 4. shuffle each area with random.Random(SEED) over the sorted keys;
# 5. print the areas' orders; the set takes, per area, the first QUOTA keys
#    (in that order) that can be shown by an R4 instance pair and are not a
#    family of an earlier set -- every skip is recorded with its reason.
import random, re, sys
SEED = 20261207
EXCLUDE = re.compile(r'TERMINOLOGY|_TX_|^TX_|TXSERVER|EXPANSION|UNKNOWN_CODESYSTEM|_UNKNOWN_VS|VALUESET_UNKNOWN|'
                     r'PACKAGE|XVER|EXT_VER_|FHIR_VERSION|R5|R3|R2|VERSION_MISMATCH|SIGNATURE|JWT|CERT|DIGSIG|X509|'
                     r'MATCHETYPE|VIEWDEF|SCORING|TIMED_OUT|REGEX_EXCEPTION|OBLIGATION|COMPLIES|ADDITIONAL_RESOURCE|'
                     r'MSG_DEPENDS_ON|I18N|LANGUAGE_PACK|_CQL_|ELM|SQL', re.I)
FILE_AREA = {
    'StructureDefinitionValidator.java': 'conformance', 'SearchParameterValidator.java': 'conformance',
    'OperationDefinitionValidator.java': 'conformance', 'ImplementationGuideValidator.java': 'conformance',
    'StructureMapValidator.java': 'conformance', 'CodeSystemValidator.java': 'conformance',
    'ValueSetValidator.java': 'conformance', 'ConceptMapValidator.java': 'conformance',
    'BundleValidator.java': 'bundle', 'QuestionnaireValidator.java': 'questionnaire',
    'XhtmlValidator.java': 'xhtml', 'MeasureValidator.java': 'measure',
}
SKIP_FILES = {'ViewDefinitionValidator.java', 'ScoringEngine.java', 'CompliesWithChecker.java',
              'BasePolicyAdvisorForFullValidation.java'}
def area(key, files):
    for f in files:
        if f in FILE_AREA:
            return FILE_AREA[f]
    k = key.upper()
    for prefix, a in [('BUNDLE', 'bundle'), ('XHTML', 'xhtml'), ('TEXT_LINK', 'xhtml'),
                      ('REFERENCE', 'references'), ('REF_', 'references'), ('EXTENSION', 'extensions'),
                      ('EXT_', 'extensions'), ('SLICE', 'profiles'), ('SLICING', 'profiles'),
                      ('PROFILE', 'profiles'), ('VALIDATION_VAL_PROFILE', 'profiles'), ('SD_', 'profiles'),
                      ('TYPE_SPECIFIC', 'primitives'), ('TYPE_CHECKS', 'primitives'), ('PRIMITIVE', 'primitives'),
                      ('XHTML', 'xhtml')]:
        if k.startswith(prefix) or ('_' + prefix) in k:
            return a
    return 'general'
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1], encoding='utf-8')]
areas = {}
for key, files, levels in rows:
    files = files.split(',')
    if not re.search(r'\brule', levels) or EXCLUDE.search(key) or set(files) <= SKIP_FILES:
        continue
    areas.setdefault(area(key, files), []).append(key)
rng = random.Random(SEED)
for a in sorted(areas):
    ks = sorted(areas[a])
    rng.shuffle(ks)
    print('## %s (%d)' % (a, len(ks)))
    for i, k in enumerate(ks, 1):
        print('%3d %s' % (i, k))
