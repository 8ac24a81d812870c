#!/usr/bin/env python3
"""Weights for the parts of a several-part `plmkit train --head` (BENCHMARKS.md).

Every MODEL_DIR is a classification model of `plmkit train` whose head has
several parts (e.g. mlp+forest+gbm+mpnn). The script splits each into one
model per part (config.json with "model"."type" set to the part,
model.safetensors keeping only that part's tensors), predicts the model's
own test rows (split.csv) with `plmkit predict`, and scores every weighting
(integer weights 0..--max-weight per part, proportional ones counted once)
by the ROC-AUC of the weighted mean of the parts' probabilities, which is
what `--head-weights` computes, averaged over the directories.

  --select DIRS  the weighting is chosen on these (CV folds of
                 `bench/moleculenet.py --cv 5 --keep-cv`: NAME-SPLIT-SEED-cvK)
  --report DIRS  the chosen weighting (equal weights, --also ones) scored on
                 these (the outer runs: their test rows)

Ties within --tie of the best selection mean go to the fewest parts, then to
the higher mean. --logit scores the weighted mean of the parts' logits
instead (not a plmkit option; for comparison). Predictions pass through
`plmkit predict`'s CSV (6 significant digits), so a directory's equal-weight
figure can differ from its metrics.json in the fifth decimal.

Standard library only (Debian's python3 is enough):
  python3 bench/part_weights.py --plmkit build/bin/plmkit \\
      --data ../shared/data/bbbp/BBBP.csv --label p_np \\
      --select DIR/bbbp-random-0-cv* DIR/bbbp-random-1-cv* --report DIR/bbbp-random-?
"""
import argparse
import csv
import itertools
import json
import math
import os
import statistics
import struct
import subprocess
import tempfile
from fractions import Fraction

PREFIX = {"mlp": "members.", "forest": "forest.", "gbm": "gbm.", "mpnn": "mpnn.", "knn": "knn."}


