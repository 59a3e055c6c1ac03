# Enumerate the reference validator's instance-validation message keys:
# every I18nConstants key used in org.hl7.fhir.validation/.../validation/instance/**
# (argv: reference checkout root, Messages.properties, I18nConstants.java)
# (InstanceValidator, type/*, utils/*) and BaseValidator, with the raising file
# and the level of the call that raises it (rule=error, warning, hint...).
import re, os, sys, json
root = sys.argv[1]
base = os.path.join(root, 'org.hl7.fhir.validation/src/main/java/org/hl7/fhir/validation')
files = []
for d, _, fs in os.walk(os.path.join(base, 'instance')):
    files += [os.path.join(d, f) for f in fs if f.endswith('.java')]
files.append(os.path.join(base, 'BaseValidator.java'))
consts = dict(re.findall(r'public static final String (\w+)\s*=\s*"([^"]+)"', open(sys.argv[3], encoding='utf-8').read()))
props = {}
for line in open(sys.argv[2], encoding='utf-8'):
    m = re.match(r'^([A-Za-z0-9_]+)\s*=', line)
    if m: props[m.group(1)] = True
call = re.compile(r'\b(rule\w*|warning\w*|hint\w*|txRule|txWarning\w*|txHint|signpost|suppressedwarning|ok)\s*\(')
out = {}
for f in sorted(files):
    src = open(f, encoding='utf-8').read()
    for m in re.finditer(r'I18nConstants\.([A-Za-z0-9_]+)', src):
        k = consts.get(m.group(1), m.group(1))
        before = src[max(0, m.start()-600):m.start()]
        calls = list(call.finditer(before))
        lvl = calls[-1].group(1) if calls else 'other'
        e = out.setdefault(k, {'files': set(), 'levels': set()})
        e['files'].add(os.path.basename(f)); e['levels'].add(lvl)
for k in sorted(out):
    if k not in props: continue
    print('%s\t%s\t%s' % (k, ','.join(sorted(out[k]['files'])), ','.join(sorted(out[k]['levels']))))
