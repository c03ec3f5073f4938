// An OEM's MQTT push feed, received by a real collector node from a real broker.
//
// Debian's mosquitto plays the OEM's broker (TLS only, with a certificate from a test CA, a login
// per client, no anonymous access); the OEM simulator's Teslas publish their `vehicle_data` to it
// (`dimo-oem-simulator push-mqtt`, QoS 1, on `dimo/tesla/{vin}`); a real `dimo-node --dev` in
// commitment mode is the collector, with `//Ferdie`'s collector key and the operator's OEM client
// as its login at the broker. Governance registers the feed (sudo `anchoring.setPushFeed`, the
// broker's CA as `serverCa`); from then on, with @polkadot/api and the node's RPC only:
//
// - nothing connects to the broker before the feed is registered;
// - the pushed readings of the registered, consenting car are committed, once each, and its owner
//   reads them through the gateway; the other car's (registered nowhere) are not;
// - the collector killed (SIGKILL) mid-stream and restarted: every reading the OEM published is
//   committed exactly once (what the node had acknowledged from its inbox, the rest from the
//   broker's session, which delivers again what was not acknowledged);
// - the owner revokes the collector's consent: the car's pushed readings stop being stored;
// - governance registers another CA for the feed: the node no longer trusts the broker, says so in
//   its log, and receives nothing.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2AsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, sendOk, waitForLog, killAfterNextLog } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard as onboardVehicle, until } from '../lib/chain.js';
import { streamAuth } from '../lib/streams.js';
import { committedTimes as committedTimesAt, genCerts, pushInboxDrained, pushMqtt, startMosquitto } from '../lib/collector.js';

// The operator's OEM client: the collector's login at the OEM's broker.
const COLLECTOR_LOGIN = ['dimo-dev-client', 'dimo-dev-secret'];
// The OEM's own publisher.
const OEM_LOGIN = ['oem-publisher', 'oem-publisher-secret'];
// The simulator's first two Teslas (oem-simulator/src/oems/tesla.rs).
const VINS = ['5YJ3E1EA7KF317000', '5YJ3E1EA7KF317001'];

let node;
let broker;
let certs;
let alice;
let ferdie;
let basePath;
let owner;
let vehicle;

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;
const caDer = (dir) => u8aToHex(new X509Certificate(readFileSync(join(dir, 'ca.pem'))).raw);
const mqttFeed = (serverCa) => ({ mqtt: { api: 'Tesla', host: 'localhost', port: broker.port, topicPrefix: 'dimo/tesla', serverCa } });

const committedTimes = (id) => committedTimesAt(node.rpcUrl, id);
const inboxDrained = () => pushInboxDrained(node.rpcUrl);

async function start() {
  node = await startNode({ chain: 'dev', basePath, extraArgs: ['--collector-anchor', 'commitments'] });
}

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  certs = genCerts('DIMO dev MQTT broker CA');
  broker = await startMosquitto({ certsDir: certs, logins: Object.fromEntries([COLLECTOR_LOGIN, OEM_LOGIN]) });
  basePath = mkdtempSync(join(tmpdir(), 'dimo-mqtt-'));
  await start();
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  await rpc('collector_setOemClient', 1, ...COLLECTOR_LOGIN);
  owner = fresh();
  await sendOk(api(), api().tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
  vehicle = await onboardVehicle(api(), owner, { oem: 1, oemRefHash: blake2AsHex(VINS[0]), backend: 'Local', collector: ferdie.address });
});

after(async () => {
  await node?.stop();
  broker?.stop();
});

