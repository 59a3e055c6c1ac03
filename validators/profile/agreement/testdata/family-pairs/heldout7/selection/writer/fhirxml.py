"""Write a FHIR JSON-shaped dict (keys in FHIR element order) as FHIR XML."""
from xml.sax.saxutils import quoteattr


def _prim(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _el(name, v, ind, out):
    pad = "  " * ind
    if isinstance(v, list):
        for x in v:
            _el(name, x, ind, out)
    elif isinstance(v, dict):
        if "resourceType" in v:
            out.append(pad + "<%s>" % name)
            _res(v, ind + 1, out, top=False)
            out.append(pad + "</%s>" % name)
            return
        attrs = ""
        # an element's own id (Element.id) is an XML attribute, as is an extension's url
        if "id" in v:
            attrs += " id=" + quoteattr(v["id"])
        if "url" in v and name in ("extension", "modifierExtension"):
            attrs += " url=" + quoteattr(v["url"])
        kids = [(k, x) for k, x in v.items()
                if not (k == "id" or (k == "url" and name in ("extension", "modifierExtension")))]
        if not kids:
            out.append(pad + "<%s%s/>" % (name, attrs))
            return
        out.append(pad + "<%s%s>" % (name, attrs))
        for k, x in kids:
            _el(k, x, ind + 1, out)
        out.append(pad + "</%s>" % name)
    elif name == "div":
        out.append(pad + v)
    else:
        out.append(pad + "<%s value=%s/>" % (name, quoteattr(_prim(v))))


def _res(r, ind, out, top):
    pad = "  " * ind
    ns = ' xmlns="http://hl7.org/fhir"' if top else ""
    out.append(pad + "<%s%s>" % (r["resourceType"], ns))
    for k, v in r.items():
        if k != "resourceType":
            _el(k, v, ind + 1, out)
    out.append(pad + "</%s>" % r["resourceType"])


def to_xml(r):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _res(r, 0, out, top=True)
    return "\n".join(out) + "\n"
