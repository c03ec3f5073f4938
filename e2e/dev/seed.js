// Onboards demo vehicles on the dev chain that scripts/dev.sh (or docker/compose.yaml) runs, so
// that anchors appear within a minute: Alice registers a car of each kind of OEM API the runtime
// knows (Tesla, Smartcar, High Mobility, ...: read from its metadata, stored on IPFS) and a second
// Tesla (Local) of the OEM simulator, consents to the dev collector (//Ferdie), and hands their
// OAuth grants to the collector through the unsafe collector_setCredentials RPC, after the
// operator's OAuth client of each OEM (the simulator's dev client) through
// collector_setOemClient.
//
// Safe to run again on the same chain (a compose stack brought up again with its volumes): a
// vehicle already registered is not registered twice, and its grant is handed over afresh (the
// simulator keeps its tokens in memory only). Where the simulator is not at the dev genesis'
// https://localhost:7443 (a compose network names it `oem-simulator`), the OEM sources are
// pointed at it through sudo, as governance would on a live chain.
//
// With an Arweave gateway (scripts/dev.sh runs arlocal), one vehicle more, a Tesla stored on
// Arweave, and the collector's Arweave wallet: the throwaway test wallet of
// offchain-workers/testdata (public, for dev only), funded through arlocal's mint route.
//
// With a push collector (scripts/dev.sh runs one: a second node, of //Dave's collector key, in
// commitment mode, with a Fleet Telemetry server), one vehicle more, a Tesla that streams rather
// than being polled: //Dave's key registered as a collector and put in that node's keystore, the
// vehicle CA of the simulator's Teslas registered as OEM 1's push feed (sudo
// `anchoring.setPushFeed`), and the car, the fleet's fourth Tesla (`push-fleet-telemetry
// --first 3`), registered by its VIN and consented to //Dave.
//
// Usage: node e2e/dev/seed.js <ws url> <simulator url> <simulator CA file> [arlocal url]
//          [push collector ws url] [vehicle certs folder (gen-vehicle-certs)]

import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, sha256AsU8a } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { rpcCall, sendOk, sleep } from '../lib/node.js';
import { httpsJson, oemKinds } from '../lib/collector.js';

const [wsUrl = 'ws://127.0.0.1:9944', simUrl = 'https://localhost:7443', caFile, arweaveUrl, pushUrl, vehicleCerts] = process.argv.slice(2);
/** The fleet's place of the Tesla that streams (scripts/dev.sh: `push-fleet-telemetry --first 3`). */
const PUSHED_TESLA = 3;

/** Waits for `probe` to stop throwing: the services of a compose stack start in any order. */
async function waitFor(what, probe, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms: ${error.message}`);
      await sleep(1_000);
    }
  }
}

const ca = caFile ? await waitFor(`the simulator's CA (${caFile})`, async () => {
  if (!existsSync(caFile)) throw new Error('no file yet');
  return readFileSync(caFile);
}) : undefined;
const admin = async (method, path, body) => {
  const { status, body: answer } = await httpsJson(`${simUrl}/admin/${path}`, { method, body, ca });
  if (status !== 200) throw new Error(`simulator /admin/${path}: ${status}`);
  return answer;
};
const rpc = (method, ...params) => rpcCall(wsUrl.replace(/^ws/, 'http'), method, params);

const fleet = await waitFor(`the OEM simulator at ${simUrl}`, () => admin('GET', 'vehicles'));
await waitFor(`the node at ${wsUrl}`, () => rpc('system_health'));
const api = await ApiPromise.create({ provider: new WsProvider(wsUrl), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 4242 });
const alice = keyring.addFromUri('//Alice');
const ferdie = keyring.addFromUri('//Ferdie');

await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
// One OEM source per kind of API, as the dev genesis registers them.
const kinds = oemKinds(api);
// The OAuth client the simulator's OEMs accept (dimo-oem-simulator --oauth-client).
for (const { oem } of kinds) await rpc('collector_setOemClient', oem, 'dimo-dev-client', 'dimo-dev-secret');

// The OEM sources must name the simulator where the node reaches it.
const moves = [];
for (const { oem, kind, name } of kinds) {
  const source = (await api.query.anchoring.oemSources(oem)).unwrapOr(null);
  const apiBaseUrl = `${simUrl}/${name}`;
  if (source && source.apiBaseUrl.toUtf8() === apiBaseUrl) continue;
  moves.push(api.tx.anchoring.setOemSource(oem, { api: kind, apiBaseUrl, authUrl: `${apiBaseUrl}/auth` }));
}
if (moves.length) {
  await sendOk(api, api.tx.sudo.sudo(api.tx.utility.batchAll(moves)), alice);
  console.log(`OEM sources now at ${simUrl}`);
}

