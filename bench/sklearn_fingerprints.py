#!/usr/bin/env python3
"""Which RDKit fingerprints help a scikit-learn forest on BBBP (exploration).

The figures quoted in BENCHMARKS.md ("MACCS keys and topological
torsions") that chose which fingerprint blocks plmkit's featurizer gained.
Molecules are reduced to their standardized parent (cleanup, largest
fragment, uncharge, as `plmkit train --standardize`); features are RDKit
Python's Descriptors.descList (NaN/inf and failures set to 0, see the
issue's note on Ipc) and, per combination, log1p hashed counts of Morgan
(radius 2, 2048), atom pairs (2048), topological torsions (1024) and the
167 MACCS keys. For each combination a 500-tree RandomForestClassifier is
trained on train+valid of plmkit's five random splits (split.csv of a
bench/moleculenet.py --work directory) and scored on the test rows, and a
5-fold CV on seed 0's non-test rows is printed next to it.

Needs Debian's python3 with python3-rdkit and python3-sklearn:
  /usr/bin/python3 bench/sklearn_fingerprints.py --work /tmp/mn \
      desc desc+mc desc+ap desc+maccs desc+tt desc+tt+maccs desc+mc+tt+maccs
"""
import argparse
import csv
import math
import os
import warnings

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, Descriptors, MACCSkeys, rdMolDescriptors
from rdkit.Chem.MolStandardize import rdMolStandardize
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score


def parent(smiles, chooser, uncharger):
    m = Chem.MolFromSmiles(smiles)
    if m is None:
        return None
    return uncharger.uncharge(chooser.choose(rdMolStandardize.Cleanup(m)))


def log_counts(fp, n):
    a = np.zeros(n)
    for k, v in fp.GetNonzeroElements().items():
        a[k % n] += v
    return np.log1p(a)


def descriptors(m):
    out = []
    for _, fn in Descriptors.descList:
        try:
            v = float(fn(m))
        except Exception:  # Debian's Ipc with numpy 1.24
            v = 0.0
        out.append(v if math.isfinite(v) and abs(v) < 1e30 else 0.0)
    return out


BLOCKS = {
    "desc": (len(Descriptors.descList), descriptors),
    "mc": (2048, lambda m: log_counts(AllChem.GetHashedMorganFingerprint(m, 2, nBits=2048), 2048)),
    "ap": (2048, lambda m: log_counts(
        rdMolDescriptors.GetHashedAtomPairFingerprint(m, nBits=2048), 2048)),
    "tt": (1024, lambda m: log_counts(
        rdMolDescriptors.GetHashedTopologicalTorsionFingerprint(m, nBits=1024), 1024)),
    "maccs": (167, lambda m: list(MACCSkeys.GenMACCSKeys(m))),
}


def split_rows(work, seed):
    sets = {"train": [], "valid": [], "test": []}
    with open(os.path.join(work, f"bbbp-random-{seed}", "split.csv")) as f:
        for r in csv.DictReader(f):
            if r["split"] in sets:
                sets[r["split"]].append(int(r["row_index"]))
    return (np.array(sets["train"] + sets["valid"]), np.array(sets["test"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, help="bench/moleculenet.py --work directory "
                    "with bbbp-random-0..4 (their split.csv)")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("combos", nargs="+", help="blocks joined by '+': " + ", ".join(BLOCKS))
    a = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")
    warnings.filterwarnings("ignore")
    with open(os.path.join(a.shared, "data", "bbbp", "BBBP.csv")) as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["p_np"]) for r in rows])
    chooser, uncharger = rdMolStandardize.LargestFragmentChooser(), rdMolStandardize.Uncharger()
    mols = [parent(r["smiles"], chooser, uncharger) for r in rows]
    needed = {b for c in a.combos for b in c.split("+")}
    feats = {b: np.array([BLOCKS[b][1](m) if m is not None else [0.0] * BLOCKS[b][0]
                          for m in mols]) for b in needed}
    for combo in a.combos:
        x = np.hstack([feats[b] for b in combo.split("+")])
        tests, cvs = [], []
        for seed in range(5):
            pool, test = split_rows(a.work, seed)
            m = RandomForestClassifier(n_estimators=500, n_jobs=2, random_state=seed)
            m.fit(x[pool], y[pool])
            tests.append(roc_auc_score(y[test], m.predict_proba(x[test])[:, 1]))
            if seed == 0:
                rng = np.random.RandomState(1000)
                p = pool.copy()
                rng.shuffle(p)
                fold = np.arange(len(p)) % 5
                for k in range(5):
                    m = RandomForestClassifier(n_estimators=500, n_jobs=2, random_state=k)
                    m.fit(x[p[fold != k]], y[p[fold != k]])
                    cvs.append(roc_auc_score(y[p[fold == k]],
                                             m.predict_proba(x[p[fold == k]])[:, 1]))
        print(f"{combo:24s} test {np.mean(tests):.4f} +- {np.std(tests, ddof=1):.3f}  "
              f"CV {np.mean(cvs):.4f}  per seed " + " ".join(f"{t:.3f}" for t in tests),
              flush=True)


if __name__ == "__main__":
    main()