def part_model(src, dst, part):
    """Model directory `dst` holding only `part` of the model in `src`."""
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(src, "model.safetensors"), "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header, data = json.loads(blob[8:8 + n]), blob[8 + n:]
    kept, chunks, offset = {}, [], 0
    for name, info in header.items():
        if name == "__metadata__":
            kept[name] = info
        elif name.startswith(PREFIX[part]):
            begin, end = info["data_offsets"]
            kept[name] = dict(info, data_offsets=[offset, offset + end - begin])
            chunks.append(data[begin:end])
            offset += end - begin
    text = json.dumps(kept).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(dst, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    with open(os.path.join(src, "config.json")) as f:
        config = json.load(f)
    config["model"]["type"] = part
    config["model"].pop("weights", None)
    if part != "mlp":
        config["ensemble"] = 0
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(config, f)


def part_predictions(args, model_dir, labels):
    """(labels, {part: probabilities}) on the test rows of `model_dir`."""
    with open(os.path.join(model_dir, "config.json")) as f:
        parts = json.load(f)["model"]["type"].split("+")
    with open(os.path.join(model_dir, "split.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "test"]
    probs = {}
    with tempfile.TemporaryDirectory() as tmp:
        rows_csv = os.path.join(tmp, "test.csv")
        with open(rows_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "smiles"])
            for r in rows:
                w.writerow([r["row_index"], r["smiles"]])
        for part in parts:
            part_model(model_dir, os.path.join(tmp, part), part)
            out = os.path.join(tmp, part + ".csv")
            subprocess.run([args.plmkit, "-q", "predict", "--model", os.path.join(tmp, part),
                            "--input", rows_csv, "--output", out, "--threads", "1"], check=True)
            with open(out) as f:
                probs[part] = {int(r["id"]): float(r[args.label]) for r in csv.DictReader(f)}
    keep = [int(r["row_index"]) for r in rows if all(int(r["row_index"]) in probs[p] for p in parts)]
    return [labels[i] for i in keep], {p: [probs[p][i] for i in keep] for p in parts}


def roc_auc(y, score):
    """ROC-AUC with tied scores sharing their mean rank."""
    order = sorted(range(len(y)), key=lambda i: score[i])
    rank, i = [0.0] * len(y), 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and score[order[j + 1]] == score[order[i]]:
            j += 1
        for k in range(i, j + 1):
            rank[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(y)
    neg = len(y) - pos
    return (sum(r for r, t in zip(rank, y) if t) - pos * (pos + 1) / 2) / (pos * neg)


def blend_auc(args, runs, parts, weights):
    scores = []
    for y, probs in runs:
        if args.logit:
            clip = lambda p: min(max(p, 1e-6), 1 - 1e-6)  # noqa: E731
            values = {p: [math.log(clip(v) / (1 - clip(v))) for v in probs[p]] for p in parts}
        else:
            values = probs
        blend = [sum(w * values[p][i] for p, w in zip(parts, weights)) for i in range(len(y))]
        scores.append(roc_auc(y, blend))
    return statistics.mean(scores), scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plmkit", default="build/bin/plmkit")
    ap.add_argument("--data", required=True, help="the training table (labels by row)")
    ap.add_argument("--label", required=True, help="the 0/1 target column")
    ap.add_argument("--select", nargs="+", required=True, metavar="MODEL_DIR")
    ap.add_argument("--report", nargs="*", default=[], metavar="MODEL_DIR")
    ap.add_argument("--max-weight", type=int, default=4)
    ap.add_argument("--tie", type=float, default=1e-4)
    ap.add_argument("--logit", action="store_true")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--also", action="append", default=[], metavar="W1,W2,...",
                    help="also score these weights (one per part, 0 = left out)")
    args = ap.parse_args()
    with open(args.data) as f:
        labels = {i: int(float(r[args.label])) for i, r in enumerate(csv.DictReader(f))
                  if r[args.label] != ""}
    select = [part_predictions(args, d, labels) for d in args.select]
    parts = list(select[0][1])
    results = {}
    for w in itertools.product(range(args.max_weight + 1), repeat=len(parts)):
        if sum(w) == 0:
            continue
        key = tuple(Fraction(x, sum(w)) for x in w)
        if key not in results:
            results[key] = (blend_auc(args, select, parts, w), w)
    ranked = sorted(results.values(), key=lambda r: -r[0][0])
    print(f"parts {'+'.join(parts)}, {len(select)} selection runs, "
          f"{'logits' if args.logit else 'probabilities'} averaged")
    for (mean, scores), w in ranked[:args.top]:
        print(f"  {mean:.4f}  weights {','.join(map(str, w))}  "
              + " ".join(f"{s:.4f}" for s in scores))
    best = ranked[0][0][0]
    tied = [r for r in ranked if r[0][0] >= best - args.tie]
    pick = min(tied, key=lambda r: (sum(1 for x in r[1] if x), -r[0][0]))
    equal = results[tuple(Fraction(1, len(parts)) for _ in parts)]
    also = [tuple(int(x) for x in a.split(",")) for a in args.also]
    for w in also:
        if len(w) != len(parts) or sum(w) == 0:
            ap.error(f"--also {w}: one weight per part ({'+'.join(parts)}), not all 0")
        print(f"  weights {','.join(map(str, w))}: selection "
              f"{blend_auc(args, select, parts, w)[0]:.4f}")
    used = [p for p, x in zip(parts, pick[1]) if x]
    print(f"pick: --head {'+'.join(used)} --head-weights "
          f"{','.join(str(x) for x in pick[1] if x)} (selection {pick[0][0]:.4f}; "
          f"equal weights {equal[0][0]:.4f})")
    if args.report:
        report = [part_predictions(args, d, labels) for d in args.report]
        named = [("pick", pick[1]), ("equal weights", equal[1])]
        named += [("weights " + ",".join(map(str, w)), w) for w in also]
        for name, w in named:
            mean, scores = blend_auc(args, report, parts, w)
            sd = statistics.pstdev(scores) if len(scores) > 1 else 0.0
            print(f"report, {name}: {mean:.4f} +- {sd:.4f}  "
                  + " ".join(f"{s:.4f}" for s in scores))


if __name__ == "__main__":
    main()
