#!/usr/bin/env bash
# Installs every Debian package plmkit needs to build, test and run fast.
# Idempotent: when everything is installed it only checks and returns.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libtorch-dev                          # LibTorch 1.13 (CPU)
  libopenblas0 libopenblas0-pthread     # fast BLAS for LibTorch (reference BLAS is ~16x slower)
  libtcmalloc-minimal4                  # faster malloc: RDKit steps ~1.3x (CMakeLists.txt)
  librdkit-dev rdkit-data libboost-dev  # RDKit (its headers need Boost)
  libhdf5-dev zlib1g-dev
  libcli11-dev catch2 nlohmann-json3-dev libyaml-cpp-dev
  clang-format                          # scripts/check_format.sh (run by scripts/test.sh)
  hdf5-tools python3-h5py               # h5diff for tests/slurm; h5py writes a reader test's input
  python3-rdkit                         # RDKit Python: bench/bench_chem_rdkit.py, tests/pipelines/data/make_catalog_golden.py
  slurmctld slurmd slurm-client munge   # tests/slurm: a throw-away one-node Slurm cluster
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Installing slurmd, slurmctld and munge must not start them (tests run
# their own daemons with their own config): while apt runs, a policy-rc.d
# that exits 101 tells invoke-rc.d to start nothing. An existing one (as in
# Docker images) is left as it is.
POLICY=/usr/sbin/policy-rc.d
own_policy=""
remove_policy() {
  if [ -n "$own_policy" ]; then $SUDO rm -f "$POLICY"; fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -e "$POLICY" ]; then
    own_policy=1
    trap remove_policy EXIT
    printf '#!/bin/sh\n# Written by plmkit scripts/setup.sh while it installs packages.\nexit 101\n' |
      $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
  fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  remove_policy
  own_policy=""
else
  echo "setup: all ${#PACKAGES[@]} packages present" >&2
fi

# LibTorch links the generic libblas.so.3: make sure it resolves to OpenBLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *)
    echo "setup: pointing libblas.so.3 at OpenBLAS (was ${blas:-none})" >&2
    alt=$(ls /usr/lib/*/openblas-pthread/libblas.so.3 2>/dev/null | head -n 1)
    if [ -n "$alt" ]; then
      $SUDO update-alternatives --set "libblas.so.3-$(basename "$(dirname "$(dirname "$alt")")")" "$alt" || true
    fi
    ;;
esac
