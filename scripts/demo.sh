#!/usr/bin/env bash
# Sets up, builds, and runs plmkit's main jobs on the bundled example data:
# screens examples/library.csv and embeds examples/proteins.fasta with the
# small ESM-2 checkpoint in ../shared/fixtures (random weights: the numbers
# show the format, not biology). Outputs land in ./demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
PLMKIT=./build/bin/plmkit
out=demo-output
mkdir -p "$out"
"$PLMKIT" doctor
echo "== plmkit screen (default pipeline) ==" >&2
"$PLMKIT" screen --input examples/library.csv --smiles-col smiles --id-col chembl_id \
  --output "$out/hits.csv" --rejects "$out/rejects.tsv" --summary "$out/summary.json" --top 50
head -n 6 "$out/hits.csv"
model=${PLMKIT_ESM_MODEL:-../shared/fixtures/esm2_tiny/model}
if [ -d "$model" ]; then
  echo "== plmkit embed ==" >&2
  "$PLMKIT" embed --model "$model" --input examples/proteins.fasta \
    --output "$out/embeddings.h5" --include mean,per_tok
fi
echo "demo: outputs in $out/" >&2
ls -l "$out"
