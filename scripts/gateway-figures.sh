#!/usr/bin/env bash
# Prints the figures of the collector gateway that the README quotes:
#
# - the cost of sealing and opening an envelope per record (native, release build):
#   offchain-workers/examples/envelope_cost.rs;
# - the gateway's fan-out: one vehicle, 1, 100 and 1,000 subscribers, how long after the
#   collector read a reading the first, the median and the last subscriber had it
#   (e2e/bench/gateway-fanout.js; a dev node, the OEM simulator, real WebSocket clients). FANOUT_SUBSCRIBERS=1,100 and FANOUT_READINGS=2 make it shorter.
#
# The figures are those of the machine that runs it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
say "the cost of an envelope per record (release build of dimo-offchain's example)"
SKIP_WASM_BUILD=1 cargo run --quiet --locked --release -p dimo-offchain --example envelope_cost
"$ROOT/scripts/build.sh"
say "the gateway's fan-out (a few minutes: a reading every 30 s)"
"$NODE22" e2e/bench/gateway-fanout.js
