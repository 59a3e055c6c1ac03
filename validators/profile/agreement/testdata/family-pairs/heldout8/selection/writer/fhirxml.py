"""Write a FHIR R4 resource held as an ordered Python dict (the JSON form) in
FHIR's XML form: primitives as value attributes, ids of elements and urls of
extensions as attributes, a resource's id as an element, resources inside
contained/entry.resource/parameter.resource wrapped in an element of their
type, and Narrative.div written as the XHTML given. The dicts must list the
elements in the order the specification defines (XML order matters)."""
from xml.sax.saxutils import escape, quoteattr

RESOURCE_HOLDERS = {"contained", "resource", "outcome"}


def _attrs(pairs):
    return "".join(" %s=%s" % (k, quoteattr(str(v))) for k, v in pairs)


def _prim(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def _element(name, value, companion, ind):
    pad = "  " * ind
    out = []
    if isinstance(value, dict) and "resourceType" in value:
        out.append("%s<%s>" % (pad, name))
        out.extend(resource(value, ind + 1))
        out.append("%s</%s>" % (pad, name))
        return out
    if isinstance(value, dict):
        attrs = []
        if "id" in value:
            attrs.append(("id", value["id"]))
        if name in ("extension", "modifierExtension") and "url" in value:
            attrs.append(("url", value["url"]))
        kids = []
        for k, v in value.items():
            if k.startswith("_") or k == "id" or (k == "url" and name in ("extension", "modifierExtension")):
                continue
            kids.extend(_children(k, v, value.get("_" + k), ind + 1))
        if kids:
            out.append("%s<%s%s>" % (pad, name, _attrs(attrs)))
            out.extend(kids)
            out.append("%s</%s>" % (pad, name))
        else:
            out.append("%s<%s%s/>" % (pad, name, _attrs(attrs)))
        return out
    # a primitive, with its companion (id, extensions) if any
    attrs = []
    kids = []
    if companion:
        if "id" in companion:
            attrs.append(("id", companion["id"]))
        for ext in companion.get("extension", []):
            kids.extend(_element("extension", ext, None, ind + 1))
    if value is not None:
        attrs.append(("value", _prim(value)))
    if kids:
        out.append("%s<%s%s>" % (pad, name, _attrs(attrs)))
        out.extend(kids)
        out.append("%s</%s>" % (pad, name))
    else:
        out.append("%s<%s%s/>" % (pad, name, _attrs(attrs)))
    return out


def _children(k, v, companion, ind):
    if k == "div":
        return ["  " * ind + v]
    if isinstance(v, list):
        out = []
        comps = companion if isinstance(companion, list) else [None] * len(v)
        for item, c in zip(v, comps):
            out.extend(_element(k, item, c, ind))
        return out
    return _element(k, v, companion, ind)


def resource(res, ind=0, top=False):
    pad = "  " * ind
    ns = ' xmlns="http://hl7.org/fhir"' if top else ""
    out = ["%s<%s%s>" % (pad, res["resourceType"], ns)]
    for k, v in res.items():
        if k == "resourceType" or k.startswith("_"):
            continue
        if k == "id":
            out.extend(_element("id", v, res.get("_id"), ind + 1))
            continue
        out.extend(_children(k, v, res.get("_" + k), ind + 1))
    out.append("%s</%s>" % (pad, res["resourceType"]))
    return out


def document(res, decl='<?xml version="1.0" encoding="UTF-8"?>'):
    lines = resource(res, 0, top=True)
    return (decl + "\n" if decl else "") + "\n".join(lines) + "\n"
