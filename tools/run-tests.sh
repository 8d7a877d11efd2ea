#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then builds and runs every test in the
# release preset and again under AddressSanitizer + UndefinedBehaviorSanitizer, then runs every libFuzzer
# target for a bounded time (tools/run-fuzzers.sh: 60 s each, keras_hdf5 only replaying its seeds).
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/install-deps.sh
jobs=$(nproc)
for preset in release sanitize; do
  echo "== $preset =="
  cmake --preset "$preset"
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset"
done
echo "== fuzz =="
./tools/run-fuzzers.sh
