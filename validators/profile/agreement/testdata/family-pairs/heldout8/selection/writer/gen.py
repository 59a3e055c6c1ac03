#!/usr/bin/env python3
"""Write heldout8's instances and manifest.json (run from this folder: python3 gen.py).

Each family is a function returning (pass, fail): ordered dicts in FHIR's JSON
form (written as JSON or, through fhirxml.py, as XML), or text where the
family is about the bytes of the format itself. A pair differs only where its
rule is. Canonical URLs sit under https://fhir.oakfield.nhs.uk/h8/<family>/<side>/.
"""
import copy
import json
import os

import fhirxml
from families import FAMILIES

OUT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def render(value, fmt):
    if isinstance(value, str):
        return value
    if fmt == "json":
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return fhirxml.document(value)


def main():
    for name in os.listdir(OUT):
        if ".pass." in name or ".fail." in name:
            os.remove(os.path.join(OUT, name))
    pairs = []
    for fam in FAMILIES:
        ext = fam["format"]
        p, f = fam["build"]()
        for side, value in (("pass", p), ("fail", f)):
            file = "%s.%s.%s" % (fam["family"], side, ext)
            write(os.path.join(OUT, file), render(value, ext))
            pairs.append({
                "family": fam["family"],
                "area": fam["area"],
                "basis": fam["basis"],
                "file": file,
                "expect": "no error" if side == "pass" else "error",
            })
    write(os.path.join(OUT, "manifest.json"),
          json.dumps({"set": "heldout8", "pairs": pairs}, indent=1, ensure_ascii=False) + "\n")
    print(len(FAMILIES), "families,", len(pairs), "instances")


if __name__ == "__main__":
    main()
