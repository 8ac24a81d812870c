#!/usr/bin/env python3
"""MoleculeNet benchmark of `plmkit train` (figures for BENCHMARKS.md).

For each dataset and split it trains with seeds 0..S-1 and prints the test
metric as mean +- std over the seeds, next to the issue's two anchors:
MoleculeNet (Wu et al. 2018) and what a few lines of scikit-learn/PyTorch on
RDKit features gave on this machine. Random splits are 80/10/10 with the
seed; scaffold rows use the split file shipped with the dataset (the seed
then only changes the model's initialisation).

With --cv K each run is also scored by K-fold cross-validation on its
non-test rows (train + valid): fold k is scored, fold k+1 is the early-stopping
set, the others train; the outer valid and test rows are left out. Folds are
random for random splits and whole Bemis-Murcko scaffolds (the split file's
murcko_scaffold column) for scaffold splits. Unlike the validation metric,
the CV metric is not biased upward for models that stop early on the rows
they are scored on (MLPs, boosting), so it can compare them with forests.
--cv-seeds N limits the CV to the first N seeds.

Standard library only (Debian's python3 is enough):
  python3 bench/moleculenet.py --plmkit build/bin/plmkit --shared ../shared \
      [--datasets esol,lipo,bbbp,bace,tox21] [--splits random,scaffold] [--seeds 5] \
      [--first-seed 0] \
      [--cv K] [--cv-seeds N] [--keep-cv] [--work /tmp/plmkit-moleculenet] [-- extra plmkit train flags]
"""
import csv
import random
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

DATASETS = {
    # name: (file, smiles col, targets, task, metric, anchors {split: (moleculenet, sklearn)})
    "esol": ("esol/delaney-processed.csv", "smiles",
             ["measured log solubility in mols per litre"], "regression", "rmse",
             {"random": (0.58, 0.606), "scaffold": (None, 0.796)}),
    "lipo": ("lipophilicity/Lipophilicity.csv", "smiles", ["exp"], "regression", "rmse",
             {"random": (0.655, 0.601), "scaffold": (None, 0.709)}),
    "bbbp": ("bbbp/BBBP.csv", "smiles", ["p_np"], "classification", "roc_auc",
             {"random": (None, 0.936), "scaffold": (0.729, 0.748)}),
    "bace": ("bace/bace_slim.csv", "mol", ["Class"], "classification", "roc_auc",
             {"random": (None, 0.904), "scaffold": (0.867, 0.871)}),
    "tox21": ("tox21/tox21.csv", "smiles",
              ["NR-AR", "NR-AR-LBD", "NR-AhR", "NR-Aromatase", "NR-ER", "NR-ER-LBD",
               "NR-PPAR-gamma", "SR-ARE", "SR-ATAD5", "SR-HSE", "SR-MMP", "SR-p53"],
              "classification", "roc_auc", {"random": (None, None), "scaffold": (None, None)}),
}


def run_one(args, name, split, seed, extra, split_file=None, tag=""):
    path, col, targets, task, metric, _ = DATASETS[name]
    data = os.path.join(args.shared, "data", path)
    out = os.path.join(args.work, f"{name}-{split}-{seed}{tag}")
    subprocess.run(["rm", "-rf", out], check=True)
    cmd = [args.plmkit, "-q", "train", "--data", data, "--input-col", col, "--task", task,
           "--output", out, "--seed", str(seed)]
    for t in targets:
        cmd += ["--target-col", t]
    if split_file:
        cmd += ["--split", "file:" + split_file]
    elif split == "scaffold":
        cmd += ["--split", "file:" + os.path.join(os.path.dirname(data), "scaffold_split.csv")]
    cmd += extra
    t0 = time.time()
    subprocess.run(cmd, check=True)
    seconds = time.time() - t0
    with open(os.path.join(out, "metrics.json")) as f:
        m = json.load(f)
    per_epoch = [x["seconds_per_epoch"] for x in m["members"]]  # none with --head forest
    epoch_s = statistics.mean(per_epoch) if per_epoch else 0.0
    return m["test"]["mean"][metric], m["valid"]["mean"][metric], seconds, epoch_s


