// An OEM's Kafka push feed, received by a real collector node from a real broker.
//
// tansu (an Apache Kafka-compatible broker, from crates.io: Apache Kafka's jars come from Maven,
// which these machines cannot reach) plays the OEM's cluster, TLS only through Debian's stunnel4
// with a certificate from a test CA; the OEM simulator's Teslas produce their `vehicle_data` to
// its topic, keyed by VIN (`dimo-oem-simulator push-kafka`); a real `dimo-node --dev` in
// commitment mode is the collector, with `//Ferdie`'s collector key. Governance registers the feed
// (sudo `anchoring.setPushFeed`, the cluster's CA as `serverCa`); from then on, with
// @polkadot/api and the node's RPC only:
//
// - nothing connects to the cluster before the feed is registered;
// - the produced readings of the registered, consenting car are committed, once each, and its
//   owner reads them through the gateway; the other car's (registered nowhere) are not;
// - the collector killed (SIGKILL) mid-stream and restarted: every reading the OEM produced is
//   committed exactly once (what the node had queued in its inbox, the rest from the consumer
//   group's committed offsets on). SKIPPED for now: librdkafka's debug log (DIMO_KAFKA_DEBUG)
//   shows tansu 0.6.0 answering the restarted node's JoinGroup with the dead member still the
//   leader of generation 1 and a SyncGroup of 0 partitions, which it then keeps (issue 32's
//   note). The test stays, to be made to pass;
// - the owner revokes the collector's consent: the car's readings stop being stored;
// - governance registers another CA for the feed: the node no longer trusts the cluster, says so
//   in its log, and receives nothing.

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
import { committedTimes as committedTimesAt, genCerts, pushInboxDrained, pushKafka, startKafka } from '../lib/collector.js';

const TOPIC = 'vehicle-data';
// The simulator's first two Teslas (oem-simulator/src/oems/tesla.rs).
const VINS = ['5YJ3E1EA7KF317000', '5YJ3E1EA7KF317001'];

let node;
let cluster;
let certs;
let alice;
let ferdie;
let basePath;
let owner;
let vehicle;

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;
const caDer = (dir) => u8aToHex(new X509Certificate(readFileSync(join(dir, 'ca.pem'))).raw);
const kafkaFeed = (serverCa) => ({ kafka: { api: 'Tesla', host: 'localhost', port: cluster.port, topic: TOPIC, serverCa } });
const produce = (options) => pushKafka({ port: cluster.port, ca: join(certs, 'ca.pem'), topic: TOPIC, ...options });

const committedTimes = (id) => committedTimesAt(node.rpcUrl, id);
const inboxDrained = () => pushInboxDrained(node.rpcUrl);

async function start() {
  node = await startNode({ chain: 'dev', basePath, extraArgs: ['--collector-anchor', 'commitments'] });
}

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  certs = genCerts('DIMO dev Kafka cluster CA');
  cluster = await startKafka({ certsDir: certs, topic: TOPIC });
  basePath = mkdtempSync(join(tmpdir(), 'dimo-kafka-'));
  await start();
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  owner = fresh();
  await sendOk(api(), api().tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
  vehicle = await onboardVehicle(api(), owner, { oem: 1, oemRefHash: blake2AsHex(VINS[0]), backend: 'Local', collector: ferdie.address });
});

after(async () => {
  await node?.stop();
  cluster?.stop();
});

describe('a Kafka push feed', () => {
  test('nothing connects before the feed is registered; then the consenting car\'s readings are committed once each and its owner reads them', async () => {
    // The node is a registered collector and the cluster is up: without a registered feed, it
    // does not connect.
    assert.equal(cluster.connections(), 0, cluster.log());
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, kafkaFeed(caDer(certs)))), alice);
    await waitForLog(node.logFile, /Kafka feed of OEM 1 \(localhost:\d+\): consuming topic vehicle-data as group dimo-[0-9a-f]{6}-1/, 60_000);

    const acked = await produce({ vehicles: 2, everyMs: 500, rounds: 3 }).done;
    assert.equal(acked, 6, 'the cluster took 3 readings of each car');
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

  test('the collector killed mid-stream and restarted: every reading the OEM produced is committed exactly once', async () => {
    const before = (await committedTimes(vehicle)).length;
    const rounds = 30;
    const pusher = produce({ vehicles: 1, everyMs: 200, rounds });
    // Killed right after its receiver queued a batch (and asked for its offsets' commit).
    await killAfterNextLog(node, /Kafka feed of OEM 1 \(localhost:\d+\): \d+ readings queued/g);
    // The OEM goes on producing; the topic keeps the records for the group.
    assert.equal(await pusher.done, rounds);
    await start();
    await until(`${before + rounds} readings committed`, async () => ((await committedTimes(vehicle)).length >= before + rounds ? true : null), { timeoutMs: 240_000, everyMs: 2_000 });
    await inboxDrained();
    const times = await committedTimes(vehicle);
    assert.equal(times.length, before + rounds, 'none lost, none twice');
    assert.equal(new Set(times).size, times.length, 'no reading twice');
  });

  test('the owner revokes the collector: the car\'s readings stop being stored', async () => {
    const before = (await committedTimes(vehicle)).length;
    await sendOk(api(), api().tx.vehicles.revokeCollector(vehicle, ferdie.address), owner);
    assert.equal(await produce({ vehicles: 1, everyMs: 200, rounds: 3 }).done, 3);
    // The receiver queued them; the worker took them and dropped them for want of consent.
    await waitForLog(node.logFile, /push inbox: took \d+ readings.*no consent [1-9]/, 120_000);
    await inboxDrained();
    assert.equal((await committedTimes(vehicle)).length, before);
  });

  test('a cluster whose certificate does not chain to the registered CA gives no data', async () => {
    const impostor = genCerts('not the cluster\'s CA');
    await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, kafkaFeed(caDer(impostor)))), alice);
    await waitForLog(node.logFile, /Kafka feed of OEM 1 \(localhost:\d+\): .*certificate verify failed/, 90_000);
    await produce({ vehicles: 1, everyMs: 100, rounds: 2 }).done;
    // Refused again on its next try, and nothing came in.
    await waitForLog(node.logFile, /Kafka feed of OEM 1 \(localhost:\d+\): the cluster's brokers could not be read/, 90_000);
    assert.equal((await rpc('collector_load')).pushInbox.readings, 0);
    assert.doesNotMatch(readFileSync(node.logFile, 'utf8').split(/certificate verify failed/).slice(1).join(''), /Kafka feed of OEM 1 \(localhost:\d+\): \d+ readings queued/);
  });
});
