#!/usr/bin/env bash
# Installs every Debian package plmkit needs to build, test and run fast.
# Idempotent: when everything is installed it only checks and returns.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libtorch-dev                          # LibTorch 1.13 (CPU)
  libopenblas0 libopenblas0-pthread     # fast BLAS for LibTorch (reference BLAS is ~16x slower)
  librdkit-dev rdkit-data libboost-dev  # RDKit (its headers need Boost)
  libhdf5-dev zlib1g-dev
  libcli11-dev catch2 nlohmann-json3-dev libyaml-cpp-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
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
