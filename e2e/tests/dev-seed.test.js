// The dev network's seeding, as scripts/dev.sh runs it, on real parts started on free ports: the
// OEM simulator (four cars of each OEM), the dev IPFS node, `dimo-node --dev` (Alice's validator
// and //Ferdie's collector, per-record anchoring) and the push collector (a full node of the same
// chain in commitment mode, its Fleet Telemetry server on a test CA's localhost certificate).
// `e2e/dev/seed.js` is run with their addresses, then the simulator's fourth Tesla streams with
// its client certificate from the test vehicle CA (`push-fleet-telemetry --first 3`), as dev.sh
// does. With the nodes' RPC only:
//
// - the polled cars are registered, consented to //Ferdie, and anchored (`dimo_anchors`);
// - the streaming Tesla is registered by the hash of its VIN and consented to //Dave, whose key
//   the seed registered and put in the push collector's keystore; OEM 1's push feed names the
//   vehicle CA; and every reading the car streamed is committed by //Dave's node, once each;
// - a second run of the seed (a dev network brought up again) registers nothing twice.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { blake2AsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, freePort, waitForLog } from '../lib/node.js';
import { keyring, until } from '../lib/chain.js';
import { committedTimes, genCerts, genVehicleCerts, pushFleetTelemetry, pushInboxDrained, startIpfs, startSimulator, trustBundle } from '../lib/collector.js';

const SEED = join(import.meta.dirname, '..', 'dev', 'seed.js');

let sim;
let ipfs;
let chain;
let push;
let certs;
let vehicleCerts;
let ftPort;
let seedOutput;

/** Runs the seed as dev.sh does (no Arweave gateway: its vehicle is left out). */
async function seed() {
  const { stdout } = await promisify(execFile)(process.execPath, [
    SEED, chain.rpcUrl, sim.url, join(certs, 'ca.pem'), '', push.rpcUrl, vehicleCerts.dir,
  ], { timeout: 240_000 });
  return stdout;
}

before(async () => {
  certs = genCerts('DIMO dev CA');
  vehicleCerts = genVehicleCerts('Tesla Issuing CA (dev)', { vehicles: 4 });
  [sim, ipfs] = await Promise.all([startSimulator({ certsDir: certs, vehicles: 4 }), startIpfs()]);
  chain = await startNode({
    chain: 'dev',
    env: { SSL_CERT_FILE: trustBundle([join(certs, 'ca.pem')]) },
    extraArgs: ['--collector-ipfs-api', ipfs.apiUrl, '--collector-oem-host', `localhost:${sim.port}`],
  });
  ftPort = await freePort();
  const bootnode = `/ip4/127.0.0.1/tcp/${chain.p2pPort}/p2p/${await rpcCall(chain.rpcUrl, 'system_localPeerId', [])}`;
  push = await startNode({
    chain: 'dev',
    validator: null,
    extraArgs: [
      '--bootnodes', bootnode, '--offchain-worker', 'always',
      '--collector-anchor', 'commitments', '--collector-ipfs-api', ipfs.apiUrl,
      '--collector-fleet-telemetry-listen', `127.0.0.1:${ftPort}`,
      '--collector-fleet-telemetry-cert', join(certs, 'localhost.crt.pem'),
      '--collector-fleet-telemetry-key', join(certs, 'localhost.key.pem'),
    ],
  });
  seedOutput = await seed();
});

after(async () => {
  await push?.stop();
  await chain?.stop();
  sim?.stop();
  await ipfs?.stop();
});

describe('the dev network\'s seed', () => {
  test('the polled cars are consented to //Ferdie and anchored', async () => {
    const api = chain.api;
    const ferdie = keyring.addFromUri('//Ferdie');
    const polled = [...seedOutput.matchAll(/^vehicle (\d+): .* collected by \/\/Ferdie$/gm)].map((m) => Number(m[1]));
    assert.equal(polled.length, 4, seedOutput);
    for (const id of polled) {
      const vehicle = (await api.query.vehicles.vehicles(id)).unwrap();
      assert.ok(vehicle.owner.eq(keyring.addFromUri('//Alice').address), `vehicle ${id} is Alice's`);
    }
    await until('an anchor of every polled car', async () => {
      const anchored = await Promise.all(polled.map((id) => rpcCall(chain.rpcUrl, 'dimo_anchors', [id, null, 10])));
      return anchored.every((anchors) => anchors.length > 0 && anchors.every((a) => a.collector === ferdie.address)) ? true : null;
    }, { timeoutMs: 180_000, everyMs: 3_000 });
  });

  test('the streaming Tesla is registered by its VIN, consented to //Dave, and every reading it streams is committed once', async () => {
    const api = chain.api;
    const dave = keyring.addFromUri('//Dave');
    const [, idText, vin] = seedOutput.match(/^vehicle (\d+): tesla VIN (\S+), streamed over Fleet Telemetry/m) ?? [];
    assert.ok(idText, seedOutput);
    const id = Number(idText);
    const fleet = await sim.admin('GET', 'vehicles');
    assert.equal(vin, fleet.filter((v) => v.oem === 'tesla')[3].vin, 'the fleet\'s fourth Tesla');
    assert.equal((await api.query.vehicles.vehicleByReference(1, blake2AsHex(vin))).unwrap().toNumber(), id);
    assert.ok((await api.query.anchoring.collectors(u8aToHex(dave.publicKey))).isSome, '//Dave registered as a collector');
    assert.equal(await rpcCall(push.rpcUrl, 'author_hasKey', [u8aToHex(dave.publicKey), 'dcol']), true);
    const feed = (await api.query.anchoring.pushFeeds(1)).unwrap();
    assert.equal(feed.asFleetTelemetry.vehicleCa.toHex(), vehicleCerts.caDer);

    await waitForLog(push.logFile, /Fleet Telemetry: 1 feed\(s\) registered/, 120_000);
    const rounds = 4;
    const car = pushFleetTelemetry({ port: ftPort, serverCa: join(certs, 'ca.pem'), vehicleCerts: vehicleCerts.dir, first: 3, vehicles: 1, rounds, everyMs: 500 });
    assert.equal(await car.done, rounds, 'each reading acknowledged');
    await until(`${rounds} readings committed`, async () => ((await committedTimes(push.rpcUrl, id)).length >= rounds ? true : null), { timeoutMs: 120_000, everyMs: 2_000 });
    await pushInboxDrained(push.rpcUrl);
    const times = await committedTimes(push.rpcUrl, id);
    assert.equal(times.length, rounds, `each once: ${times}`);
    const proof = await rpcCall(push.rpcUrl, 'dimo_anchorProof', [id, null]);
    assert.equal(proof.collector, dave.address);
    // Not anchored per record: //Ferdie's node never collects it.
    assert.deepEqual(await rpcCall(chain.rpcUrl, 'dimo_anchors', [id, null, 10]), []);
  });

  test('run again, it registers nothing twice', async () => {
    const before = (await chain.api.query.vehicles.nextVehicleId()).toNumber();
    const again = await seed();
    assert.equal((await chain.api.query.vehicles.nextVehicleId()).toNumber(), before);
    assert.equal([...again.matchAll(/^vehicle (\d+):/gm)].length, [...seedOutput.matchAll(/^vehicle (\d+):/gm)].length);
  });
});
