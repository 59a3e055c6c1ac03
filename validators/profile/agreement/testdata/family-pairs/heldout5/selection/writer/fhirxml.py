# Minimal FHIR JSON-dict -> XML writer for hand-written instances (keys must already be in FHIR order).
from xml.sax.saxutils import quoteattr
def _prim(name, v, ind):
    if isinstance(v, bool): v = 'true' if v else 'false'
    return '%s<%s value=%s/>' % (ind, name, quoteattr(str(v)))
def _elem(name, v, ind, out):
    if isinstance(v, list):
        for x in v: _elem(name, x, ind, out)
        return
    if name == 'div':
        out.append(ind + v); return
    if not isinstance(v, dict):
        out.append(_prim(name, v, ind)); return
    if 'resourceType' in v and name in ('resource', 'contained', 'outcome'):
        out.append('%s<%s>' % (ind, name)); _res(v, ind + '  ', out, False); out.append('%s</%s>' % (ind, name)); return
    attrs = ''
    if 'id' in v:
        attrs += ' id=%s' % quoteattr(v['id'])
    if 'url' in v and name in ('extension', 'modifierExtension'):
        attrs += ' url=%s' % quoteattr(v['url'])
    kids = [(k, x) for k, x in v.items() if k != 'id' and not (k == 'url' and name in ('extension', 'modifierExtension'))]
    if not kids:
        out.append('%s<%s%s/>' % (ind, name, attrs)); return
    out.append('%s<%s%s>' % (ind, name, attrs))
    for k, x in kids: _elem(k, x, ind + '  ', out)
    out.append('%s</%s>' % (ind, name))
def _res(r, ind, out, root):
    ns = ' xmlns="http://hl7.org/fhir"' if root else ''
    out.append('%s<%s%s>' % (ind, r['resourceType'], ns))
    for k, x in r.items():
        if k == 'resourceType': continue
        _elem(k, x, ind + '  ', out)
    out.append('%s</%s>' % (ind, r['resourceType']))
def to_xml(r):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _res(r, '', out, True)
    return '\n'.join(out) + '\n'