def cv_folds(args, name, split, seed, k):
    """Fold (0..k-1) of every non-test row of the outer run `seed`."""
    out = os.path.join(args.work, f"{name}-{split}-{seed}")
    with open(os.path.join(out, "split.csv")) as f:
        pool = [int(r["row_index"]) for r in csv.DictReader(f) if r["split"] in ("train", "valid")]
    rng = random.Random(1000 + seed)
    if split != "scaffold":
        rng.shuffle(pool)
        return {row: i % k for i, row in enumerate(pool)}
    path = DATASETS[name][0]
    scaffold_file = os.path.join(args.shared, "data", os.path.dirname(path), "scaffold_split.csv")
    with open(scaffold_file) as f:
        scaffold = {int(r["row_index"]): r["murcko_scaffold"] for r in csv.DictReader(f)}
    groups = {}
    for row in pool:
        groups.setdefault(scaffold[row], []).append(row)
    # Largest scaffolds first (ties in seeded random order), each into the
    # fold with the fewest rows so far.
    order = list(groups.values())
    rng.shuffle(order)
    order.sort(key=len, reverse=True)
    sizes, folds = [0] * k, {}
    for g in order:
        j = sizes.index(min(sizes))
        sizes[j] += len(g)
        for row in g:
            folds[row] = j
    return folds


def run_cv(args, name, split, seed, extra, k):
    """Mean over the folds of the metric on the scored fold."""
    folds = cv_folds(args, name, split, seed, k)
    rows = int(subprocess.run(["wc", "-l", os.path.join(args.shared, "data", DATASETS[name][0])],
                              check=True, capture_output=True, text=True).stdout.split()[0]) - 1
    scores = []
    for j in range(k):
        split_file = os.path.join(args.work, f"{name}-{split}-{seed}-fold{j}.csv")
        with open(split_file, "w") as f:
            f.write("row_index,scaffold_split\n")
            for row in range(rows):
                fold = folds.get(row)
                role = ("none" if fold is None else "test" if fold == j else
                        "valid" if fold == (j + 1) % k else "train")
                f.write(f"{row},{role}\n")
        test, _, _, _ = run_one(args, name, split, seed, extra, split_file, f"-cv{j}")
        if not args.keep_cv:
            subprocess.run(["rm", "-rf", os.path.join(args.work, f"{name}-{split}-{seed}-cv{j}")],
                           check=True)
        scores.append(test)
    return statistics.mean(scores)


def fmt(x):
    return "-" if x is None else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plmkit", default="build/bin/plmkit")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--datasets", default="esol,lipo,bbbp,bace")
    ap.add_argument("--splits", default="random,scaffold")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds first..first+seeds-1 (to split a benchmark between processes)")
    ap.add_argument("--work", default="/tmp/plmkit-moleculenet")
    ap.add_argument("--cv", type=int, default=0, help="also K-fold CV on the non-test rows")
    ap.add_argument("--cv-seeds", type=int, default=0, help="CV for the first N seeds (0 = all)")
    ap.add_argument("--keep-cv", action="store_true",
                    help="keep the CV folds' model directories (NAME-SPLIT-SEED-cvK), e.g. for "
                    "bench/part_weights.py")
    ap.add_argument("--json", help="also write the rows as JSON here")
    ap.add_argument("extra", nargs=argparse.REMAINDER, help="-- flags passed to plmkit train")
    args = ap.parse_args()
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    os.makedirs(args.work, exist_ok=True)
    rows = []
    print("| dataset | split | metric | plmkit test (mean +- std) | valid | MoleculeNet "
          "| sklearn/PyTorch | train s/run | s/epoch | CV |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.datasets.split(","):
        for split in args.splits.split(","):
            vals, valids, secs, eps, cvs = [], [], [], [], []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                v, vv, s, e = run_one(args, name, split, seed, extra)
                vals.append(v)
                valids.append(vv)
                secs.append(s)
                eps.append(e)
                cv = ""
                if args.cv > 1 and (args.cv_seeds <= 0 or seed < args.cv_seeds):  # seeds 0..N-1
                    cvs.append(run_cv(args, name, split, seed, extra, args.cv))
                    cv = f", CV {cvs[-1]:.4f}"
                print(f"  {name} {split} seed {seed}: {v:.4f}{cv} ({s:.0f} s)", file=sys.stderr)
            metric = DATASETS[name][4]
            mn, sk = DATASETS[name][5].get(split, (None, None))
            sd = statistics.pstdev(vals) if len(vals) > 1 else 0.0
            cv_text = f"{statistics.mean(cvs):.4f}" if cvs else "-"
            print(f"| {name} | {split} | {metric} | {statistics.mean(vals):.3f} +- {sd:.3f} | "
                  f"{statistics.mean(valids):.3f} | {fmt(mn)} | {fmt(sk)} | "
                  f"{statistics.mean(secs):.0f} | "
                  f"{statistics.mean(eps):.2f} | {cv_text} |", flush=True)
            rows.append({"dataset": name, "split": split, "metric": metric, "values": vals,
                         "valid": valids, "cv": cvs,
                         "seconds": secs, "seconds_per_epoch": eps, "extra": extra})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
