#!/usr/bin/env python3
"""The issue's scikit-learn anchor, re-run on plmkit's own splits.

The anchors in the issue (e.g. "BBBP random ROC-AUC 0.936, random forest on
descriptors") were measured on other random splits. This script trains the
same kind of model a chemist writes in a few lines -- RDKit's
Descriptors.descList (NaN/inf set to 0) into a scikit-learn random forest
or MLP -- on exactly the rows that plmkit put in train/test, read from the
split.csv of model directories made by bench/moleculenet.py, so both tools
are compared on the same data.

Needs Debian's python3 with python3-rdkit and python3-sklearn:
  /usr/bin/python3 bench/sklearn_same_split.py --work /tmp/mn-forest \
      --datasets bbbp,bace --splits random,scaffold --seeds 5 --model rf
"""
import argparse
import csv
import json
import math
import os
import statistics
import sys
import warnings

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, Descriptors
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

TASKS = {"esol": "regression", "lipo": "regression", "bbbp": "classification",
         "bace": "classification"}


def descriptors(smiles):
    mol = Chem.MolFromSmiles(smiles)
    row = []
    for _, fn in Descriptors.descList:
        try:
            v = float(fn(mol))
        except Exception:  # Debian's Ipc with numpy 1.24, see the issue
            v = 0.0
        row.append(v if math.isfinite(v) and abs(v) < 1e30 else 0.0)
    return row


def morgan_bits(smiles):
    mol = Chem.MolFromSmiles(smiles)
    fp = AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)
    return list(fp)


def load_split(model_dir, targets_csv_cols):
    rows = []
    with open(os.path.join(model_dir, "split.csv")) as f:
        for r in csv.DictReader(f):
            rows.append(r)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, help="bench/moleculenet.py --work directory")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--datasets", default="bbbp,bace")
    ap.add_argument("--splits", default="random,scaffold")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--model", choices=["rf", "mlp"], default="rf")
    ap.add_argument("--features", choices=["desc", "morgan"], default="desc")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")
    warnings.filterwarnings("ignore")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from moleculenet import DATASETS  # the same files and targets

    results = {}
    for name in a.datasets.split(","):
        path, col, targets, task, metric, _ = DATASETS[name]
        table = {}
        with open(os.path.join(a.shared, "data", path)) as f:
            for i, r in enumerate(csv.DictReader(f)):
                table[i] = r
        cache = {}
        for split in a.splits.split(","):
            scores = []
            for seed in range(a.seeds):
                d = os.path.join(a.work, f"{name}-{split}-{seed}")
                sets = {"train": [], "valid": [], "test": []}
                for r in load_split(d, targets):
                    sets[r["split"]].append(int(r["row_index"]))
                feats = {}
                for s, idx in sets.items():
                    xs = []
                    for i in idx:
                        smi = table[i][col]
                        if smi not in cache:
                            cache[smi] = (descriptors(smi) if a.features == "desc"
                                          else morgan_bits(smi))
                        xs.append(cache[smi])
                    y = [float(table[i][targets[0]]) for i in idx]
                    feats[s] = (np.array(xs, dtype=np.float64), np.array(y))
                xtr, ytr = feats["train"]
                xte, yte = feats["test"]
                if a.model == "rf":
                    cls = RandomForestClassifier if task == "classification" else \
                        RandomForestRegressor
                    m = cls(n_estimators=a.trees, random_state=seed, n_jobs=2)
                else:
                    sc = StandardScaler().fit(xtr)
                    xtr, xte = np.clip(sc.transform(xtr), -10, 10), np.clip(sc.transform(xte),
                                                                            -10, 10)
                    cls = MLPClassifier if task == "classification" else MLPRegressor
                    m = cls(hidden_layer_sizes=(512, 256), early_stopping=True,
                            random_state=seed, max_iter=300)
                m.fit(xtr, ytr)
                if task == "classification":
                    score = roc_auc_score(yte, m.predict_proba(xte)[:, 1])
                else:
                    score = math.sqrt(mean_squared_error(yte, m.predict(xte)))
                scores.append(score)
            mean = statistics.mean(scores)
            sd = statistics.pstdev(scores) if len(scores) > 1 else 0.0
            results[f"{name}-{split}"] = {"mean": mean, "std": sd, "per_seed": scores}
            print(f"{name:6s} {split:9s} {metric:8s} {mean:.3f} +- {sd:.3f}  per seed " +
                  " ".join(f"{s:.3f}" for s in scores), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"model": a.model, "features": a.features, "trees": a.trees,
                       "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
