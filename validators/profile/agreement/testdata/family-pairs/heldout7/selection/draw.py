#!/usr/bin/env python3
"""Draw heldout7's keys from docs/reference-coverage.md as it stood at dd5f4bc.

Run from the repository root:  python3 validators/profile/agreement/testdata/family-pairs/heldout7/selection/draw.py
Writes uncovered-order.tsv and covered-order.tsv beside this script: the
in-scope keys the table marks not covered ("—") and covered (a family named),
each sorted by key and shuffled with random.Random(20261207 + 7).
"""
import os
import random
import subprocess

SEED = 20261207 + 7
HERE = os.path.dirname(os.path.abspath(__file__))

table = subprocess.run(["git", "show", "dd5f4bc:docs/reference-coverage.md"],
                       capture_output=True, text=True, check=True).stdout
uncovered, covered = [], []
for line in table.splitlines():
    if not line.startswith("| `"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    # the description may itself hold a "|": key and class first, family and reason last
    key, raised, what, family, out = cells[0].strip("`"), cells[1], "|".join(cells[2:-2]).strip(), cells[-2], cells[-1]
    if out:
        continue  # out of scope offline for R4
    row = (key, raised, what, family)
    (uncovered if family == "—" else covered).append(row)

for name, rows in (("uncovered", uncovered), ("covered", covered)):
    rows.sort()
    random.Random(SEED).shuffle(rows)
    with open(os.path.join(HERE, name + "-order.tsv"), "w") as f:
        f.write("row\tkey\traised in\twhat it checks\tcarecert family at dd5f4bc\n")
        for i, r in enumerate(rows, 1):
            f.write("%d\t%s\n" % (i, "\t".join(r)))
    print(name, len(rows))
