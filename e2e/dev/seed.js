// Onboards three demo vehicles on the dev chain that scripts/dev.sh runs, so that anchors appear
// within a minute: Alice registers a Tesla (IPFS), a Smartcar (IPFS) and a second Tesla (Local)
// of the OEM simulator, consents to the dev collector (//Ferdie), and hands their OAuth grants
// to the collector through the unsafe collector_setCredentials RPC, after the operator's OAuth
// client of each OEM (the simulator's dev client) through collector_setOemClient.
//
// Usage: node e2e/dev/seed.js <ws url> <simulator url> <simulator CA file>

import { readFileSync } from 'node:fs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { rpcCall, sendOk } from '../lib/node.js';
import { httpsJson } from '../lib/collector.js';

const [wsUrl = 'ws://127.0.0.1:9944', simUrl = 'https://localhost:7443', caFile] = process.argv.slice(2);
const ca = caFile ? readFileSync(caFile) : undefined;
const admin = async (method, path, body) => (await httpsJson(`${simUrl}/admin/${path}`, { method, body, ca })).body;

const api = await ApiPromise.create({ provider: new WsProvider(wsUrl), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 4242 });
const alice = keyring.addFromUri('//Alice');
const ferdie = keyring.addFromUri('//Ferdie');
const rpc = (method, ...params) => rpcCall(wsUrl, method, params);

await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
// The OAuth client the simulator's OEMs accept (dimo-oem-simulator --oauth-client).
for (const oem of [1, 2]) await rpc('collector_setOemClient', oem, 'dimo-dev-client', 'dimo-dev-secret');
const fleet = await admin('GET', 'vehicles');
const demo = [
  { oem: 1, name: 'tesla', car: fleet.filter((v) => v.oem === 'tesla')[0].id, backend: 'Ipfs' },
  { oem: 2, name: 'smartcar', car: fleet.filter((v) => v.oem === 'smartcar')[0].id, backend: 'Ipfs' },
  { oem: 1, name: 'tesla', car: fleet.filter((v) => v.oem === 'tesla')[1].id, backend: 'Local' },
];
for (const vehicle of demo) {
  const events = await sendOk(api, api.tx.vehicles.register(vehicle.oem, blake2AsHex(vehicle.car)), alice);
  const id = events.find(({ event }) => api.events.vehicles.Registered.is(event)).event.data.vehicle.toNumber();
  await sendOk(api, api.tx.utility.batchAll([
    api.tx.vehicles.setStorage(id, vehicle.backend),
    api.tx.vehicles.authorizeCollector(id, ferdie.address, null),
  ]), alice);
  const tokens = await admin('POST', 'grant', { oem: vehicle.name, vehicle: vehicle.car });
  await rpc('collector_setCredentials', id, vehicle.oem, tokens.access_token, tokens.refresh_token, tokens.expires_at, vehicle.car);
  console.log(`vehicle ${id}: ${vehicle.name} ${vehicle.car}, stored on ${vehicle.backend}, collected by //Ferdie`);
}
console.log('anchors appear as anchoring.Anchored events (Network > Explorer) and through dimo_anchors(vehicle)');
await api.disconnect();
