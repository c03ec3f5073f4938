#!/usr/bin/env bash
# Runs a local testnet of the `local` chain on this machine: N validators (default 4: Alice,
# Bob, Charlie, Dave, the `local` preset's authorities), every one on 127.0.0.1.
#
#   scripts/local-testnet.sh            # 4 validators
#   VALIDATORS=3 scripts/local-testnet.sh
#
# Each validator gets its own base path (chain database, keystore with its dev keys, network
# key) and log file under one state folder, its own ports (P2P 30333+i, JSON-RPC 9944+i,
# Prometheus 9615+i), and the first validator as bootnode. GRANDPA finalizes with more than
# two thirds of the voters, so with 4 validators one may stop and finality goes on. Ctrl-C
# stops them all and prints where the state is (start again with STATE=<folder>).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

count="${VALIDATORS:-4}"
names=(alice bob charlie dave)
if [ "$count" -lt 1 ] || [ "$count" -gt ${#names[@]} ]; then
	say "VALIDATORS must be 1 to ${#names[@]}: the local preset's authorities are Alice, Bob, Charlie and Dave" >&2
	exit 2
fi

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"

state="${STATE:-$(mktemp -d "${TMPDIR:-/tmp}/dimo-local-testnet.XXXXXX")}"
mkdir -p "$state"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	say "stopped; the state is in $state (STATE=$state $0 starts it again)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bootnode's network key, kept with its state so that its address stays the same.
boot_key="$state/${names[0]}/network-key"
mkdir -p "$state/${names[0]}"
[ -f "$boot_key" ] || "$DIMO_NODE" key generate-node-key --file "$boot_key" 2>/dev/null
boot_peer=$("$DIMO_NODE" key inspect-node-key --file "$boot_key")
bootnode="/ip4/127.0.0.1/tcp/30333/p2p/$boot_peer"

for i in $(seq 0 $((count - 1))); do
	name=${names[$i]}
	p2p=$((30333 + i))
	rpc=$((9944 + i))
	prometheus=$((9615 + i))
	args=(
		--chain local --"$name" --base-path "$state/$name"
		--listen-addr "/ip4/127.0.0.1/tcp/$p2p" --rpc-port "$rpc" --prometheus-port "$prometheus"
		--no-mdns --no-telemetry --name "dimo-local-$name"
	)
	if [ "$i" -eq 0 ]; then
		args+=(--node-key-file "$boot_key")
	else
		args+=(--bootnodes "$bootnode" --unsafe-force-node-key-generation)
	fi
	"$DIMO_NODE" "${args[@]}" >"$state/$name.log" 2>&1 &
	pids+=($!)
	say "$name: ws://127.0.0.1:$rpc  p2p $p2p  prometheus $prometheus  log $state/$name.log"
done
say "bootnode $bootnode"
say "Polkadot.js Apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944   (Ctrl-C stops them all)"
wait -n "${pids[@]}" || true
say "a validator exited; see its log under $state" >&2
exit 1
