#!/usr/bin/env bash
# Runs the DIMO dev network on this machine, every part on 127.0.0.1:
#   - the OEM simulator (Tesla- and Smartcar-shaped HTTPS APIs) on https://localhost:7443, with a
#     test CA made for this run (its key is never written);
#   - the dev IPFS node (js-ipfs, kubo RPC API) on http://127.0.0.1:5001;
#   - the dev Arweave gateway (arlocal) on http://127.0.0.1:1984, mining a block every 20 s;
#   - dimo-node --dev: one validator (Alice) producing a block every 6 s, JSON-RPC on
#     ws://127.0.0.1:9944 (browser pages only from localhost and Polkadot.js Apps: --dev alone
#     would allow every origin), and the collector (//Ferdie's `dcol` key), whose HTTPS client trusts
#     the system's CAs plus this run's test CA (SSL_CERT_FILE);
#   - a second collector, of //Dave's `dcol` key: a full node of the dev chain in commitment mode
#     (JSON-RPC on ws://127.0.0.1:9945) whose Fleet Telemetry server on 127.0.0.1:4443 takes the
#     readings that Teslas stream over mutual TLS (its certificate: the test CA's, for localhost);
#   - demo vehicles of Alice (a car of each OEM API on IPFS, a Tesla on Local, one on Arweave),
#     consented to the collector, their
#     OAuth grants handed to it, and the collector's Arweave wallet, funded (e2e/dev/seed.js):
#     anchors appear within a minute;
#   - and a Tesla that streams: the simulator's fourth Tesla, with a client certificate from a test
#     vehicle CA that the seed registers as OEM 1's push feed, sends a reading every 5 s to the
#     second collector, which commits them (anchoring.Committed events).
# State lives in a temporary folder and goes with Ctrl-C. Extra arguments go to dimo-node.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh"

run=$(mktemp -d "${TMPDIR:-/tmp}/dimo-dev.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "making a test CA and a certificate for localhost ($run/certs)"
"$DIMO_OEM_SIMULATOR" gen-certs --out "$run/certs" >/dev/null
system_cas=/etc/ssl/certs/ca-certificates.crt
cat "$system_cas" "$run/certs/ca.pem" >"$run/trust.pem"
say "making a test vehicle CA and the client certificates of the simulator's Teslas ($run/vehicle-certs)"
"$DIMO_OEM_SIMULATOR" gen-vehicle-certs --out "$run/vehicle-certs" --name "Tesla Issuing CA (dev)" \
	--vehicles 4 >/dev/null

say "starting the IPFS node on http://127.0.0.1:5001 (log: $run/ipfs.log)"
IPFS_PATH="$run/ipfs" IPFS_API_PORT=5001 "$ROOT/tools/ipfs-dev-node/ipfs-dev-node.sh" >"$run/ipfs.log" 2>&1 &
pids+=($!)
say "starting the Arweave gateway (arlocal) on http://127.0.0.1:1984, a block every 20 s (log: $run/arlocal.log)"
"$NODE22" "$ROOT/tools/arweave-dev-gateway/arlocal.mjs" 1984 >"$run/arlocal.log" 2>&1 &
pids+=($!)
(while sleep 20; do curl -sf http://127.0.0.1:1984/mine >/dev/null || true; done) &
pids+=($!)
say "starting the OEM simulator on https://localhost:7443 (log: $run/oem-simulator.log)"
"$DIMO_OEM_SIMULATOR" serve --certs "$run/certs" --port 7443 --vehicles 4 >"$run/oem-simulator.log" 2>&1 &
pids+=($!)

say "starting the dev chain; connect Polkadot.js Apps to ws://127.0.0.1:9944"
say "  https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944   (Ctrl-C stops everything)"
# Substrate's default --rpc-cors, which --dev turns off: the collector holds OEM grants, and a page
# from any other origin must not reach its unsafe methods (docs/operators.md, "Browser origins").
cors="http://localhost:*,http://127.0.0.1:*,https://localhost:*,https://127.0.0.1:*,https://polkadot.js.org"
SSL_CERT_FILE="$run/trust.pem" "$DIMO_NODE" --dev --no-mdns --listen-addr /ip4/127.0.0.1/tcp/30333 \
	--rpc-cors "$cors" \
	--collector-ipfs-api http://127.0.0.1:5001 \
	--collector-oem-host localhost:7443 --collector-arweave-api http://127.0.0.1:1984 \
	--collector-arweave-confirmations 1 "$@" &
node_pid=$!
pids+=("$node_pid")

rpc_up() {
	curl -sf -H 'content-type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' http://127.0.0.1:9944 >/dev/null
}
ipfs_up() { curl -sf -X POST http://127.0.0.1:5001/api/v0/id >/dev/null; }
for _ in $(seq 1 240); do
	rpc_up && ipfs_up && break
	kill -0 "$node_pid" 2>/dev/null || { say "dimo-node exited" >&2; exit 1; }
	sleep 0.5
done

say "starting the push collector (//Dave's key, commitment mode): JSON-RPC on ws://127.0.0.1:9945, \
Fleet Telemetry server on 127.0.0.1:4443 (log: $run/push-collector.log)"
alice_peer=$(curl -sf -H 'content-type: application/json' \
	-d '{"id":1,"jsonrpc":"2.0","method":"system_localPeerId","params":[]}' http://127.0.0.1:9944 |
	sed -E 's/.*"result":"([^"]+)".*/\1/')
"$DIMO_NODE" --chain dev --base-path "$run/push-collector" --unsafe-force-node-key-generation \
	--no-mdns --no-telemetry --no-prometheus --listen-addr /ip4/127.0.0.1/tcp/30334 \
	--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer" \
	--rpc-port 9945 --rpc-cors "$cors" --offchain-worker always \
	--collector-anchor commitments --collector-ipfs-api http://127.0.0.1:5001 \
	--collector-fleet-telemetry-listen 127.0.0.1:4443 \
	--collector-fleet-telemetry-cert "$run/certs/localhost.crt.pem" \
	--collector-fleet-telemetry-key "$run/certs/localhost.key.pem" >"$run/push-collector.log" 2>&1 &
pids+=($!)

say "onboarding the demo vehicles and handing their grants (and an Arweave wallet) to the collector"
"$NODE22" "$ROOT/e2e/dev/seed.js" ws://127.0.0.1:9944 https://localhost:7443 "$run/certs/ca.pem" \
	http://127.0.0.1:1984 ws://127.0.0.1:9945 "$run/vehicle-certs"

say "the simulator's fourth Tesla streams a reading every 5 s to the push collector \
(log: $run/fleet-telemetry-car.log)"
"$DIMO_OEM_SIMULATOR" push-fleet-telemetry --server localhost:4443 --server-ca "$run/certs/ca.pem" \
	--vehicle-certs "$run/vehicle-certs" --first 3 --vehicles 1 --every-ms 5000 \
	--rounds 1000000 --give-up-after-s 600 >"$run/fleet-telemetry-car.log" 2>&1 &
pids+=($!)
wait "$node_pid"
