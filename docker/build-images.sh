#!/usr/bin/env bash
# Builds DIMO Chain's container images from what is built and installed on this machine
# (polkadot-sdk's `binary_injected` way: no Rust toolchain and no registry inside a build):
#
#   dimo-node:TAG            docker/dimo-node.Dockerfile      the node (validator, collector, RPC)
#   dimo-oem-simulator:TAG   docker/oem-simulator.Dockerfile  the OEM simulator
#   dimo-ipfs-dev-node:TAG   docker/ipfs-dev-node.Dockerfile  the dev IPFS node
#   dimo-dev-seed:TAG        docker/dev-seed.Dockerfile       the dev network's seeding
#
# TAG is $DIMO_IMAGE_TAG (default dev). The engine is $CONTAINER_ENGINE, else docker if its
# daemon answers, else podman (scripts/setup-containers.sh installs it). The binaries are the
# ones scripts/build.sh makes ($DIMO_NODE, $DIMO_OEM_SIMULATOR; a release build works the same:
# DIMO_NODE=.../release/dimo-node); the npm packages are those scripts/setup.sh installed from
# the lockfiles. Each image gets its own small build context of hard links, staged here.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

tag="${DIMO_IMAGE_TAG:-dev}"
engine="${CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker; else engine=podman; fi
fi
command -v "$engine" >/dev/null || { say "no $engine: run scripts/setup-containers.sh" >&2; exit 1; }
build_args=()
# podman writes OCI images unless told otherwise, and OCI images have no HEALTHCHECK.
[ "$engine" = podman ] && build_args+=(--format docker)

for file in "$DIMO_NODE" "$DIMO_OEM_SIMULATOR"; do
	[ -x "$file" ] || { say "$file is missing: run scripts/build.sh" >&2; exit 1; }
done
for dir in "$ROOT/e2e/node_modules" "$ROOT/tools/ipfs-dev-node/node_modules"; do
	[ -d "$dir" ] || { say "$dir is missing: run scripts/setup.sh" >&2; exit 1; }
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/dimo-images.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# Hard links where the file system allows them (the binaries are large), copies otherwise.
link() { cp -al "$1" "$2" 2>/dev/null || { rm -rf "$2" && cp -a "$1" "$2"; }; }

build() {
	local image=$1 dockerfile=$2 context=$3 start
	start=$(date +%s)
	say "building $image:$tag ($engine build -f docker/$dockerfile)"
	if ! "$engine" build "${build_args[@]}" -f "$ROOT/docker/$dockerfile" -t "$image:$tag" "$context" >"$stage/build.log" 2>&1; then
		cat "$stage/build.log" >&2
		say "building $image:$tag failed" >&2
		exit 1
	fi
	say "  $image:$tag built in $(($(date +%s) - start)) s"
}

mkdir -p "$stage/node" "$stage/simulator" "$stage/ipfs" "$stage/seed/e2e"
link "$DIMO_NODE" "$stage/node/dimo-node"
link "$DIMO_OEM_SIMULATOR" "$stage/simulator/dimo-oem-simulator"
link "$ROOT/tools/ipfs-dev-node" "$stage/ipfs/ipfs-dev-node"
rm -rf "$stage/ipfs/ipfs-dev-node/.ipfs-dev" # a repository left by running the script in place
for part in package.json node_modules lib dev; do link "$ROOT/e2e/$part" "$stage/seed/e2e/$part"; done

build dimo-node dimo-node.Dockerfile "$stage/node"
build dimo-oem-simulator oem-simulator.Dockerfile "$stage/simulator"
build dimo-ipfs-dev-node ipfs-dev-node.Dockerfile "$stage/ipfs"
build dimo-dev-seed dev-seed.Dockerfile "$stage/seed"
