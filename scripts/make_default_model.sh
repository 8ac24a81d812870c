#!/usr/bin/env bash
# Re-creates the default property model shipped inside plmkit (the default
# score of `plmkit screen`): predicted ESOL aqueous solubility, log10(mol/L),
# from the 12 `basic` descriptors, an ensemble of 5 small MLPs trained on the
# MoleculeNet ESOL set (random 80/10/10 split, seed 0). One thread makes the
# run bit-for-bit reproducible.
#   bash scripts/make_default_model.sh [PLMKIT_BIN] [SHARED_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PLMKIT=${1:-build/bin/plmkit}
SHARED=${2:-../shared}
OUT=data/assets/default_model
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$PLMKIT" train --data "$SHARED/data/esol/delaney-processed.csv" --input-col smiles \
  --target-col "measured log solubility in mols per litre" --task regression \
  --featurizer basic --hidden 128,64 --dropout 0.1 --epochs 150 --patience 30 \
  --ensemble 5 --seed 0 --threads 1 --output "$TMP/model"
mkdir -p "$OUT"
cp "$TMP/model/config.json" "$TMP/model/model.safetensors" "$TMP/model/metrics.json" "$OUT/"
echo "default model written to $OUT (rebuild plmkit to embed it)" >&2
