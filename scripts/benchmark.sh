#!/usr/bin/env bash
# Generates the weights of DIMO's pallets from their benchmarks, with the benchmark CLI of a
# `dimo-node` built with the `runtime-benchmarks` feature:
#
#   scripts/benchmark.sh                      # every DIMO pallet
#   scripts/benchmark.sh pallet_vehicles      # one pallet
#
# It writes pallets/<name>/src/weights.rs through scripts/weight-template.hbs. The figures are
# those of the machine that runs it: run it on the reference hardware of validators before a
# release (BENCH_PROFILE=release for an optimised node; debug, the default, is slower and so
# errs on the side of heavier weights).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

profile="${BENCH_PROFILE:-debug}"
steps="${BENCH_STEPS:-50}"
repeat="${BENCH_REPEAT:-20}"
pallets=("$@")
if [ ${#pallets[@]} -eq 0 ]; then
	pallets=(pallet_vehicles pallet_data_access)
fi

"$ROOT/scripts/setup.sh"

say "building dimo-node with the runtime-benchmarks feature ($profile)"
profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)
cargo build --locked -p dimo-node --features runtime-benchmarks "${profile_flag[@]}"

# The normal build overwrites both files: keep this build's copies.
bench_dir="$CARGO_TARGET_DIR/benchmarks"
mkdir -p "$bench_dir"
cp "$CARGO_TARGET_DIR/$profile/dimo-node" "$bench_dir/dimo-node"
wbuild="$CARGO_TARGET_DIR/$profile/wbuild/dimo-runtime"
for wasm in dimo_runtime.compact.compressed.wasm dimo_runtime.compact.wasm dimo_runtime.wasm; do
	if [ -f "$wbuild/$wasm" ]; then
		cp "$wbuild/$wasm" "$bench_dir/dimo_runtime.wasm"
		break
	fi
done

for pallet in "${pallets[@]}"; do
	crate_dir="pallets/$(echo "${pallet#pallet_}" | tr _ -)"
	[ -d "$crate_dir" ] || { echo "no crate for $pallet at $crate_dir" >&2; exit 1; }
	say "benchmarking $pallet into $crate_dir/src/weights.rs"
	"$bench_dir/dimo-node" benchmark pallet \
		--runtime "$bench_dir/dimo_runtime.wasm" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$steps" \
		--repeat "$repeat" \
		--min-duration 0 \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template scripts/weight-template.hbs \
		--output "$crate_dir/src/weights.rs"
done
say "done: review the new weights with git diff"
