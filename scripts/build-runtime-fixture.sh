#!/usr/bin/env bash
# Builds the runtime of a past commit and writes its wasm, gzipped, to runtime/fixtures/, for the
# upgrade test (e2e/tests/upgrade.test.js) to start a chain on it and upgrade it to today's:
#
#   scripts/build-runtime-fixture.sh <commit> <spec_version>
#
# The fixture in the repository, runtime/fixtures/dimo_runtime-spec109.wasm.gz, is spec 109 (the
# last with fixed Aura and GRANDPA authorities), built from commit 09b955c with
#   scripts/build-runtime-fixture.sh 09b955c 109
# It is checked in rather than built by each test run: a fresh machine would spend another cold
# build of the runtime on it, and a shallow clone has no past commit to build. Run this to check
# it, or to make the fixture of the next release.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
commit="${1:?usage: $0 <commit> <spec_version>}"
spec="${2:?usage: $0 <commit> <spec_version>}"
out="$ROOT/runtime/fixtures/dimo_runtime-spec$spec.wasm.gz"

tree=$(mktemp -d "${TMPDIR:-/tmp}/dimo-runtime-$spec.XXXXXX")
cleanup() { git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"; }
trap cleanup EXIT
git worktree add --detach "$tree" "$commit" >/dev/null
grep -q "spec_version: $spec," "$tree/runtime/src/lib.rs" || { echo "commit $commit is not spec $spec" >&2; exit 1; }

# Its own target folder: the wasm builder's project is named after the crate, and a build of the
# past runtime in the main target folder would overwrite today's wasm there.
target="$HOME/.cache/dimo-chain/target-runtime-spec$spec"
say "building the runtime of $commit (spec $spec) in $target"
(cd "$tree" && CARGO_TARGET_DIR="$target" WASM_BUILD_WORKSPACE_HINT="$tree" cargo build --locked -p dimo-runtime)
wasm="$target/debug/wbuild/dimo-runtime/dimo_runtime.wasm"
gzip -9 -n -c "$wasm" >"$out"
say "wrote $out ($(stat -c %s "$out") bytes, from $(stat -c %s "$wasm") bytes of wasm)"
