#!/usr/bin/env bash
# Prints DIMO Chain's performance figures side by side, on a release build of dimo-node (what
# validators run): readings anchored per second (one anchor record per reading) against one
# remark per CID and against commitments (one Merkle root per collector per block), dimo_canRead
# against state_getStorage of the same key (autocannon), and one collector's readings committed
# per minute against the OEM simulator with 1,000 vehicles. See e2e/bench/perf.js. The epoch
# boundary's figures: scripts/benchmark.sh pallet_issuance.
#
#   scripts/perf.sh                   PERF_BLOCKS (5), PERF_LOAD_SECONDS (10), PERF_CONNECTIONS (16),
#                                     PERF_COMMIT_LEAVES (65,536), PERF_COLLECTOR_VEHICLES (1,000),
#                                     PERF_COLLECTOR_MINUTES (2)
#   PERF_PROFILE=debug scripts/perf.sh    with the debug build (slower: only to try the harness)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
profile="${PERF_PROFILE:-release}"
if [ "$profile" = release ]; then
	say "building dimo-node (release; the first time takes long)"
	(cd "$ROOT" && cargo build --locked --release -p dimo-node -p dimo-oem-simulator)
fi
export DIMO_NODE="$CARGO_TARGET_DIR/$profile/dimo-node"
export DIMO_OEM_SIMULATOR="$CARGO_TARGET_DIR/$profile/dimo-oem-simulator"
say "measuring with $DIMO_NODE"
"$NODE22" "$ROOT/e2e/bench/perf.js"