describe('an MQTT push feed', () => {
  test('nothing connects before the feed is registered; then the consenting car\'s pushed readings are committed once each and its owner reads them', async () => {
    // The node is a registered collector with a login for OEM 1, and the broker is up: without a
    // registered feed, it does not connect.
    assert.doesNotMatch(broker.log(), /New client connected .* as dimo-[0-9a-f]{6}-/);
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, mqttFeed(caDer(certs)))), alice);
    await broker.waitForLog(/Sending SUBACK to dimo-/);
    await waitForLog(node.logFile, /MQTT feed of OEM 1: connected to localhost/);

    const acked = await pushMqtt({ port: broker.port, ca: join(certs, 'ca.pem'), login: OEM_LOGIN.join(':'), vehicles: 2, everyMs: 500, rounds: 3 }).done;
    assert.equal(acked, 6, 'the broker took 3 readings of each car');
    await until('3 readings committed', async () => ((await committedTimes(vehicle)).length >= 3 ? true : null), { timeoutMs: 120_000 });
    await inboxDrained();
    const times = await committedTimes(vehicle);
    assert.equal(times.length, 3, `each reading once: ${times}`);
    assert.equal(new Set(times).size, 3);
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'in the order the car observed them');
    assert.match(readFileSync(node.logFile, 'utf8'), /push inbox: took \d+ readings.*unregistered car [1-9]/, 'the second car, registered nowhere, was dropped and counted');

    // The owner reads them as polled ones, the OEM's own answer included.
    const genesis = api().genesisHash.toHex();
    const readings = await rpc('dimo_readStream', vehicle, 'nonLocationData', streamAuth(genesis, owner, vehicle, 'nonLocationData', 1_000_000), null, 10);
    assert.deepEqual(readings.map((r) => r.observedAt).sort((a, b) => a - b), times);
    assert.ok(readings.every((r) => Number.isInteger(r.record.signals.odometerM)), JSON.stringify(readings[0]));
  });

  test('the collector killed mid-stream and restarted: every reading the OEM published is committed exactly once', async () => {
    const before = (await committedTimes(vehicle)).length;
    const rounds = 30;
    const pusher = pushMqtt({ port: broker.port, ca: join(certs, 'ca.pem'), login: OEM_LOGIN.join(':'), vehicles: 1, everyMs: 200, rounds });
    // Killed right after its receiver queued (and acknowledged) a batch.
    await killAfterNextLog(node, /MQTT feed of OEM 1: \d+ readings queued/g);
    // The OEM goes on publishing; the broker holds them for the collector's session.
    assert.equal(await pusher.done, rounds);
    await start();
    await until(`${before + rounds} readings committed`, async () => ((await committedTimes(vehicle)).length >= before + rounds ? true : null), { timeoutMs: 180_000, everyMs: 2_000 });
    await inboxDrained();
    const times = await committedTimes(vehicle);
    assert.equal(times.length, before + rounds, 'none lost, none twice');
    assert.equal(new Set(times).size, times.length, 'no reading twice');
  });

  test('the owner revokes the collector: the car\'s pushed readings stop being stored', async () => {
    const before = (await committedTimes(vehicle)).length;
    await sendOk(api(), api().tx.vehicles.revokeCollector(vehicle, ferdie.address), owner);
    const acked = await pushMqtt({ port: broker.port, ca: join(certs, 'ca.pem'), login: OEM_LOGIN.join(':'), vehicles: 1, everyMs: 200, rounds: 3 }).done;
    assert.equal(acked, 3);
    // The receiver queued them; the worker took them and dropped them for want of consent.
    await inboxDrained();
    await waitForLog(node.logFile, /push inbox: took \d+ readings.*no consent [1-9]/);
    assert.equal((await committedTimes(vehicle)).length, before);
  });

  test('a broker whose certificate does not chain to the registered CA gets no login and gives no data', async () => {
    const impostor = genCerts('not the broker\'s CA');
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, mqttFeed(caDer(impostor)))), alice);
    await waitForLog(node.logFile, /MQTT feed of OEM 1 \(localhost:\d+\): .*invalid peer certificate: UnknownIssuer/, 60_000);
    const logins = (broker.log().match(/New client connected .* as dimo-[0-9a-f]{6}-/g) ?? []).length;
    await pushMqtt({ port: broker.port, ca: join(certs, 'ca.pem'), login: OEM_LOGIN.join(':'), vehicles: 1, everyMs: 100, rounds: 2 }).done;
    // A retry later, still refused, and never logged in.
    await waitForLog(node.logFile, /MQTT feed of OEM 1 \(localhost:\d+\): .*invalid peer certificate[^\n]*\n(.|\n)*MQTT feed of OEM 1 \(localhost:\d+\): .*invalid peer certificate/, 60_000);
    assert.equal((broker.log().match(/New client connected .* as dimo-[0-9a-f]{6}-/g) ?? []).length, logins);
    assert.equal((await rpc('collector_load')).pushInbox.readings, 0);
  });
});
