#!/usr/bin/env bash
# Enforces DESIGN.md's layers: a folder may include only the folders below it.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [src]="src"
  [tokenizers]="src tokenizers"
  [data]="src tokenizers data"
  [models]="src tokenizers data models"
  [pipelines]="src tokenizers data models pipelines"
  [apps]="src tokenizers data models pipelines apps"
)
status=0
for layer in "${!allowed[@]}"; do
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"${hit#*:}")
    case " ${allowed[$layer]} " in
      *" $inc "*) ;;
      *) echo "layering: $file includes \"$inc/...\" (allowed: ${allowed[$layer]})" >&2; status=1 ;;
    esac
  done < <(grep -rEo '#include "[a-z_]+/[^"]+"' --include='*.hpp' --include='*.cpp' "$layer" || true)
done
# RDKit stays in pipelines/, LibTorch out of src/ and tokenizers/.
if grep -rlE '#include <(GraphMol|RDGeneral|DataStructs)/' src tokenizers data models 2>/dev/null; then
  echo "layering: RDKit included outside pipelines/" >&2; status=1
fi
if grep -rlE '#include <(torch|ATen|c10)/' src tokenizers data 2>/dev/null; then
  echo "layering: LibTorch included below models/" >&2; status=1
fi
# Tests reach Catch2 only through tests/catch.hpp, which keeps glog's CHECK
# (brought in by LibTorch) from replacing Catch2's.
if grep -rlE '#include <catch2/catch.hpp>' tests | grep -vE '^tests/(catch.hpp|catch_main.cpp)$'; then
  echo "tests: include \"tests/catch.hpp\", not <catch2/catch.hpp>" >&2; status=1
fi
[ $status -eq 0 ] && echo "layering: ok" >&2
exit $status
