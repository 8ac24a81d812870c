"""Writes esol_slice.csv for the evaluate --split-set tests: the first 80
rows of ESOL (../shared/data/esol/delaney-processed.csv) as id,smiles,logS,
ids esol_1..esol_80 (no commas, so awk can cut the file), plus one row whose
SMILES cannot be parsed (train rejects it; it is in no set of split.csv).

Run from the repository root: python3 tests/cli/data/make_esol_slice.py
"""
import csv

SRC = "../shared/data/esol/delaney-processed.csv"
OUT = "tests/cli/data/esol_slice.csv"

with open(SRC, newline="") as f:
    rows = list(csv.DictReader(f))[:80]
with open(OUT, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "smiles", "logS"])
    for i, r in enumerate(rows, 1):
        w.writerow([f"esol_{i}", r["smiles"].strip(), r["measured log solubility in mols per litre"]])
        if i == 40:
            w.writerow(["bad_1", "C1CC(", "-1.0"])
