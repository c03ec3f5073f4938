#!/usr/bin/env bash
# Generates the weights of DIMO's pallets from their benchmarks, with the benchmark CLI of a
# `dimo-node` built with the `runtime-benchmarks` feature:
#
#   scripts/benchmark.sh                      # every DIMO pallet and the upstream ones we configure
#   scripts/benchmark.sh pallet_vehicles      # one pallet
#   BENCH_PROFILE=release scripts/benchmark.sh   # with an optimised node (what weights should be)
#
# DIMO's pallets get pallets/<name>/src/weights.rs (scripts/weight-template.hbs); the upstream
# pallets that the runtime configures (assets, preimage, scheduler, democracy, the technical
# committee's collective) get runtime/src/weights/<pallet>.rs (the benchmark CLI's own template:
# `WeightInfo<T>` implementing the pallet's trait), measured on this runtime's configuration
# rather than on polkadot-sdk's reference runtime.
#
# For pallet_issuance it also runs `epoch_boundary_with_vehicles` apart (few steps: it registers
# up to 100,000 vehicles) and prints how long the epoch boundary takes with 10, 1,000 and
# 100,000 active vehicles (10^x, x = 1, 3, 5), and beside it its controls: the boundary with
# one active vehicle and as many entries of state as 10^x vehicles add, which nothing reads
# (`epoch_boundary_with_unrelated_state`), and one write of a pallet value after the vehicles'
# set-up (`write_with_vehicles`): what the benchmarking host's time does as the state grows.
# The set-up of 100,000 vehicles takes hours with a debug node; BOUNDARY_MAX_X=3 stops at 1,000;
# BOUNDARY_REPEAT (default 4) sets the samples of each.
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
# The boundary's figures and their controls: run apart, never weights.
boundary_benchmarks=epoch_boundary_with_vehicles,epoch_boundary_with_unrelated_state,write_with_vehicles
upstream=(pallet_assets pallet_preimage pallet_scheduler pallet_democracy pallet_collective)
if [ ${#pallets[@]} -eq 0 ]; then
	pallets=(pallet_vehicles pallet_data_access pallet_issuance pallet_governance pallet_anchoring pallet_validator_set "${upstream[@]}")
fi

"$ROOT/scripts/setup.sh"

# Two builds. The runtime's wasm with its benchmarks (what `--runtime` below is given), then the
# node's benchmark CLI with SKIP_WASM_BUILD: the CLI runs the wasm it is given, so it needs none
# embedded, and the benchmarking CLI's own test runtime (frame-storage-access-test-runtime) would
# otherwise have its wasm built too, which the wasm builder cannot do here: it looks the crate up
# in `cargo metadata` of this workspace (WASM_BUILD_WORKSPACE_HINT), which lists optional
# dependencies only when a default feature enables them.
profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)
say "building the runtime's wasm with its benchmarks ($profile)"
cargo build --locked -p dimo-runtime --features runtime-benchmarks "${profile_flag[@]}"
bench_dir="$CARGO_TARGET_DIR/benchmarks"
mkdir -p "$bench_dir"
# The normal build overwrites the wasm: keep this build's copy.
wbuild="$CARGO_TARGET_DIR/$profile/wbuild/dimo-runtime"
for wasm in dimo_runtime.compact.compressed.wasm dimo_runtime.compact.wasm dimo_runtime.wasm; do
	if [ -f "$wbuild/$wasm" ]; then
		cp "$wbuild/$wasm" "$bench_dir/dimo_runtime.wasm"
		break
	fi
done
say "building dimo-node's benchmark CLI ($profile)"
SKIP_WASM_BUILD=1 cargo build --locked -p dimo-node --features runtime-benchmarks "${profile_flag[@]}"
cp "$CARGO_TARGET_DIR/$profile/dimo-node" "$bench_dir/dimo-node"

# The benchmark CLI on this build's runtime, with the dev preset's genesis.
bench() {
	"$bench_dir/dimo-node" benchmark pallet \
		--runtime "$bench_dir/dimo_runtime.wasm" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--min-duration 0 \
		--wasm-execution compiled \
		--heap-pages 4096 \
		"$@"
}

for pallet in "${pallets[@]}"; do
	if [[ " ${upstream[*]} " == *" $pallet "* ]]; then
		mkdir -p runtime/src/weights
		say "benchmarking $pallet (upstream) into runtime/src/weights/$pallet.rs"
		bench --pallet "$pallet" \
			--extrinsic '*' \
			--steps "$steps" \
			--repeat "$repeat" \
			--output "runtime/src/weights/$pallet.rs"
		continue
	fi
	crate_dir="pallets/$(echo "${pallet#pallet_}" | tr _ -)"
	[ -d "$crate_dir" ] || { echo "no crate for $pallet at $crate_dir" >&2; exit 1; }
	say "benchmarking $pallet into $crate_dir/src/weights.rs"
	bench --pallet "$pallet" \
		--extrinsic '*' \
		--exclude-extrinsics "$(sed 's/[^,]*/pallet_issuance::&/g' <<<"$boundary_benchmarks")" \
		--steps "$steps" \
		--repeat "$repeat" \
		--template scripts/weight-template.hbs \
		--output "$crate_dir/src/weights.rs"
	if [ "$pallet" = pallet_issuance ]; then
		say "the epoch boundary with 10, 1,000 and 100,000 active vehicles"
		bench --pallet pallet_issuance \
			--extrinsic "$boundary_benchmarks" \
			--steps 3 \
			--repeat "${BOUNDARY_REPEAT:-4}" \
			--high "${BOUNDARY_MAX_X:-5}" \
			--json-file "$bench_dir/epoch_boundary_with_vehicles.json" >/dev/null
		python3 "$ROOT/scripts/print-boundary-figures.py" "$bench_dir/epoch_boundary_with_vehicles.json"
	fi
done
say "done: review the new weights with git diff"
