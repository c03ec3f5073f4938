#!/usr/bin/env bash
# Runs the DIMO dev network on this machine: one validator (Alice) producing and finalizing a
# block every 6 s, state in a temporary folder, JSON-RPC on ws://127.0.0.1:9944.
# Later issues add the collector, the IPFS node and the OEM simulator to it.
# Any extra arguments go to dimo-node (e.g. `scripts/dev.sh --rpc-port 9955`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"
say "starting the dev chain; connect Polkadot.js Apps to ws://127.0.0.1:9944"
say "  https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944   (Ctrl-C stops the chain)"
exec "$DIMO_NODE" --dev --no-mdns "$@"
