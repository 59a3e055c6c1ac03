#!/usr/bin/env python3
"""Draw heldout8's keys from docs/reference-coverage.md as it stood at 8782a89.

Run from the repository root:  python3 validators/profile/agreement/testdata/family-pairs/heldout8/selection/draw.py
Writes order.tsv beside this script: every in-scope key of the table (no
out-of-scope reason), covered or not, sorted by key and shuffled with
random.Random(20261207 + 8). One list: a uniform sample of what the
reference checks offline.
"""
import os
import random
import subprocess

SEED = 20261207 + 8
HERE = os.path.dirname(os.path.abspath(__file__))

table = subprocess.run(["git", "show", "8782a89:docs/reference-coverage.md"],
                       capture_output=True, text=True, check=True).stdout
rows = []
for line in table.splitlines():
    if not line.startswith("| `"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    # the description may itself hold a "|": key and class first, family and reason last
    key, raised, what, family, out = cells[0].strip("`"), cells[1], "|".join(cells[2:-2]).strip(), cells[-2], cells[-1]
    if out:
        continue  # out of scope offline for R4
    rows.append((key, raised, what, family))

rows.sort()
random.Random(SEED).shuffle(rows)
with open(os.path.join(HERE, "order.tsv"), "w") as f:
    f.write("row\tkey\traised in\twhat it checks\tcarecert family at 8782a89\n")
    for i, r in enumerate(rows, 1):
        f.write("%d\t%s\n" % (i, "\t".join(r)))
print("in scope", len(rows), "not covered", sum(1 for r in rows if r[3] == "—"))