const cars = (name) => fleet.filter((v) => v.oem === name).map((v) => v.id);
const demo = [
  ...kinds.map(({ oem, name }) => ({ oem, name, car: cars(name)[0], backend: 'Ipfs' })),
  { oem: 1, name: 'tesla', car: cars('tesla')[1], backend: 'Local' },
];
if (arweaveUrl) {
  const wallet = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'offchain-workers', 'testdata', 'arweave-test-wallet.json'), 'utf8');
  // The Ed25519 key that signs the collector's ANS-104 data items (keystore type `dari`; a node
  // makes its own when it has none). arlocal indexes a bundle's items only if their owner has an
  // arlocal wallet, so the dev key gets one, empty: Arweave's own gateways index any bundle.
  const itemKey = new Keyring({ type: 'ed25519' }).addFromUri('//DimoDevArweaveItems');
  if (!(await rpc('author_hasKey', u8aToHex(itemKey.publicKey), 'dari'))) {
    await rpc('author_insertKey', 'dari', '//DimoDevArweaveItems', u8aToHex(itemKey.publicKey));
  }
  const itemAddress = Buffer.from(sha256AsU8a(itemKey.publicKey)).toString('base64url');
  console.log(`collector's Arweave data items signed by ${Buffer.from(itemKey.publicKey).toString('base64url')}`);
  const address = await rpc('collector_setArweaveWallet', wallet);
  const minted = await waitFor(`the Arweave gateway at ${arweaveUrl}`, async () => {
    const res = await fetch(`${arweaveUrl}/mint/${address}/1000000000000000`);
    if (!res.ok) throw new Error(`status ${res.status}`);
    return res.text();
  });
  console.log(`collector's Arweave wallet ${address}: ${minted} winston`);
  await fetch(`${arweaveUrl}/mint/${itemAddress}/0`);
  demo.push({ oem: 1, name: 'tesla', car: cars('tesla')[2], backend: 'Arweave' });
}
/** Alice's vehicle of OEM `oem` whose carmaker's id is `car`: registered, stored on `backend`, consented to `collector`, unless it is already. */
async function onboard({ oem, car, backend }, collector) {
  const reference = blake2AsHex(car);
  const known = (await api.query.vehicles.vehicleByReference(oem, reference)).unwrapOr(null);
  if (known) return known.toNumber();
  const events = await sendOk(api, api.tx.vehicles.register(oem, reference, null), alice);
  const id = events.find(({ event }) => api.events.vehicles.Registered.is(event)).event.data.vehicle.toNumber();
  await sendOk(api, api.tx.utility.batchAll([
    api.tx.vehicles.setStorage(id, backend),
    api.tx.vehicles.authorizeCollector(id, collector.address, null),
  ]), alice);
  return id;
}

for (const vehicle of demo) {
  const id = await onboard(vehicle, ferdie);
  const tokens = await admin('POST', 'grant', { oem: vehicle.name, vehicle: vehicle.car });
  await rpc('collector_setCredentials', id, vehicle.oem, tokens.access_token, tokens.refresh_token, tokens.expires_at, vehicle.car);
  console.log(`vehicle ${id}: ${vehicle.name} ${vehicle.car}, stored on ${vehicle.backend}, collected by //Ferdie`);
}
console.log('anchors appear as anchoring.Anchored events (Network > Explorer) and through dimo_anchors(vehicle)');

if (pushUrl && vehicleCerts) {
  const dave = keyring.addFromUri('//Dave');
  const daveKey = u8aToHex(dave.publicKey);
  const push = (method, ...params) => rpcCall(pushUrl.replace(/^ws/, 'http'), method, params);
  await waitFor(`the push collector's node at ${pushUrl}`, () => push('system_health'));
  if (!(await push('author_hasKey', daveKey, 'dcol'))) await push('author_insertKey', 'dcol', '//Dave', daveKey);
  const vehicleCa = u8aToHex(readFileSync(join(vehicleCerts, 'vehicle-ca.der')));
  const calls = [];
  if ((await api.query.anchoring.collectors(daveKey)).isNone) calls.push(api.tx.anchoring.registerCollector(daveKey));
  const feed = (await api.query.anchoring.pushFeeds(1)).unwrapOr(null);
  if (!(feed?.isFleetTelemetry && feed.asFleetTelemetry.vehicleCa.toHex() === vehicleCa)) {
    calls.push(api.tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa } }));
  }
  if (calls.length) await sendOk(api, api.tx.sudo.sudo(api.tx.utility.batchAll(calls)), alice);
  const { vin } = fleet.filter((v) => v.oem === 'tesla')[PUSHED_TESLA];
  const id = await onboard({ oem: 1, car: vin, backend: 'Ipfs' }, dave);
  console.log(`vehicle ${id}: tesla VIN ${vin}, streamed over Fleet Telemetry to //Dave's collector, stored on Ipfs`);
  console.log(`  its commitments appear as anchoring.Committed events, its readings through dimo_readStream and dimo_anchorProof on ${pushUrl}`);
}
await api.disconnect();
