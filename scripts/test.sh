#!/usr/bin/env bash
# Runs every test of DIMO Chain on this machine, installing what is missing first:
#   1. cargo test for the whole workspace (pallets, runtime, node);
#   2. the benchmarks of DIMO's pallets, run once each as tests on their mock runtimes (the
#      runtime-benchmarks feature), so that a benchmark that breaks is caught before
#      scripts/benchmark.sh needs it;
#   3. the end-to-end suite: real dimo-node processes driven by @polkadot/api, the local
#      network's fault tests (network.test.js), and the container images and compose stacks
#      (compose.test.js, with podman where no Docker engine runs: scripts/setup-containers.sh).
# Prints how long each step took, and each end-to-end file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

timed "setup" "$ROOT/scripts/setup.sh"
timed "build (dimo-node)" "$ROOT/scripts/build.sh"
timed "containers setup" "$ROOT/scripts/setup-containers.sh"
say "cargo test --workspace"
timed "cargo test" cargo test --locked --workspace
say "benchmarks of DIMO's pallets, as tests"
timed "benchmark tests" env SKIP_WASM_BUILD=1 cargo test --locked -p pallet-vehicles -p pallet-data-access \
	-p pallet-issuance -p pallet-governance -p pallet-anchoring -p pallet-validator-set --features runtime-benchmarks benchmarking
say "end-to-end tests against $DIMO_NODE"
# Files side by side (E2E_JOBS at a time, default 4; the two four-validator files never
# together), longest first: most of their time is spent waiting for blocks.
timed "end-to-end tests" "$NODE22" e2e/run.js

say "all tests passed"
for t in "${TIMINGS[@]}"; do say "  $t"; done
