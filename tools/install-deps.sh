#!/usr/bin/env bash
# Installs, from Debian's archive only, whatever constnet needs to build, test and benchmark.
# Safe to run twice: packages already present are skipped, and apt-get runs only when something is missing.
#
#   tools/install-deps.sh                # build, test, benchmark (what CI and README's commands need)
#   tools/install-deps.sh --maintainer   # also the Python of tools/*.py that regenerate committed data
#                                        # (training, converters, test fixtures, class names, plots)
set -euo pipefail

required=(
  build-essential cmake pkg-config
  libxsimd-dev libhwy-dev libboost-dev libboost-test-dev libbenchmark-dev libstb-dev
  clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizers for tools/run-fuzzers.sh
  dataset-fashion-mnist  # the test set the shipped model is checked against (tests/unit/fashion_mnist.cpp)
)
# Optional peers and tools; the build notices them when present.
optional=(libdnnl-dev libhdf5-dev)
if [ "${1:-}" = "--maintainer" ]; then
  # Debian's interpreter (/usr/bin/python3) sees these; nothing comes from pip.
  optional+=(python3-numpy python3-torch python3-torchvision python3-h5py python3-matplotlib python3-pil)
elif [ $# -gt 0 ]; then
  echo "usage: tools/install-deps.sh [--maintainer]" >&2
  exit 2
fi

missing=()
for pkg in "${required[@]}" "${optional[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
