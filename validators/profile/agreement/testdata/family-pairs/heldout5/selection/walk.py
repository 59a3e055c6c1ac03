# Replays the heldout5 draw: reads order.txt (select.py) and decisions.py, applies the quotas and
# caps, writes decisions.tsv and prints the families taken. Phase 1: each area takes, in its
# seeded order, up to its quota of keys marked T (in conformance at most 5 from one raising class,
# so that no one resource type's validator fills the area). Phase 2: the
# slots other areas could not fill go to the conformance area, walked again from the top with a
# cap of 8 per class.
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decisions import D
QUOTA = {'conformance': 20, 'questionnaire': 7, 'primitives': 7, 'bundle': 5, 'extensions': 4, 'xhtml': 4,
         'profiles': 4, 'references': 4, 'measure': 3, 'general': 2}
here = os.path.dirname(os.path.abspath(__file__))
files = {l.split('\t')[0]: l.split('\t')[1] for l in open(os.path.join(here, 'keys.tsv'))}
areas, cur = {}, None
for l in open(os.path.join(here, 'order.txt')):
    l = l.rstrip()
    if l.startswith('## '):
        cur = l.split()[1]; areas[cur] = []
    elif l:
        areas[cur].append(l.split()[1])
def cls(k): return files[k].split(',')[0]
taken, rows, unfilled = {}, [], 0
def walk(area, quota, cap, note):
    got = sum(1 for k in taken if taken[k][0] == area)
    per = {}
    for k in taken:
        if taken[k][0] == area: per[cls(k)] = per.get(cls(k), 0) + 1
    for k in areas[area]:
        if got >= quota: break
        d = D.get(k, '')
        if k in taken or not d.startswith('T:'): continue
        if per.get(cls(k), 0) >= cap: continue
        taken[k] = (area, d[2:], note); per[cls(k)] = per.get(cls(k), 0) + 1; got += 1
    return quota - got
for a in sorted(QUOTA):
    if a == 'conformance': continue
    unfilled += walk(a, QUOTA[a], 10**6, 'phase 1')
walk('conformance', QUOTA['conformance'], 5, 'phase 1')
walk('conformance', QUOTA['conformance'] + unfilled, 8, 'phase 2')
with open(os.path.join(here, 'decisions.tsv'), 'w') as f:
    f.write('area\tposition\tkey\traised in\tdecision\tfamily or reason\n')
    for a in sorted(areas):
        for i, k in enumerate(areas[a], 1):
            d = D.get(k)
            if k in taken: dec, why = 'taken (%s)' % taken[k][2], taken[k][1]
            elif d is None: dec, why = 'not reached', 'the area\'s quota was filled before this key'
            elif d.startswith('T:'): dec, why = 'not taken', 'cap or quota reached before this key (' + d[2:] + ')'
            elif d == 'P': dec, why = 'not taken', 'the class cap (5, then 8) was reached'
            elif d.startswith('C:'): dec, why = 'covered', 'family of an earlier set: ' + d[2:]
            else: dec, why = 'skipped', d[2:]
            f.write('%s\t%d\t%s\t%s\t%s\t%s\n' % (a, i, k, files[k].replace('.java', ''), dec, why))
for k, v in sorted(taken.items(), key=lambda x: (x[1][0], x[1][1])):
    print(v[0], v[1], k, v[2])
print(len(taken), 'families; slots passed to conformance:', unfilled)
