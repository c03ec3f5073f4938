// Tesla Fleet Telemetry, received by a real collector node from vehicles that stream as Teslas do.
//
// A real `dimo-node --dev` in commitment mode runs the collector's Fleet Telemetry server
// (`--collector-fleet-telemetry-listen`, its certificate from a test CA); the OEM simulator's
// Teslas (`dimo-oem-simulator push-fleet-telemetry`) each open a WebSocket to it over mutual TLS
// with a client certificate from a test vehicle CA (common name: the VIN), and send protobuf
// `Payload`s in FlatBuffers envelopes, waiting for the server's acknowledgement of each, sending a
// reading again until it comes. With @polkadot/api and the node's RPC only:
//
// - before governance registers the vehicle CA, every vehicle is refused;
// - once registered (sudo `anchoring.setPushFeed(1, {fleetTelemetry: {vehicleCa}})`), the
//   registered, consenting car's readings are committed once each, in order, and its owner reads
//   them through the gateway; the other car (registered nowhere) is dropped and counted;
// - vehicles with a certificate of another CA, or an expired one, are refused in the handshake,
//   and the node's log says why;
// - the collector killed (SIGKILL) mid-stream and restarted: every reading the car sent is
//   committed exactly once (the car sends again what was not acknowledged).

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2AsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, sendOk, waitForLog, freePort } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard as onboardVehicle, until } from '../lib/chain.js';
import { streamAuth } from '../lib/streams.js';
import { committedTimes as committedTimesAt, genCerts, genVehicleCerts, pushFleetTelemetry, pushInboxDrained } from '../lib/collector.js';

// The simulator's first Tesla (oem-simulator/src/oems/tesla.rs).
const VIN = '5YJ3E1EA7KF317000';

let node;
let alice;
let ferdie;
let basePath;
let certs;
let port;
let vehicles;
let owner;
let vehicle;

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;
const stream = (options) => pushFleetTelemetry({ port, serverCa: join(certs, 'ca.pem'), ...options });

const committedTimes = (id) => committedTimesAt(node.rpcUrl, id);
const inboxDrained = () => pushInboxDrained(node.rpcUrl);

async function start() {
  node = await startNode({
    chain: 'dev',
    basePath,
    extraArgs: [
      '--collector-anchor', 'commitments',
      '--collector-fleet-telemetry-listen', `127.0.0.1:${port}`,
      '--collector-fleet-telemetry-cert', join(certs, 'localhost.crt.pem'),
      '--collector-fleet-telemetry-key', join(certs, 'localhost.key.pem'),
    ],
  });
}

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  certs = genCerts('DIMO dev collector CA');
  vehicles = genVehicleCerts('Tesla Issuing CA (dev)', { vehicles: 2 });
  port = await freePort();
  basePath = mkdtempSync(join(tmpdir(), 'dimo-fleet-telemetry-'));
  await start();
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  owner = fresh();
  await sendOk(api(), api().tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
  vehicle = await onboardVehicle(api(), owner, { oem: 1, oemRefHash: blake2AsHex(VIN), backend: 'Local', collector: ferdie.address });
});

after(async () => {
  await node?.stop();
});

describe('Tesla Fleet Telemetry', () => {
  test('vehicles are refused until their CA is registered; then the consenting car\'s readings are committed once each and its owner reads them', async () => {
    await assert.rejects(stream({ vehicleCerts: vehicles.dir, rounds: 1, giveUpAfterS: 2 }).done, /refused/);
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa: vehicles.caDer } })), alice);
    await waitForLog(node.logFile, /Fleet Telemetry: 1 feed\(s\) registered/);

    assert.equal(await stream({ vehicleCerts: vehicles.dir, vehicles: 2, rounds: 3, everyMs: 300 }).done, 6, 'each reading acknowledged');
    await until('3 readings committed', async () => ((await committedTimes(vehicle)).length >= 3 ? true : null), { timeoutMs: 120_000 });
    await inboxDrained();
    const times = await committedTimes(vehicle);
    assert.equal(times.length, 3, `each once: ${times}`);
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'in the order the car observed them');
    assert.match(readFileSync(node.logFile, 'utf8'), /push inbox: took \d+ readings.*unregistered car [1-9]/, 'the second car, registered nowhere, dropped and counted');

    const genesis = api().genesisHash.toHex();
    const readings = await rpc('dimo_readStream', vehicle, 'nonLocationData', streamAuth(genesis, owner, vehicle, 'nonLocationData', 1_000_000), null, 10);
    assert.deepEqual(readings.map((r) => r.observedAt).sort((a, b) => a - b), times);
    assert.ok(readings.every((r) => Number.isInteger(r.record.signals.odometerM) && Number.isInteger(r.record.signals.batteryPermille)), JSON.stringify(readings[0]));
  });

  test('a certificate of another CA, or an expired one, is refused in the handshake and the log says why', async () => {
    const before = (await committedTimes(vehicle)).length;
    const impostor = genVehicleCerts('Tesla Issuing CA (not registered)', { vehicles: 1 });
    await assert.rejects(stream({ vehicleCerts: impostor.dir, rounds: 1, giveUpAfterS: 2 }).done, /refused/);
    await waitForLog(node.logFile, /Fleet Telemetry: refused 127\.0\.0\.1:\d+: TLS handshake failed: .*invalid peer certificate: UnknownIssuer/);
    const expired = genVehicleCerts('Tesla Issuing CA (dev)', { vehicles: 1, expired: true });
    // Another CA of the same name: registered in its stead, so only the expiry refuses it.
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa: expired.caDer } })), alice);
    await waitForLog(node.logFile, /Fleet Telemetry: 1 feed\(s\) registered[^\n]*\n(.|\n)*Fleet Telemetry: 1 feed\(s\) registered/);
    await assert.rejects(stream({ vehicleCerts: expired.dir, rounds: 1, giveUpAfterS: 2 }).done, /refused/);
    await waitForLog(node.logFile, /Fleet Telemetry: refused 127\.0\.0\.1:\d+: TLS handshake failed: .*invalid peer certificate: (certificate )?expired/i);
    assert.equal((await committedTimes(vehicle)).length, before);
    // Back to the fleet's CA for the next test.
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa: vehicles.caDer } })), alice);
  });

  test('the collector killed mid-stream and restarted: every reading the car sent is committed exactly once', async () => {
    const before = (await committedTimes(vehicle)).length;
    const rounds = 20;
    const car = stream({ vehicleCerts: vehicles.dir, vehicles: 1, rounds, everyMs: 300, giveUpAfterS: 180 });
    await waitForLog(node.logFile, /Fleet Telemetry: vehicle 5YJ3E1EA7KF317000 of OEM 1 connected/);
    // Killed once a few readings went through.
    await until('a reading of this stream committed or queued', async () => ((await rpc('collector_load'))?.pushInbox?.readings > 0 || (await committedTimes(vehicle)).length > before ? true : null), { timeoutMs: 60_000, everyMs: 200 });
    await node.kill();
    await start();
    assert.equal(await car.done, rounds, 'the car got every reading acknowledged in the end');
    await until(`${before + rounds} readings committed`, async () => ((await committedTimes(vehicle)).length >= before + rounds ? true : null), { timeoutMs: 180_000, everyMs: 2_000 });
    await inboxDrained();
    const times = await committedTimes(vehicle);
    assert.equal(times.length, before + rounds, 'none lost, none twice');
    assert.equal(new Set(times).size, times.length);
  });
});
