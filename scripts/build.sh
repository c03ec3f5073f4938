#!/usr/bin/env bash
# Builds dimo-node (debug profile, runtime wasm included) and the OEM simulator into
# $CARGO_TARGET_DIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
say "building dimo-node into $CARGO_TARGET_DIR (the first build takes about 16 minutes on 2 cores)"
cd "$ROOT"
cargo build --locked -p dimo-node -p dimo-oem-simulator "$@"
