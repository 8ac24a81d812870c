#!/usr/bin/env bash
# Sets up, builds and runs every test (the README's test command; .ci/run calls it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
bash scripts/check_layers.sh
bash scripts/check_format.sh
cd build
ctest --output-on-failure --timeout 1500
