// Figures of the collector gateway's fan-out: one vehicle, 1, 100 and 1,000 subscribers to its
// non-location stream (16 per connection, the gateway's bound), each reading pushed to all.
// For each reading it prints how long after the collector read it (the record's `to`, the
// worker's clock) the first subscriber, the median one and the last one had it. Each
// subscription looks for new readings every 250 ms on its own timer, so a spread up to 250 ms
// is the polling; what grows beyond it is the fan-out's cost. Run by scripts/gateway-figures.sh; not a test (nothing here can
// fail on a slow machine), the figures go to the README.
//
// Real parts: dimo-node --dev as collector, the OEM simulator over HTTPS, @polkadot/api's
// WsProvider as the subscribers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, mnemonicGenerate } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, sendOk } from '../lib/node.js';
import { genCerts, startSimulator, trustBundle } from '../lib/collector.js';
import { streamAuth } from '../lib/streams.js';

const PER_CONNECTION = 16;
const READINGS = Number(process.env.FANOUT_READINGS ?? 3);
const COUNTS = (process.env.FANOUT_SUBSCRIBERS ?? '1,100,1000').split(',').map(Number);

const keyring = new Keyring({ type: 'sr25519', ss58Format: 4242 });
const alice = keyring.addFromUri('//Alice');
const ferdie = keyring.addFromUri('//Ferdie');
const owner = keyring.addFromMnemonic(mnemonicGenerate());

const certs = genCerts('DIMO fan-out CA');
const sim = await startSimulator({ certsDir: certs });
const node = await startNode({
  chain: 'dev',
  basePath: mkdtempSync(join(tmpdir(), 'dimo-fanout-')),
  env: { SSL_CERT_FILE: trustBundle([join(certs, 'ca.pem')]) },
  extraArgs: ['--collector-oem-host', `localhost:${sim.port}`],
});
const { api } = node;
const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
try {
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  await rpc('collector_setOemClient', 1, 'dimo-dev-client', 'dimo-dev-secret');
  await sendOk(api, api.tx.utility.batchAll([
    api.tx.sudo.sudo(api.tx.anchoring.setOemSource(1, { api: 'Tesla', apiBaseUrl: `${sim.url}/tesla`, authUrl: `${sim.url}/tesla/auth` })),
    api.tx.balances.transferKeepAlive(owner.address, 10n * 10n ** 18n),
  ]), alice);
  const car = (await sim.admin('GET', 'vehicles')).find((v) => v.oem === 'tesla').id;
  const events = await sendOk(api, api.tx.vehicles.register(1, blake2AsHex(car), null), owner);
  const vehicle = events.find(({ event }) => api.events.vehicles.Registered.is(event)).event.data.vehicle.toNumber();
  await sendOk(api, api.tx.vehicles.authorizeCollector(vehicle, ferdie.address, null), owner);
  const tokens = await sim.admin('POST', 'grant', { oem: 'tesla', vehicle: car });
  await rpc('collector_setCredentials', vehicle, 1, tokens.access_token, tokens.refresh_token, tokens.expires_at, car);
  const auth = streamAuth(api.genesisHash.toU8a(), owner, vehicle, 'nonLocationData', 10_000_000);

  console.log(`one vehicle (Local), a reading every 5 blocks; ${READINGS} readings per row`);
  console.log('subscribers | reading | first after read | median | last after read');
  for (const count of COUNTS) {
    const providers = [];
    for (let i = 0; i < Math.ceil(count / PER_CONNECTION); i += 1) {
      const provider = new WsProvider(node.rpcUrl);
      await provider.isReady;
      providers.push(provider);
    }
    const arrivals = new Map(); // reading number -> { to, times: [] }
    await Promise.all(Array.from({ length: count }, (_, i) => providers[Math.floor(i / PER_CONNECTION)].subscribe(
      'dimo_streamReading', 'dimo_subscribeStream', [vehicle, 'nonLocationData', auth], (error, event) => {
        const at = Date.now();
        if (error || !event.reading) return;
        const entry = arrivals.get(event.reading.number) ?? { to: event.reading.record.to, times: [] };
        entry.times.push(at);
        arrivals.set(event.reading.number, entry);
      })));
    const complete = () => [...arrivals.values()].filter((e) => e.times.length === count).length;
    const deadline = Date.now() + READINGS * 60_000 + 60_000;
    while (complete() < READINGS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    for (const [number, { to, times }] of [...arrivals.entries()].filter(([, e]) => e.times.length === count).slice(0, READINGS)) {
      const sorted = [...times].sort((a, b) => a - b);
      const [first, median, last] = [sorted[0], sorted[Math.floor(sorted.length / 2)], sorted.at(-1)];
      console.log(`${String(count).padStart(11)} | ${String(number).padStart(7)} | ${String(first - to).padStart(13)} ms | ${String(median - to).padStart(3)} ms | ${String(last - to).padStart(12)} ms`);
    }
    await Promise.all(providers.map((p) => p.disconnect()));
  }
} finally {
  await node.stop();
  sim.stop();
}
